"""Who can visit whom at all: for each offender, officer and weekday, whether the officer
could make the visit on that day's shift (the offender's weekly availability, the
policy's slots, the drive from and back to the base, the shift and its visit hours),
and the order in which a team's officers cover the most offenders.

The workload bound (:mod:`scheduler.staffing.bound`) uses it to test which visits a
team of a given size can reach, and restaffing
(:func:`scheduler.staffing.restaff.restaff`) uses :func:`reach_order` to take first the
officers whose shifts reach offenders that no officer taken so far can visit (an
evening-only offender needs a late shift, a joint visit two officers who can be there at
one time).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from models import Gender, Offender, OffenderStatus, Officer, Policy
from models.offender import WeeklyWindow
from scheduler.core.travel import GreatCircleTravel, TravelModel
from scheduler.core.windows import Intervals, slot_windows, subtract

WEEK_DAYS = 7
#: A Monday: the date the weekday-only window computations are made on (slots and
#: weekly availability depend on the weekday alone).
_REF_MONDAY = date(2024, 1, 1)
#: "Never": no arrival possible.
NEVER = np.iinfo(np.int64).max


def weekday_windows(
    weekly: tuple[WeeklyWindow, ...], policy: Policy, weekday: int, service_s: int
) -> Intervals:
    """Arrival times (seconds of day) on ``weekday`` within the policy's slots at which a
    visit of ``service_s`` avoids the weekly unavailability: what
    :func:`scheduler.core.windows.offender_windows` gives on that weekday, without date
    ranges (custody, hospital: those offenders are not active)."""
    day = _REF_MONDAY + timedelta(days=weekday)
    blocked = [
        (max(0, w.window.start_s - service_s + 1), w.window.end_s)
        for w in weekly
        if weekday in w.days
    ]
    return subtract(slot_windows(policy, day), blocked)


@dataclass(frozen=True)
class Shifts:
    """A team's officers as arrays: shift start/end per (officer, weekday), -1 without a
    shift; visit hours and the least return to base, in seconds."""

    start: np.ndarray  # (m, 7)
    end: np.ndarray  # (m, 7)
    budget: np.ndarray  # (m,)
    back_min: np.ndarray  # (m,)
    female: np.ndarray  # (m,) bool
    male: np.ndarray  # (m,) bool

    @property
    def on(self) -> np.ndarray:
        return self.start >= 0


def shifts_of(
    officers: Sequence[Officer], visit_hours: float | None, back_min: np.ndarray
) -> Shifts:
    m = len(officers)
    start = np.full((m, WEEK_DAYS), -1, dtype=np.int64)
    end = np.full((m, WEEK_DAYS), -1, dtype=np.int64)
    hours = np.array([o.visit_hours if visit_hours is None else visit_hours for o in officers])
    for j, o in enumerate(officers):
        if hours[j] <= 0:
            continue
        for sh in o.shifts:
            start[j, int(sh.day)] = sh.window.start_s
            end[j, int(sh.day)] = sh.window.end_s
    return Shifts(
        start,
        end,
        np.rint(hours * 3600).astype(np.int64),
        back_min,
        np.array([o.gender is Gender.FEMALE for o in officers]),
        np.array([o.gender is Gender.MALE for o in officers]),
    )


def _arrival_ranges(
    offenders: Sequence[Offender],
    service_s: np.ndarray,
    go_s: np.ndarray,
    back_s: np.ndarray,
    shifts: Shifts,
    policy: Policy,
    rows: Iterable[int],
) -> Iterator[tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray]]:
    """For the offenders of ``rows``, per weekday and per window of theirs: (offenders,
    weekday, officers on shift, earliest and latest arrival (seconds of day, (officers,
    offenders)), empty where lo > hi). An arrival must be inside the window, no earlier
    than the shift start plus the drive from the base, and leave the visit and the
    drive back inside the shift and all three inside the visit hours. Offenders alike
    in weekly availability and visit length are computed together."""
    groups: dict[tuple[tuple[WeeklyWindow, ...], int], list[int]] = defaultdict(list)
    for i in rows:
        groups[(offenders[i].unavailable.weekly, int(service_s[i]))].append(i)
    for (weekly, service), members in groups.items():
        idx = np.array(members)
        for d in range(WEEK_DAYS):
            on = np.flatnonzero(shifts.on[:, d])
            wins = weekday_windows(weekly, policy, d, service)
            if not wins or not len(on):
                continue
            go, back = go_s[on][:, idx], back_s[on][:, idx]
            start, end = shifts.start[on, d][:, None], shifts.end[on, d][:, None]
            fits = service + go + back <= shifts.budget[on][:, None]
            last = end - service - back  # latest arrival that gets back in time
            for a, b in wins:  # arrivals in [a, b)
                lo = np.maximum(a, start + go)
                hi = np.where(fits, np.minimum(b - 1, last), lo - 1)
                yield idx, d, on, lo, hi


def earliest_arrivals(
    offenders: Sequence[Offender],
    service_s: np.ndarray,
    go_s: np.ndarray,
    back_s: np.ndarray,
    shifts: Shifts,
    policy: Policy,
) -> np.ndarray:
    """(n, m, 7) earliest arrival (seconds of day) at which officer ``j`` on weekday
    ``d`` could make offender ``i``'s visit, :data:`NEVER` where they cannot.

    A visit needs an arrival inside the offender's weekly windows
    (:func:`weekday_windows`), no earlier than the shift start plus the drive from the
    base (``go_s``, (m, n)), leaving the visit and the drive back (``back_s``) inside
    the shift, and the three inside the officer's visit hours. Officer gender is not
    applied here."""
    n, m = len(offenders), shifts.start.shape[0]
    out = np.full((n, m, WEEK_DAYS), NEVER, dtype=np.int64)
    ranges = _arrival_ranges(offenders, service_s, go_s, back_s, shifts, policy, range(n))
    for idx, d, on, lo, hi in ranges:
        day = out[:, :, d]  # a view
        cell = np.ix_(idx, on)
        day[cell] = np.where((lo <= hi).T, np.minimum(day[cell], lo.T), day[cell])
    return out


def crew_arrivals(
    offenders: Sequence[Offender],
    service_s: np.ndarray,
    go_s: np.ndarray,
    back_s: np.ndarray,
    shifts: Shifts,
    policy: Policy,
    rows: np.ndarray,
) -> np.ndarray:
    """(n, m, m) whether officers ``j`` and ``k`` could be at offender ``i``'s home
    together for the visit on one weekday: a common arrival time that each could make
    (:func:`earliest_arrivals`' conditions for both). Filled for the offenders of
    ``rows`` (two-officer visits), False elsewhere; ``[i, j, j]`` is officer ``j`` alone
    (their clone on the same shift goes with them).

    Both on duty that weekday is not enough: a day officer off at 17:00 and a late
    officer on from 15:00 can share only a visit that fits between 15:00 and 17:00."""
    n, m = len(offenders), shifts.start.shape[0]
    out = np.zeros((n, m, m), dtype=bool)
    rows_idx = [int(i) for i in np.flatnonzero(rows)]
    ranges = _arrival_ranges(offenders, service_s, go_s, back_s, shifts, policy, rows_idx)
    for idx, _, on, lo, hi in ranges:
        start = np.maximum(lo[:, None], lo[None, :])  # (on, on, members)
        both = start <= np.minimum(hi[:, None], hi[None, :])
        out[np.ix_(idx, on, on)] |= both.transpose(2, 0, 1)
    return out


@dataclass(frozen=True)
class Reach:
    """A team's offenders against its officers, as arrays (n offenders, m officers)."""

    matrix: np.ndarray  # (n + m, n + m) travel seconds, homes then bases
    shifts: Shifts
    service: np.ndarray  # (n,) visit seconds
    earliest: np.ndarray  # (n, m, 7) earliest arrival, NEVER where impossible
    gender_ok: np.ndarray  # (n, m) the officer meets the offender's gender rule
    pair: np.ndarray  # (n,) two-officer visit
    #: (n, m, m) for a two-officer visit: the two officers could make it together
    #: (:func:`crew_arrivals`), one of them meeting any gender rule.
    crew: np.ndarray

    @property
    def feasible(self) -> np.ndarray:
        return self.earliest < NEVER

    @property
    def lead(self) -> np.ndarray:
        """(n, m, 7) the officer could make (or lead) the visit on that weekday."""
        return self.feasible & self.gender_ok[:, :, None]


def homes_and_bases_s(
    offenders: Sequence[Offender], officers: Sequence[Officer], travel: TravelModel
) -> np.ndarray:
    """Travel seconds between every pair of the offenders' homes and the officers' bases
    (rows and columns: homes, then bases)."""
    lat = np.array([o.home.lat for o in offenders] + [o.base.lat for o in officers], float)
    lon = np.array([o.home.lon for o in offenders] + [o.base.lon for o in officers], float)
    return travel.matrix_s(lat, lon).astype(np.int64)


def team_reach(
    officers: Sequence[Officer],
    offenders: Sequence[Offender],
    policy: Policy,
    travel: TravelModel,
    visit_hours: float | None = None,
) -> Reach:
    """:class:`Reach` of ``offenders`` (all of them, whatever their status) by
    ``officers`` (``visit_hours`` overrides every officer's)."""
    n, m = len(offenders), len(officers)
    matrix = homes_and_bases_s(offenders, officers, travel)
    home_to_base = matrix[:n, n:]
    back_min = (home_to_base.min(axis=0) if n else np.zeros(m, dtype=np.int64)).astype(np.int64)
    shifts = shifts_of(officers, visit_hours, back_min)
    service = np.array([policy.visit_minutes[o.tier] * 60 for o in offenders], dtype=np.int64)
    earliest = earliest_arrivals(offenders, service, matrix[n:, :n], home_to_base.T, shifts, policy)
    gender_ok = np.ones((n, m), dtype=bool)
    for i, o in enumerate(offenders):
        if o.officer_gender is not None:
            gender_ok[i] = shifts.female if o.officer_gender is Gender.FEMALE else shifts.male
    pair = np.array([o.two_officers for o in offenders], dtype=bool)
    together = crew_arrivals(
        offenders, service, matrix[n:, :n], home_to_base.T, shifts, policy, pair
    )
    crew = together & (gender_ok[:, :, None] | gender_ok[:, None, :])
    return Reach(matrix, shifts, service, earliest, gender_ok, pair, crew)


def reach_order(
    officers: Sequence[Officer],
    offenders: Sequence[Offender],
    policy: Policy,
    then: Sequence[int],
    *,
    travel: TravelModel | None = None,
    visit_hours: float | None = None,
    reach: Reach | None = None,
) -> list[int]:
    """The team's officers (indices) with, first, those that let the team reach active
    offenders no officer before them can visit, then the rest in the order ``then``.

    Greedy: each next officer is the one that makes the most not-yet-reachable
    offenders reachable (high and very high count ten times), a two-officer visit
    counting half for an officer who could make it without a partner on that day yet;
    ties go to officers not yet taken, then to ``then``. An officer may be taken twice
    (the second a clone: a second late shift on the same day for an evening joint
    visit). A team cut to ``k`` officers then keeps the late, weekend and female shifts
    its offenders need, as a manager sizing the team would, instead of losing them in
    proportion. Reachable means what the workload bound's reach check
    means (:mod:`scheduler.staffing.bound`): a shift the visit fits, the lead meeting any
    gender rule, two officers who could be there at one time for a joint visit. ``reach``: the
    team's :func:`team_reach` over its active offenders, if already computed."""
    active = [o for o in offenders if o.status is OffenderStatus.ACTIVE]
    if not officers or not active:
        return list(then)
    if reach is None:
        travel = travel or GreatCircleTravel(policy.speed_kmh, policy.circuity)
        reach = team_reach(officers, active, policy, travel, visit_hours)
    r = reach
    feasible, lead = r.feasible, r.lead
    weight = np.array([10.0 if o.tier.is_high else 1.0 for o in active])
    rank = {j: p for p, j in enumerate(then)}
    chosen = np.zeros(len(officers), dtype=np.int64)
    order: list[int] = []
    while True:
        done = reached(chosen, lead, r.pair, r.crew)
        gain = np.zeros(len(officers))
        for j in range(len(officers)):
            trial = chosen.copy()
            trial[j] += 1
            now = reached(trial, lead, r.pair, r.crew) & ~done
            half = r.pair & ~done & ~now & feasible[:, j].any(axis=1)
            gain[j] = weight[now].sum() + 0.5 * weight[half].sum()
        if gain.max() <= 0:
            break
        tied = np.flatnonzero(gain == gain.max())
        best = int(min(tied, key=lambda j: (chosen[j] > 0, rank[int(j)])))
        order.append(best)
        chosen[best] += 1
    return order + [j for j in then if chosen[j] == 0]


def reached(chosen: np.ndarray, lead: np.ndarray, pair: np.ndarray, crew: np.ndarray) -> np.ndarray:
    """(n,) which offenders the officers counted in ``chosen`` ((m,) how many of, or
    clones of, each officer) can visit at all: one officer on a shift the visit fits
    who meets any gender rule, or for a joint visit two officers who could be there
    together (``crew``, :attr:`Reach.crew`), an officer and their clone included."""
    single = (np.einsum("j,ijd->id", chosen, lead.astype(np.int64)) >= 1).any(axis=1)
    present = chosen >= 1
    two = present[:, None] & present[None, :]
    np.fill_diagonal(two, chosen >= 2)
    joint = (crew & two).any(axis=(1, 2))
    return np.where(pair, joint, single)


__all__ = [
    "NEVER",
    "Reach",
    "Shifts",
    "crew_arrivals",
    "earliest_arrivals",
    "homes_and_bases_s",
    "reach_order",
    "reached",
    "shifts_of",
    "team_reach",
    "weekday_windows",
]
