"""Workload lower bound: the fewest officers that could do a register's visit workload
under the policy, whatever the planner.

Per team, the bound is the smallest team size, with the officers taken the way
:func:`scheduler.staffing.sweep.restaff` takes them (:func:`scheduler.staffing.sweep.roster` over
:func:`scheduler.staffing.sweep.team_order`: by default the shifts the offenders need first,
then a balanced cycle of the team's own officers), that passes three checks, each a
necessary condition for keeping up with the
policy's visits week after week:

1. **hours**: the visit workload (visit minutes and the least travel into each home, at
   the policy's attempt rate) fits the officers' visit hours net of the least return to
   base, times the expected share of days at work;
2. **time windows**: for each set of officer-day shifts that some offenders can *only*
   be visited in (e.g. an offender out at work on weekdays 09:00-17:00 can only be seen
   by an officer on a late or Saturday shift), the work of every offender confined to
   that set fits the hours those shifts give (a Hall-type condition), each shift
   counting no more than its visit hours and no more than the time from the earliest
   possible arrival to the end of the shift;
3. **reach**: every visit can be made at all: an officer on a shift it fits (meeting any
   gender rule) and, for a two-officer visit, two officers who could both be at the
   home at one time, each inside their shift (the lead meeting any gender rule).

The workload bound (``officers``) is checks 1 and 2 on all the work: the fewest officers
that can do the policy's whole workload. It is the smallest total whose split over the
teams in proportion to their sizes (:func:`scheduler.staffing.sweep.team_counts`, as a sweep
spreads them) gives every team its bound; ``officers_any_split`` adds the teams' bounds
up (officers placed where needed). A staffing target is held to
:meth:`LowerBound.for_target`: checks 2 and 3 on the tiers of which it asks 100%, and
check 1 on every team when it asks 100% of all; below that, the offenders a team of its
size cannot visit at all (check 3 per offender) are late whatever the planner, in the
measured weeks past their due date (:class:`Horizon`), and the work the teams' hours
leave undone of the rest must be carried by no more late offenders (and no more of
their work) than the target lets be late, so a short team may be offset elsewhere (a
sweep found met's 95/95 target met with 65 officers, below the 84 that every team's own
hours check asked).

Everything is an expectation per week (absences at their expected rate), computed on the
register at the start (its active offenders, their homes and weekly availability).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from models import Offender, OffenderStatus, Officer, Policy, Register, RiskTier
from models.simulation import EventRates
from scheduler.core.travel import GreatCircleTravel, TravelModel
from scheduler.staffing.reach import (
    NEVER,
    WEEK_DAYS,
    Shifts,
    earliest_arrivals,
    reached,
    shifts_of,
    team_reach,
    weekday_windows,
)
from scheduler.staffing.sweep import (
    MAX_OFFICERS,
    RosterOrder,
    StaffingError,
    roster,
    team_counts,
    team_order,
)
from scheduler.timing.gaps import gap_pmf, mean_gap


@dataclass(frozen=True)
class Horizon:
    """The weeks a sweep measures: from ``start`` (a Monday), ``weeks`` weeks, the first
    ``warmup_weeks`` left out. An offender no officer can visit is late from the week
    after their due date on, so how many measured weeks that is depends on when they
    fall due: a low-risk offender seen last month is not due within a 26-week run."""

    start: date
    warmup_weeks: int
    weeks: int

    def late_share(self, due: date) -> float:
        """Share of the measured weeks whose Sunday is past ``due`` (the last day on
        time): the weeks an offender never visited from the start is late in."""
        measured = range(self.warmup_weeks, self.weeks)
        if not measured:
            return 0.0
        late = sum(self.start + timedelta(days=7 * w + 6) > due for w in measured)
        return late / len(measured)


@dataclass(frozen=True)
class Forced:
    """A servable offender some small team sizes cannot visit at all (no officer on a
    shift the visit fits, no woman for a female-officer visit, no second officer for
    a joint one): at a team size below ``level`` they are late whatever the planner."""

    #: The smallest team size (force total for a cover group) that can visit them.
    level: int
    high: bool
    #: Their work (hours a week), left undone.
    work: float
    #: Share of the measured weeks they are late in when never visited (1 without a
    #: :class:`Horizon`: the long run).
    late: float


@dataclass(frozen=True)
class TeamBound:
    """One team's share of the lower bound (per week)."""

    team: str
    officers_now: int
    active: int
    visits_per_week: float
    attempts_per_week: float
    visit_hours: float
    travel_hours: float
    #: Visit hours net of the least return to base an officer gives a week, averaged
    #: over the team's current officers, times the expected share of days at work.
    hours_per_officer: float
    #: The team's workload bound: the larger of the hours and window checks.
    officers: int
    #: Smallest team size whose hours cover the work (check 1).
    officers_hours: int = 1
    #: ... whose shifts cover the work confined to each set of shifts (check 2).
    officers_windows: int = 1
    #: The window check on the high / very-high work alone.
    windows_high: int = 1
    #: Smallest team size at which every high / very-high visit, and every visit, can
    #: be made at all (check 3: a shift it fits, two officers together if needed).
    reach_high: int = 1
    reach_all: int = 1
    #: Active offenders no officer of the team can ever visit (their work is left out),
    #: and how many of them are high / very high risk.
    unservable: int = 0
    unservable_high: int = 0
    #: The window set that binds hardest, in words.
    window_detail: str = ""
    #: Each unservable offender (pseudonymous id, tier) and why, for the manager to act
    #: on: another shift pattern or an officer from outside the team, not more staff.
    unservable_offenders: tuple[tuple[str, str, str], ...] = ()
    #: Per team of the unit: the hours check's capacity (hours a week) of each officer
    #: in roster order, cycled as the team grows (:meth:`capacity`).
    capacity_parts: tuple[tuple[str, tuple[float, ...]], ...] = ()
    #: Each servable offender's work (hours a week), high / very high and the rest,
    #: largest first: what a target below 100% may leave undone.
    work_high: tuple[float, ...] = field(default=(), repr=False)
    work_other: tuple[float, ...] = field(default=(), repr=False)
    #: The servable offenders the team's first sizes cannot visit at all.
    forced: tuple[Forced, ...] = field(default=(), repr=False)

    def capacity(self, counts: dict[str, int]) -> float:
        """The hours check's capacity (hours a week) with ``counts`` officers per team."""
        out = 0.0
        for team, caps in self.capacity_parts:
            k, cycle = counts[team], len(caps)
            if cycle:
                out += (k // cycle) * sum(caps) + sum(caps[: k % cycle])
        return out

    @property
    def workload_hours(self) -> float:
        return self.visit_hours + self.travel_hours

    def forced_by_level(self) -> list[dict[str, int]]:
        """How many offenders (and how many high / very high) a team smaller than each
        ``level`` cannot visit at all: where one more officer makes visits possible."""
        levels = sorted({f.level for f in self.forced})
        return [
            {
                "level": lv,
                "offenders": sum(f.level == lv for f in self.forced),
                "high_and_very_high": sum(f.level == lv and f.high for f in self.forced),
            }
            for lv in levels
        ]

    @property
    def binding(self) -> str:
        """Which check sets the team's workload bound."""
        if self.officers_windows > self.officers_hours:
            return "windows"
        return "hours" if self.officers_hours > 1 else "one per team"

    def need(self, high_full: bool = False, all_full: bool = False, hours: bool = True) -> int:
        """The team's bound for a target: the hours check (``hours``); when every high /
        very-high offender-week must comply, also the window check on their work and the
        size from which all their visits can be made at all; when every offender-week
        must, the same for every tier. (A target below 100% can leave some evening work
        undone, so the window check on all the work binds only the whole workload.)"""
        out = self.officers_hours if hours else 1
        if high_full:
            out = max(out, self.windows_high, self.reach_high)
        if all_full:
            out = max(out, self.officers_windows, self.reach_all)
        return out


@dataclass(frozen=True)
class LowerBound:
    """Officers the visit workload needs at the very least, with its parts (per week).

    ``officers`` is the smallest total whose split over the teams in proportion to their
    sizes (as a sweep spreads officers) gives every team its workload bound (hours and
    time windows): what a sweep's minimum is held to. ``officers_any_split`` adds up the
    teams' bounds (officers placed wherever they are needed). ``officers_hours`` adds up
    the teams' hours check alone, ``officers_pooled`` is ``ceil(total workload / hours
    per officer)`` as if the register were one team: both for comparison.
    ``reach_high`` / ``reach_all`` are the smallest totals (same split) at which every
    high / very-high visit, every visit, can be made at all: no staffing below them
    keeps all of those visits on time. :meth:`for_target` combines them.
    """

    officers: int
    officers_pooled: int
    visits_per_week: float
    attempts_per_week: float
    visit_hours_per_week: float
    travel_hours_per_week: float
    hours_per_officer_week: float
    teams: tuple[TeamBound, ...] = ()
    officers_any_split: int = 0
    officers_hours: int = 0
    unservable: int = 0
    reach_high: int = 0
    reach_all: int = 0
    unservable_high: int = 0
    #: Teams plan in cover groups: each unit's figures are force totals (at which the
    #: sweep's split gives the unit enough), so the force's bound is their maximum.
    grouped: bool = False
    #: Every team's size today ((team, officers), by name): what the sweep splits by.
    team_sizes: tuple[tuple[str, int], ...] = ()
    #: Offenders on each team's caseloads ((team, offenders), by name; active or not).
    team_offenders: tuple[tuple[str, int], ...] = ()

    @property
    def workload_hours_per_week(self) -> float:
        return self.visit_hours_per_week + self.travel_hours_per_week

    def for_target(
        self,
        high_full: bool = False,
        all_full: bool = False,
        *,
        high_share: float | None = None,
        all_share: float | None = None,
    ) -> int | None:
        """The bound a staffing target is held to, split as a sweep splits officers:
        when the target asks for every high / very-high offender-week (``high_full``),
        or every one (``all_full``), each team's window check on that work and the level
        from which all of those visits can be made at all (:meth:`TeamBound.need`).

        Hours: with the target's shares (``high_share``, ``all_share``: of offender-weeks
        on time) below 100%, the offenders a team of its size at a total cannot visit at
        all (:class:`Forced`) are late first, each for its share of the measured weeks;
        then some offenders' work may go undone, in any team, so no team need cover all
        of its own work. What a team's capacity leaves undone must then
        be carried by its own late offenders, at least as many as it takes of its
        offenders with the most work (only lower-tier ones when every high / very-high
        offender-week must comply), and all teams' late offenders together may be no
        more than the target lets be late (:meth:`late_allowed`), carrying no more work
        than the most such offenders can (:meth:`undone_hours_allowed`). Without shares, or
        when every offender-week must comply, every team's hours must cover its work.
        None when such a target is out of reach at any staffing: some of those
        offenders no officer of their team can ever visit."""
        if (high_full and self.unservable_high) or (all_full and self.unservable):
            return None
        if not self.teams:
            return self.officers
        per_team = all_full or high_share is None or all_share is None
        base = self._split_total(
            {t.team: t.need(high_full, all_full, per_team) for t in self.teams}
        )
        if per_team:
            return base
        high_cap = 1.0 if high_full else float(high_share or 0.0)
        all_cap = float(all_share or 0.0)
        caps = self._late_caps(high_cap, all_cap)
        hours_allowed = self.undone_hours_allowed(high_cap, all_cap)
        if caps is None or hours_allowed is None:
            return None
        high_allowed, allowed = caps
        sizes = dict(self.team_sizes)
        pools = [
            sorted(t.work_other if high_full else (*t.work_high, *t.work_other), reverse=True)
            for t in self.teams
        ]

        def short(total: int) -> bool:
            """Whether the teams at ``total`` leave more offenders late, or more work
            undone, than the target allows: those no officer of a team that size can
            visit at all (late in every measured week past their due date), then what
            the team's hours leave undone of the rest (carried by its offenders with
            the most work)."""
            counts = team_counts(sizes, total)
            late = high_late = hours = 0.0
            for t, pool in zip(self.teams, pools, strict=True):
                level = total if self.grouped else counts[t.team]
                out = [f for f in t.forced if f.level > level]
                rest = list(pool)
                for f in out:
                    late += f.late
                    high_late += f.late if f.high else 0.0
                    hours += f.work * f.late
                    if not (high_full and f.high):
                        rest.remove(f.work)
                undone = t.workload_hours - sum(f.work for f in out) - t.capacity(counts)
                if undone > 1e-9:
                    k = int(np.searchsorted(np.cumsum(rest), undone - 1e-9))
                    late += k + 1 if k < len(rest) else MAX_OFFICERS
                    hours += undone
            return (
                late > allowed + 1e-9
                or high_late > high_allowed + 1e-9
                or hours > hours_allowed + 1e-9
            )

        lo, hi = base, base
        while short(hi):
            lo, hi = hi + 1, min(MAX_OFFICERS, 2 * hi)
            if lo > hi:
                raise StaffingError("no staffing level up to the maximum covers the work")
        while lo < hi:  # fewer are needed as the total grows (nested levels)
            mid = (lo + hi) // 2
            lo, hi = (mid + 1, hi) if short(mid) else (lo, mid)
        return lo

    def caseload_floor(self, cap: int) -> int:
        """The smallest total whose split gives no officer more than ``cap`` offenders:
        every team at least ``ceil(its offenders / cap)``. A sweep re-allocates each
        team's offenders among its own officers, so below this some caseload is over
        the cap whatever the allocation."""
        if cap < 1:
            raise StaffingError(f"caseload cap must be at least 1, got {cap}")
        sizes = dict(self.team_sizes)
        load = dict(self.team_offenders)
        return proportional_total(sizes, {t: math.ceil(load.get(t, 0) / cap) for t in sizes})

    def _split_total(self, need: dict[str, int]) -> int:
        """The smallest total the sweep's split gives every team (unit) its ``need``."""
        if self.grouped:  # each unit's figures are already force totals
            return max(len(self.team_sizes), *need.values())
        return proportional_total({t.team: t.officers_now for t in self.teams}, need)

    def undone_hours_allowed(self, high_share: float, all_share: float) -> float | None:
        """The most work (hours a week) the offenders a target lets be late can carry:
        at most ``1 - high_share`` of the high / very-high and ``1 - all_share`` of all
        offenders (those no officer can visit counted first), the ones with the most
        work. None when the unservable offenders alone break the target."""
        caps = self._late_caps(high_share, all_share)
        if caps is None:
            return None
        h_max, n_max = caps
        high = sorted((w for t in self.teams for w in t.work_high), reverse=True)
        other = sorted((w for t in self.teams for w in t.work_other), reverse=True)
        top_high = np.concatenate([[0.0], np.cumsum(high)])
        top_other = np.concatenate([[0.0], np.cumsum(other)])
        return max(
            float(top_high[j] + top_other[min(n_max - j, len(other))])
            for j in range(min(h_max, n_max, len(high)) + 1)
        )

    def late_allowed(self, high_share: float, all_share: float) -> int | None:
        """How many offenders a target lets be late in a week besides those no officer
        can visit: ``1 - all_share`` of all active offenders. None when the unservable
        offenders alone break the target (more than ``1 - high_share`` of the high /
        very high, or ``1 - all_share`` of all)."""
        caps = self._late_caps(high_share, all_share)
        return None if caps is None else caps[1]

    def _late_caps(self, high_share: float, all_share: float) -> tuple[int, int] | None:
        """(high / very-high, all) offenders a target lets be late besides the
        unservable ones; None when those alone break it."""
        n_high = sum(len(t.work_high) for t in self.teams) + self.unservable_high
        n_all = n_high + sum(len(t.work_other) for t in self.teams)
        n_all += self.unservable - self.unservable_high
        h_max = math.floor((1.0 - high_share) * n_high + 1e-9) - self.unservable_high
        n_max = math.floor((1.0 - all_share) * n_all + 1e-9) - self.unservable
        return None if h_max < 0 or n_max < 0 else (h_max, n_max)

    def unservable_list(self, high_only: bool = False) -> list[str]:
        """One line per offender no officer of their team can ever visit (high and very
        high only, or all): pseudonymous id, tier, team and why."""
        return [
            f"{oid} ({tier}, {t.team}): {why}"
            for t in self.teams
            for oid, tier, why in t.unservable_offenders
            if not high_only or RiskTier(tier).is_high
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable figures (teams included)."""
        r = 3
        return {
            "officers": self.officers,
            "officers_any_split": self.officers_any_split,
            "officers_hours": self.officers_hours,
            "officers_pooled": self.officers_pooled,
            "reach_high": self.reach_high,
            "reach_all": self.reach_all,
            "unservable": self.unservable,
            "unservable_high": self.unservable_high,
            "visits_per_week": round(self.visits_per_week, r),
            "attempts_per_week": round(self.attempts_per_week, r),
            "visit_hours_per_week": round(self.visit_hours_per_week, r),
            "travel_hours_per_week": round(self.travel_hours_per_week, r),
            "workload_hours_per_week": round(self.workload_hours_per_week, r),
            "hours_per_officer_week": round(self.hours_per_officer_week, r),
            "team_offenders": dict(self.team_offenders),
            "teams": [
                {
                    "team": t.team,
                    "officers_now": t.officers_now,
                    "active": t.active,
                    "visits_per_week": round(t.visits_per_week, r),
                    "attempts_per_week": round(t.attempts_per_week, r),
                    "visit_hours": round(t.visit_hours, r),
                    "travel_hours": round(t.travel_hours, r),
                    "hours_per_officer": round(t.hours_per_officer, r),
                    "officers": t.officers,
                    "officers_hours": t.officers_hours,
                    "officers_windows": t.officers_windows,
                    "windows_high": t.windows_high,
                    "reach_high": t.reach_high,
                    "reach_all": t.reach_all,
                    "binding": t.binding,
                    "unservable": t.unservable,
                    "unservable_high": t.unservable_high,
                    "window_detail": t.window_detail,
                    "unservable_offenders": [
                        {"offender_id": i, "tier": tier, "why": why}
                        for i, tier, why in t.unservable_offenders
                    ],
                    "cannot_visit_below": t.forced_by_level(),
                }
                for t in self.teams
            ],
        }


def availability(rates: EventRates) -> float:
    """Expected share of an officer's working days they are at work, exactly as
    :func:`scheduler.staffing.simulate.simulate` draws absences: a whole week of leave with
    probability ``leave_share``, otherwise each day lost to sickness or abstraction with
    probability ``sickness_share + abstraction_share``. (It is a little above
    ``1 - rates.absence_share``, so using it keeps the bound a bound.)"""
    return (1.0 - rates.leave_share) * (1.0 - rates.sickness_share - rates.abstraction_share)


def min_incoming_travel_s(
    home_lat: np.ndarray,
    home_lon: np.ndarray,
    base_lat: np.ndarray,
    base_lon: np.ndarray,
    travel: TravelModel,
) -> np.ndarray:
    """For each home, the least travel time into it from any other home or any base.

    In any route each visited home has exactly one incoming arc, from a base or from
    another home the team visits, so the sum over visits of these minima is a lower
    bound on the routes' travel (returns to base left out)."""
    n = len(home_lat)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    lat = np.concatenate([np.asarray(home_lat, float), np.asarray(base_lat, float)])
    lon = np.concatenate([np.asarray(home_lon, float), np.asarray(base_lon, float)])
    return _min_incoming(travel.matrix_s(lat, lon).astype(np.int64), n)


def _min_incoming(m: np.ndarray, n: int) -> np.ndarray:
    """Column minima over the first ``n`` columns (homes) of a travel matrix whose rows
    are homes then bases, leaving out each home's own row."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if m.shape[0] == 1:
        return np.zeros(n, dtype=np.int64)
    into = m[:, :n].copy()
    into[np.arange(n), np.arange(n)] = NEVER
    return np.asarray(into.min(axis=0), dtype=np.int64)


def _counts(order: Sequence[int], m: int, k: int) -> np.ndarray:
    """How many of ``k`` officers are (clones of) each of the team's ``m`` officers."""
    return np.bincount(np.array(roster(order, k), dtype=np.int64), minlength=m)


@dataclass(frozen=True)
class _Staffing:
    """How a planning unit's officers grow with the staffing level: ``at(k)`` is how many
    of (or clones of) each current officer there are at level ``k``, from ``first``. For
    a team, the level is its size (:func:`roster` over its order); for a cover group,
    the force's total, split over the teams as a sweep splits it (:func:`team_counts`)."""

    at: Any  # Callable[[int], np.ndarray]
    first: int = 1
    #: (team, roster order, offset of its officers in the unit's list) per team.
    parts: tuple[tuple[str, tuple[int, ...], int], ...] = ()


def _team_staffing(team: str, order: Sequence[int], m: int) -> _Staffing:
    return _Staffing(lambda k: _counts(order, m, k), parts=((team, tuple(order), 0),))


def _group_staffing(
    parts: Sequence[tuple[str, Sequence[int], int]], sizes: dict[str, int]
) -> _Staffing:
    """A cover group of teams ``parts`` ((team, roster order, current size), in the
    order their officers are listed), its level the force's total officers."""

    def at(total: int) -> np.ndarray:
        counts = team_counts(sizes, total)
        return np.concatenate([_counts(order, m, counts[t]) for t, order, m in parts])

    offsets = np.cumsum([0, *(m for *_, m in parts)])
    return _Staffing(
        at,
        first=len(sizes),
        parts=tuple(
            (t, tuple(order), int(o)) for (t, order, _), o in zip(parts, offsets, strict=False)
        ),
    )


def _smallest_team(staffing: _Staffing, ok: Any) -> int:
    """The smallest level whose officer counts pass ``ok``."""
    for k in range(staffing.first, MAX_OFFICERS + 1):
        if ok(staffing.at(k)):
            return k
    raise StaffingError("no staffing level up to the maximum can do this unit's visits")


def _window_check(
    feasible: np.ndarray,
    earliest: np.ndarray,
    work_h: np.ndarray,
    into_s: np.ndarray,
    shifts: Shifts,
    at_work: float,
    staffing: _Staffing,
) -> tuple[int, str]:
    """Check 2: the smallest team size whose shifts cover, for each candidate set of
    officer-day shifts, the work of every offender who can only be visited in it.

    The candidate sets are each offender's own set of possible (officer, weekday)
    shifts, the union of all of them that are not every shift of the team, and every
    shift (the hours check with the same caps). A shift counts at
    most its visit hours net of the least return to base, and at most the time from the
    earliest arrival any of those offenders allows on it to the shift's end (less the
    least return), plus one incoming drive (the first visit's, which may start earlier).
    """
    n, m = feasible.shape[0], feasible.shape[1]
    if n == 0:
        return 1, ""
    flat = feasible.reshape(n, -1)
    sets, inverse = np.unique(flat, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    demand = np.bincount(inverse, weights=work_h, minlength=len(sets))
    e_min = np.full((len(sets), m * WEEK_DAYS), NEVER, dtype=np.int64)
    np.minimum.at(e_min, inverse, earliest.reshape(n, -1))
    t_max = np.zeros(len(sets))
    np.maximum.at(t_max, inverse, into_s.astype(float))
    every = shifts.on.reshape(-1)
    restricted = [s for s in sets if not np.array_equal(s, every)]
    candidates = [*sets, every]
    if restricted:
        candidates.append(np.any(restricted, axis=0))
    net_budget = (shifts.budget - shifts.back_min).clip(min=0).astype(float)
    end = np.where(shifts.on, shifts.end, 0).astype(float)
    members = np.bincount(inverse, minlength=len(sets))
    need, worst = 1, (0, 0.0, "")
    for cand in candidates:
        inside = ~(sets & ~cand).any(axis=1)
        work = float(demand[inside].sum())
        if work <= 0:
            continue
        first = e_min[inside].min(axis=0).reshape(m, WEEK_DAYS).astype(float)
        span = end - shifts.back_min[:, None] - first + t_max[inside].max()
        cap_s = np.where(
            cand.reshape(m, WEEK_DAYS), np.minimum(net_budget[:, None], span), 0.0
        ).clip(min=0)
        per_officer_h = at_work * cap_s.sum(axis=1) / 3600

        def enough(c: np.ndarray, per: np.ndarray = per_officer_h, w: float = work) -> bool:
            return float(c @ per) >= w - 1e-9

        k = _smallest_team(staffing, enough)
        need = max(need, k)
        if not np.array_equal(cand, every) and (k, work) > worst[:2]:
            worst = (
                k,
                work,
                f"{int(members[inside].sum())} offenders ({work:.1f} h a week) can only be "
                f"visited on {int(cand.sum())} of the team's {int(shifts.on.sum())} weekly "
                f"officer shifts (team of {k} needed)",
            )
    return need, worst[2]


def _reach_check(lead: np.ndarray, pair: np.ndarray, crew: np.ndarray, staffing: _Staffing) -> int:
    """The smallest team size at which every one of these visits can be made at all
    (:func:`scheduler.staffing.reach.reached`: an officer on some shift the visit fits who meets
    any gender rule, and for a two-officer visit two officers who could be there at one
    time, one of them meeting it). Levels are nested, so once reached they stay
    reached."""
    if lead.shape[0] == 0:
        return 1
    return _smallest_team(staffing, lambda c: bool(reached(c, lead, pair, crew).all()))


def _team_bound(
    team: str,
    officers: list[Officer],
    offenders: list[Offender],
    policy: Policy,
    travel: TravelModel,
    *,
    per_success: float,
    at_work: float,
    rate: Any,
    order: RosterOrder,
    visit_hours: float | None,
    staffing: _Staffing | None = None,
    horizon: Horizon | None = None,
) -> TeamBound:
    m = len(officers)
    act = [i for i, o in enumerate(offenders) if o.status is OffenderStatus.ACTIVE]
    mine = [offenders[i] for i in act]
    n = len(mine)
    r = team_reach(officers, mine, policy, travel, visit_hours)
    # The least drive into each home and back to base: over every home of the team.
    lat = np.array([o.home.lat for o in offenders] + [o.base.lat for o in officers], float)
    lon = np.array([o.home.lon for o in offenders] + [o.base.lon for o in officers], float)
    matrix = travel.matrix_s(lat, lon).astype(np.int64)
    n_all = len(offenders)
    into_all = _min_incoming(matrix, n_all)
    home_to_base = matrix[:n_all, n_all:]
    back_min = (home_to_base.min(axis=0) if n_all else np.zeros(m, dtype=np.int64)).astype(np.int64)
    shifts = shifts_of(officers, visit_hours, back_min)
    if staffing is None:
        staffing = _team_staffing(
            team, team_order(officers, policy, order, offenders, visit_hours, reach=r), m
        )

    service = r.service
    crew = np.where(r.pair, 2, 1)
    visits = np.array(
        [rate(o.tier, policy.interval_for(o.tier, o.interval_days)) for o in mine], float
    )
    attempts = visits * per_success
    into = into_all[act] if n else np.zeros(0, dtype=np.int64)
    earliest, feasible, lead, pair = r.earliest, r.feasible, r.lead, r.pair
    single_ok = np.where(pair[:, None, None], feasible, lead)
    servable = np.where(pair, lead.any(axis=(1, 2)), single_ok.any(axis=(1, 2)))

    work_h = attempts * crew * (service + into) / 3600
    visit_h = float((attempts * crew * service)[servable].sum() / 3600)
    travel_h = float((attempts * crew * into)[servable].sum() / 3600)
    net = (shifts.budget - back_min).clip(min=0) * shifts.on.sum(axis=1)
    hours_per_officer = at_work * float(net.mean()) / 3600 if m else 0.0
    per_officer_h = at_work * net / 3600
    total = float(work_h[servable].sum())

    def hours_ok(c: np.ndarray) -> bool:
        return float(c @ per_officer_h) >= total - 1e-9

    k_hours = _smallest_team(staffing, hours_ok) if total > 0 else staffing.first
    first_arrival = np.where(single_ok, earliest, NEVER)

    def windows(mask: np.ndarray) -> tuple[int, str]:
        return _window_check(
            single_ok[mask],
            first_arrival[mask],
            work_h[mask],
            into[mask],
            shifts,
            at_work,
            staffing,
        )

    k_windows, detail = windows(servable)
    high = np.array([o.tier.is_high for o in mine], dtype=bool)
    crew = r.crew
    reach_all = _reach_check(lead[servable], pair[servable], crew[servable], staffing)
    hv = servable & high
    reach_hv = _reach_check(lead[hv], pair[hv], crew[hv], staffing)
    k_windows_hv, _ = windows(hv)
    levels = _reach_levels(lead, pair, crew, servable, staffing)

    def late_share(o: Offender) -> float:
        if horizon is None:
            return 1.0
        last = o.last_visit or horizon.start
        days = policy.interval_for(o.tier, o.interval_days) + policy.grace_days
        return horizon.late_share(last + timedelta(days=days))

    forced = tuple(
        Forced(int(levels[i]), bool(high[i]), float(work_h[i]), late_share(mine[i]))
        for i in np.flatnonzero(servable & (levels > staffing.first))
    )
    return TeamBound(
        team=team,
        officers_now=m,
        active=n,
        visits_per_week=float(visits.sum()),
        attempts_per_week=float(attempts.sum()),
        visit_hours=visit_h,
        travel_hours=travel_h,
        hours_per_officer=hours_per_officer,
        officers=max(1, k_hours, k_windows),
        officers_hours=k_hours,
        officers_windows=k_windows,
        windows_high=k_windows_hv,
        reach_high=reach_hv,
        reach_all=reach_all,
        unservable=int(n - servable.sum()),
        unservable_high=int((high & ~servable).sum()),
        window_detail=detail,
        unservable_offenders=tuple(
            (mine[i].id, mine[i].tier.value, _why_unservable(mine[i], bool(feasible[i].any())))
            for i in np.flatnonzero(~servable)
        ),
        capacity_parts=tuple(
            (t, tuple(float(per_officer_h[offset + i]) for i in order))
            for t, order, offset in staffing.parts
        ),
        work_high=tuple(sorted(work_h[hv].tolist(), reverse=True)),
        work_other=tuple(sorted(work_h[servable & ~high].tolist(), reverse=True)),
        forced=forced,
    )


def _reach_levels(
    lead: np.ndarray, pair: np.ndarray, crew: np.ndarray, mask: np.ndarray, staffing: _Staffing
) -> np.ndarray:
    """The smallest level at which each offender of ``mask`` can be visited at all
    (:func:`scheduler.staffing.reach.reached`); 0 outside ``mask``. Levels are nested, so an
    offender reached once stays reached."""
    levels = np.zeros(len(mask), dtype=np.int64)
    pending = mask.copy()
    k = staffing.first
    while pending.any():
        if k > MAX_OFFICERS:
            raise StaffingError("no staffing level up to the maximum can make these visits")
        ok = reached(staffing.at(k), lead, pair, crew)
        levels[pending & ok] = k
        pending &= ~ok
        k += 1
    return levels


def _why_unservable(offender: Offender, fits_a_shift: bool) -> str:
    """Why no officer of the team can visit an offender (the bound's servable test)."""
    if not fits_a_shift:
        return "at home only when no officer of the team is on a shift long enough to visit"
    need = offender.officer_gender.value if offender.officer_gender else "suitable"
    return f"needs a {need} officer, and none is on a shift when they are at home"


def proportional_total(sizes: dict[str, int], need: dict[str, int]) -> int:
    """The smallest total whose split in proportion to ``sizes``
    (:func:`scheduler.staffing.sweep.team_counts`) gives every team at least ``need``."""
    start = max(sum(need.values()), len(sizes))
    for total in range(start, MAX_OFFICERS + 1):
        counts = team_counts(sizes, total)
        if all(counts[t] >= need[t] for t in sizes):
            return total
    raise StaffingError("no staffing level up to the maximum gives every team its bound")


def workload_lower_bound(
    register: Register,
    policy: Policy | None = None,
    rates: EventRates | None = None,
    *,
    travel: TravelModel | None = None,
    order: RosterOrder = "reach",
    visit_hours: float | None = None,
    horizon: Horizon | None = None,
) -> LowerBound:
    """The fewest officers that could do the register's visit workload (module
    docstring: three checks per team, teams split as a sweep splits them).

    ``horizon``: the weeks a sweep measures, so a target below 100% counts an offender
    a small team cannot visit at all as late only in the measured weeks past their due
    date (without it: in every week, the long run).

    The work, per week, of every offender active at the start (not reactive, in
    custody, in hospital, abroad or missing):

    * successful visits: ``7 / mean gap`` of the offender's interval under the policy's
      gap distribution (:func:`scheduler.timing.gaps.gap_pmf`, mean ``gap_mean_share x I``);
    * attempts: visits x ``1 / (1 - rates.fail_share)``, the expected attempts per
      success when each attempt fails (no answer, refused, cancelled) independently
      with probability ``fail_share``;
    * officer time per attempt: ``visit_minutes`` of the tier plus the least travel into
      the home from any other home of the team or any of its officers' bases
      (:func:`min_incoming_travel_s`), twice for a two-officer visit (both officers go).

    An officer-day gives its visit hours (``visit_hours`` overrides every officer's, as
    :func:`scheduler.staffing.sweep.restaff` does) less the least drive from any of the team's
    homes back to the base (every route ends there), on each shift, times the expected
    share of days at work (:func:`availability`). A visit is possible on an officer's
    shift when an arrival fits the offender's weekly availability and the policy's slots,
    after the drive from the base, with the visit and the drive back inside the shift and
    the visit hours (:func:`earliest_arrivals`), and the officer meets any gender rule
    (the lead of a two-officer visit). Offenders no officer of their team can ever visit
    are counted (``unservable``) and their work left out: no staffing helps them.

    What the bound leaves out, each of which only adds work or removes capacity in the
    simulation: which homes are visited in the same week and by the same officer on the
    same day (the least incoming drive is taken over every home of the team, so travel
    is far below the simulated routes'), the random timing of absences (a week in which
    the only late-shift officer is on leave), the drawn visit days and options and the
    re-attempt's other weekday and time, two-officer bookings at one common time, the
    starting backlog, the short-notice revisits, visits that find the offender away or
    gone, and the register's growth (new registrations outnumber deregistrations with
    the default rates). The window check tests only the shift sets that occur (each
    offender's own, and the union of all that are not every shift), not every union.
    What it assumes: the policy's visit rate is kept (every drawn visit made), successes
    come at the drawn dates (the delay a failed attempt adds before the next success is
    not counted as fewer visits), the register's active offenders, homes and weekly
    availability stay as at the start, and the officers of a team of any size are
    :func:`scheduler.staffing.sweep.roster`'s cycle of its current officers (``order``).
    """
    policy = policy or Policy()
    rates = rates or EventRates()
    travel = travel or GreatCircleTravel(policy.speed_kmh, policy.circuity)
    per_success = 1.0 / (1.0 - rates.fail_share)
    at_work = availability(rates)
    cache: dict[tuple[RiskTier, int], float] = {}

    def rate(tier: RiskTier, interval: int) -> float:
        if (tier, interval) not in cache:
            pmf = gap_pmf(policy.gap_shape, interval, policy.gap_mean_share[tier])
            cache[(tier, interval)] = WEEK_DAYS / mean_gap(pmf)
        return cache[(tier, interval)]

    team_of = {o.id: o.planning_unit for o in register.officers}
    staff: dict[str, list[Officer]] = defaultdict(list)
    for o in register.officers:
        staff[o.planning_unit].append(o)
    caseload: dict[str, list[Offender]] = defaultdict(list)
    for off in register.offenders:
        caseload[team_of[off.manager_id]].append(off)
    sizes = Counter(o.team for o in register.officers)
    off_team = {o.id: o.team for o in register.officers}
    loads = Counter(off_team[o.manager_id] for o in register.offenders)
    grouped = any(o.cover_group for o in register.officers)
    for unit_officers in staff.values():
        unit_officers.sort(key=lambda o: o.team)  # stable: each team's own order kept
    teams = [
        _team_bound(
            unit,
            staff[unit],
            caseload.get(unit, []),
            policy,
            travel,
            per_success=per_success,
            at_work=at_work,
            rate=rate,
            order=order,
            visit_hours=visit_hours,
            horizon=horizon,
            staffing=(
                _unit_staffing(
                    staff[unit], caseload.get(unit, []), sizes, policy, order, visit_hours
                )
                if grouped
                else None
            ),
        )
        for unit in sorted(staff)
    ]
    weights = [t.officers_now for t in teams]
    all_hours = float(np.average([t.hours_per_officer for t in teams], weights=weights))
    work = sum(t.workload_hours for t in teams)
    pooled = max(1, math.ceil(work / all_hours - 1e-9)) if all_hours > 0 else 1
    if grouped:  # each unit's figures are already force totals (the sweep's split)
        officers = max(len(sizes), *(t.officers for t in teams))
        split = {
            "officers_any_split": officers,
            "officers_hours": max(t.officers_hours for t in teams),
            "reach_high": max(t.reach_high for t in teams),
            "reach_all": max(t.reach_all for t in teams),
        }
    else:
        unit_sizes = {t.team: t.officers_now for t in teams}
        officers = proportional_total(unit_sizes, {t.team: t.officers for t in teams})
        split = {
            "officers_any_split": sum(t.officers for t in teams),
            "officers_hours": sum(t.officers_hours for t in teams),
            "reach_high": proportional_total(unit_sizes, {t.team: t.reach_high for t in teams}),
            "reach_all": proportional_total(unit_sizes, {t.team: t.reach_all for t in teams}),
        }
    return LowerBound(
        officers=officers,
        officers_pooled=pooled,
        visits_per_week=sum(t.visits_per_week for t in teams),
        attempts_per_week=sum(t.attempts_per_week for t in teams),
        visit_hours_per_week=sum(t.visit_hours for t in teams),
        travel_hours_per_week=sum(t.travel_hours for t in teams),
        hours_per_officer_week=all_hours,
        teams=tuple(teams),
        unservable=sum(t.unservable for t in teams),
        unservable_high=sum(t.unservable_high for t in teams),
        grouped=grouped,
        team_sizes=tuple(sorted(sizes.items())),
        team_offenders=tuple(sorted(loads.items())),
        **split,
    )


def _unit_staffing(
    officers: list[Officer],
    offenders: list[Offender],
    sizes: dict[str, int],
    policy: Policy,
    order: RosterOrder,
    visit_hours: float | None,
) -> _Staffing:
    """A planning unit's officers at each force total: each of its teams' roster, the
    teams sized as a sweep sizes them (the unit's officers are listed team by team)."""
    by_team: dict[str, list[Officer]] = defaultdict(list)
    for o in officers:
        by_team[o.team].append(o)
    team_of = {o.id: o.team for o in officers}
    caseload: dict[str, list[Offender]] = defaultdict(list)
    for off in offenders:
        caseload[team_of[off.manager_id]].append(off)
    if [o.id for o in officers] != [o.id for t in by_team for o in by_team[t]]:
        raise StaffingError("a planning unit's officers must be listed team by team")
    parts = [
        (t, team_order(by_team[t], policy, order, caseload[t], visit_hours), len(by_team[t]))
        for t in by_team
    ]
    return _group_staffing(parts, dict(sizes))


__all__ = [
    "Forced",
    "Horizon",
    "LowerBound",
    "TeamBound",
    "availability",
    "earliest_arrivals",
    "min_incoming_travel_s",
    "proportional_total",
    "weekday_windows",
    "workload_lower_bound",
]
