"""One team's share of the workload lower bound: the three checks (hours, time windows,
reach) over the team's officers at each size, as :func:`scheduler.staffing.restaff.roster`
takes them (the checks: ``docs/design/staffing.md``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np

from models import Offender, OffenderStatus, Officer, Policy
from models.simulation import EventRates
from scheduler.core.travel import TravelModel
from scheduler.staffing.lower_bound import Forced, Horizon, TeamBound
from scheduler.staffing.reach import (
    NEVER,
    WEEK_DAYS,
    Reach,
    Shifts,
    homes_and_bases_s,
    reached,
    shifts_of,
    team_reach,
)
from scheduler.staffing.restaff import (
    MAX_OFFICERS,
    RosterOrder,
    StaffingError,
    roster,
    team_counts,
    team_order,
)


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


def team_bound(
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
    """One team's (planning unit's) :class:`TeamBound`: its active offenders' work and
    the three checks over its officers at each level of ``staffing`` (default: the
    team's own sizes, officers in ``order``)."""
    m = len(officers)
    act = [i for i, o in enumerate(offenders) if o.status is OffenderStatus.ACTIVE]
    mine = [offenders[i] for i in act]
    n = len(mine)
    r = team_reach(officers, mine, policy, travel, visit_hours)
    into_all, back_min = _travel_floor(offenders, officers, travel)
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
    single_ok = np.where(r.pair[:, None, None], r.feasible, r.lead)
    servable = np.where(r.pair, r.lead.any(axis=(1, 2)), single_ok.any(axis=(1, 2)))

    work_h = attempts * crew * (service + into) / 3600
    visit_h = float((attempts * crew * service)[servable].sum() / 3600)
    travel_h = float((attempts * crew * into)[servable].sum() / 3600)
    net = (shifts.budget - back_min).clip(min=0) * shifts.on.sum(axis=1)
    hours_per_officer = at_work * float(net.mean()) / 3600 if m else 0.0
    per_officer_h = at_work * net / 3600
    k_hours = _hours_check(per_officer_h, float(work_h[servable].sum()), staffing)
    high = np.array([o.tier.is_high for o in mine], dtype=bool)
    hv = servable & high
    checks = _WindowsAndReach(r, single_ok, work_h, into, shifts, at_work, staffing)
    k_windows, detail = checks.windows(servable)
    reach_all = checks.reach(servable)
    reach_hv = checks.reach(hv)
    k_windows_hv, _ = checks.windows(hv)
    levels = _reach_levels(r.lead, r.pair, r.crew, servable, staffing)
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
        unservable_offenders=_unservable_offenders(mine, servable, r),
        capacity_parts=_capacity_parts(staffing, per_officer_h),
        work_high=tuple(sorted(work_h[hv].tolist(), reverse=True)),
        work_other=tuple(sorted(work_h[servable & ~high].tolist(), reverse=True)),
        forced=_forced(mine, levels, high, work_h, servable, staffing.first, policy, horizon),
    )


def _unservable_offenders(
    mine: list[Offender], servable: np.ndarray, r: Reach
) -> tuple[tuple[str, str, str], ...]:
    """(id, tier, why) of each active offender no officer of the team can visit."""
    return tuple(
        (mine[i].id, mine[i].tier.value, _why_unservable(mine[i], bool(r.feasible[i].any())))
        for i in np.flatnonzero(~servable)
    )


def _capacity_parts(
    staffing: _Staffing, per_officer_h: np.ndarray
) -> tuple[tuple[str, tuple[float, ...]], ...]:
    """Per team of the unit, each officer's hours in roster order (``TeamBound.capacity``)."""
    return tuple(
        (t, tuple(float(per_officer_h[offset + i]) for i in order))
        for t, order, offset in staffing.parts
    )


def _travel_floor(
    offenders: Sequence[Offender], officers: Sequence[Officer], travel: TravelModel
) -> tuple[np.ndarray, np.ndarray]:
    """The least drive into each home (from any other home of the team or any base) and
    the least drive back to each officer's base (from any of the team's homes)."""
    matrix = homes_and_bases_s(offenders, officers, travel)
    n_all, m = len(offenders), len(officers)
    into_all = _min_incoming(matrix, n_all)
    home_to_base = matrix[:n_all, n_all:]
    back_min = (home_to_base.min(axis=0) if n_all else np.zeros(m, dtype=np.int64)).astype(np.int64)
    return into_all, back_min


def _hours_check(per_officer_h: np.ndarray, total: float, staffing: _Staffing) -> int:
    """Check 1: the smallest level whose officers' hours cover the ``total`` work."""

    def hours_ok(c: np.ndarray) -> bool:
        return float(c @ per_officer_h) >= total - 1e-9

    return _smallest_team(staffing, hours_ok) if total > 0 else staffing.first


@dataclass(frozen=True)
class _WindowsAndReach:
    """Checks 2 and 3 on any subset (a mask) of a team's active offenders."""

    r: Reach
    single_ok: np.ndarray
    work_h: np.ndarray
    into: np.ndarray
    shifts: Shifts
    at_work: float
    staffing: _Staffing

    def windows(self, mask: np.ndarray) -> tuple[int, str]:
        first_arrival = np.where(self.single_ok, self.r.earliest, NEVER)
        return _window_check(
            self.single_ok[mask],
            first_arrival[mask],
            self.work_h[mask],
            self.into[mask],
            self.shifts,
            self.at_work,
            self.staffing,
        )

    def reach(self, mask: np.ndarray) -> int:
        r = self.r
        return _reach_check(r.lead[mask], r.pair[mask], r.crew[mask], self.staffing)


def _forced(
    mine: list[Offender],
    levels: np.ndarray,
    high: np.ndarray,
    work_h: np.ndarray,
    servable: np.ndarray,
    first: int,
    policy: Policy,
    horizon: Horizon | None,
) -> tuple[Forced, ...]:
    """The servable offenders the team's first sizes (below ``levels``) cannot visit."""

    def late_share(o: Offender) -> float:
        if horizon is None:
            return 1.0
        last = o.last_visit or horizon.start
        days = policy.interval_for(o.tier, o.interval_days) + policy.grace_days
        return horizon.late_share(last + timedelta(days=days))

    return tuple(
        Forced(int(levels[i]), bool(high[i]), float(work_h[i]), late_share(mine[i]))
        for i in np.flatnonzero(servable & (levels > first))
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


def unit_staffing(
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


__all__ = ["availability", "min_incoming_travel_s", "team_bound", "unit_staffing"]
