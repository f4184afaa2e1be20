"""The workload lower bound's figures: per team (:class:`TeamBound`) and for the register
(:class:`LowerBound`), and the bound a staffing target is held to
(:meth:`LowerBound.for_target`). :func:`scheduler.staffing.bound.workload_lower_bound`
computes them."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from models import RiskTier
from scheduler.staffing.restaff import MAX_OFFICERS, StaffingError, proportional_total, team_counts


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

        With the target's shares below 100% (``high_share``, ``all_share``), the teams'
        hours need not each cover their own work: the smallest total at which the
        offenders late (those a team that size cannot visit, then those carrying the
        work its hours leave undone) are no more, and carry no more work, than the
        target allows (:func:`_leaves_too_much`; ``docs/design/staffing.md``). Without
        shares, or when every offender-week must comply, every team's hours must cover
        its work. None when the target is out of reach at any staffing."""
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
        pools = [
            sorted(t.work_other if high_full else (*t.work_high, *t.work_other), reverse=True)
            for t in self.teams
        ]

        def short(total: int) -> bool:
            return _leaves_too_much(
                self, total, pools, high_full, (allowed, high_allowed, hours_allowed)
            )

        return _smallest_passing(base, short)

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


def _leaves_too_much(
    bound: LowerBound,
    total: int,
    pools: list[list[float]],
    high_full: bool,
    allowed: tuple[float, float, float],
) -> bool:
    """Whether the teams at ``total`` leave more offenders late (all, high / very high)
    or more work undone than ``allowed``: those no officer of a team that size can
    visit at all (late in every measured week past their due date), then what the
    team's hours leave undone of the rest (carried by its offenders with the most
    work, from ``pools``)."""
    late_allowed, high_allowed, hours_allowed = allowed
    counts = team_counts(dict(bound.team_sizes), total)
    late = high_late = hours = 0.0
    for t, pool in zip(bound.teams, pools, strict=True):
        level = total if bound.grouped else counts[t.team]
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
        late > late_allowed + 1e-9
        or high_late > high_allowed + 1e-9
        or hours > hours_allowed + 1e-9
    )


def _smallest_passing(base: int, short: Callable[[int], bool]) -> int:
    """The smallest total from ``base`` that is not ``short``: doubling, then
    bisection (fewer are short as the total grows: nested levels)."""
    lo, hi = base, base
    while short(hi):
        lo, hi = hi + 1, min(MAX_OFFICERS, 2 * hi)
        if lo > hi:
            raise StaffingError("no staffing level up to the maximum covers the work")
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (mid + 1, hi) if short(mid) else (lo, mid)
    return lo


__all__ = ["Forced", "Horizon", "LowerBound", "TeamBound"]
