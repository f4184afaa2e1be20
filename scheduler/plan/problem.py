"""The one conversion point from domain models to solver arrays.

A :class:`TeamProblem` holds one team's week as numpy arrays and plain lists: nodes
``0..K-1`` are the officers' bases, the rest are visit nodes; vehicles are officer-days
("day copies"), so one routing model chooses the day, the officer, the time and the order.
Two-officer visits are booked first (officers, day and time fixed) and enter the routing
model as one node per officer, each pinned to the booked time.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from models import Offender, Officer, Policy, Unscheduled, UnscheduledReason, Weekday
from scheduler.core.travel import TravelModel
from scheduler.core.windows import (
    DAY_S,
    Intervals,
    intersect,
    merge,
    offender_windows,
    officer_window,
    shift_to_week,
    subtract,
    week_dates,
)
from scheduler.plan.due import DueVisit

#: Cost (in travel-seconds) of leaving out a visit of urgency 1, i.e. 10 days of
#: lateness. Large against any travel, so every visit that fits is made.
DROP_PENALTY_S = 864_000
#: Lateness past the due day costs the drop penalty / 10 per day.
LATE_COST_PER_S = DROP_PENALTY_S // 10 // DAY_S  # = 1 per second for urgency 1
PAIR_STEP_S = 900  # two-officer bookings start on the quarter hour


@dataclass
class TeamProblem:
    """One team's week, in solver units (seconds, integer costs)."""

    team: str
    officer_ids: list[str]
    travel_s: np.ndarray  # (K+N, K+N) int64
    service_s: np.ndarray  # (K+N,) int64, zero at bases
    visit_of_node: np.ndarray  # (N,) index into ``visits``
    penalty: np.ndarray  # (N,) int64 drop cost
    deadline_s: np.ndarray  # (N,) soft latest arrival (week seconds)
    late_cost: np.ndarray  # (N,) cost per second past the deadline
    manager: np.ndarray  # (N,) local officer index of the offender's manager
    charge_cover: np.ndarray  # (N,) bool: cover penalty applies to this node
    pair_of_node: np.ndarray  # (N,) pair id, -1 for single visits
    windows: list[Intervals]  # (N,) allowed arrival intervals (week seconds)
    vehicles: list[list[int]]  # (N,) allowed vehicle indices
    veh_officer: np.ndarray  # (V,)
    veh_day: np.ndarray  # (V,)
    veh_start_s: np.ndarray  # (V,)
    veh_end_s: np.ndarray  # (V,)
    veh_budget_s: np.ndarray  # (V,)
    cover_penalty_s: int
    visits: list[DueVisit] = field(default_factory=list)
    #: Every feasible arrival window and vehicle, before the random draw of day-slots;
    #: restored for visits the sampled options could not fit.
    full_windows: list[Intervals] = field(default_factory=list)
    full_vehicles: list[list[int]] = field(default_factory=list)
    #: Optional load model, unused by the weekly planner (literature benchmarks use it):
    #: demand per node (K+N,), zero at the bases, and capacity per vehicle (V,). The
    #: routing model gets a load dimension only when both are given.
    demand: np.ndarray | None = None
    veh_capacity: np.ndarray | None = None
    #: Length of the time model in seconds; ``None`` is one week. A problem whose clock
    #: runs longer (e.g. literature time units scaled to whole minutes) raises it.
    horizon_s: int | None = None
    #: (N,) for a short-notice revisit node, the node of the offender's first visit this
    #: week (-1 otherwise): a revisit is only made after its first visit.
    parent_node: np.ndarray | None = None
    #: Per two-officer visit (pair id), the other bookings it could have had: (lead's
    #: vehicle, partner's vehicle, start times in week seconds), for a re-booking when
    #: the routing could not fit the drawn one; and the generator that draws it.
    pair_alternatives: dict[int, list[tuple[int, int, list[int]]]] = field(default_factory=dict)
    pair_rng: np.random.Generator | None = None
    #: Per two-officer visit, the crew-days and times outside its drawn day-slots
    #: (every time both officers are on duty while the offender is at home): where a
    #: re-booking looks when none of its alternatives fits, as a single visit that did
    #: not fit its drawn options gets them all back.
    pair_fallbacks: dict[int, list[tuple[int, int, list[int]]]] = field(default_factory=dict)

    @property
    def n_officers(self) -> int:
        return len(self.officer_ids)

    @property
    def n_nodes(self) -> int:
        return len(self.service_s)


@dataclass
class _Candidate:
    """Where one due visit could go: per (local officer, day) the arrival intervals."""

    due: DueVisit
    offender: Offender
    service_s: int
    by_officer_day: dict[tuple[int, int], Intervals]
    any_window: bool  # the offender is available in some slot this week
    #: A two-officer visit's windows before they were cut to its drawn options: where
    #: the booking falls back to when no crew fits the drawn ones.
    undrawn: dict[tuple[int, int], Intervals] | None = None


def build_team_problem(
    team: str,
    officers: list[Officer],
    due: list[DueVisit],
    offenders: tuple[Offender, ...] | list[Offender],
    policy: Policy,
    week_start: date,
    travel: TravelModel,
    rng: np.random.Generator,
) -> tuple[TeamProblem, list[Unscheduled]]:
    """Arrays for one team, and the visits that cannot be placed at all (with reasons)."""
    days = week_dates(week_start)
    officer_index = {o.id: k for k, o in enumerate(officers)}
    # Vehicles: one per officer-day on shift with visit hours.
    veh: list[tuple[int, int, int, int, int]] = []
    for k, o in enumerate(officers):
        for d, day in enumerate(days):
            shift = o.shift_on(day)
            if shift is None or o.visit_hours <= 0:
                continue
            veh.append(
                (
                    k,
                    d,
                    d * DAY_S + shift.window.start_s,
                    d * DAY_S + shift.window.end_s,
                    int(round(o.visit_hours * 3600)),
                )
            )
    veh_of = {(k, d): v for v, (k, d, *_rest) in enumerate(veh)}

    candidates: list[_Candidate] = []
    unplaceable: list[Unscheduled] = []
    for dv in due:
        off = offenders[dv.index]
        cand = _candidates(dv, off, officers, officer_index, policy, days)
        usable = (
            (lambda iv, c=cand: bool(_pair_options(replace(c, by_officer_day=iv), officers)))
            if off.two_officers
            else bool
        )
        cand.by_officer_day = avoid_failed_attempt(
            cand.by_officer_day, dv, policy, days, usable=usable
        )
        if off.two_officers:
            drawn = restrict_to_options(cand.by_officer_day, dv.options, policy, days)
            if _pair_options(_Candidate(dv, off, cand.service_s, drawn, True), officers):
                cand.undrawn, cand.by_officer_day = cand.by_officer_day, drawn
        reason = _unplaceable_reason(cand, officers)
        if reason is None:
            candidates.append(cand)
        elif dv.revisit:
            continue  # an extra visit that cannot be made is simply not made
        else:
            unplaceable.append(
                Unscheduled(
                    offender_id=off.id,
                    tier=off.tier,
                    reason=reason[0],
                    detail=reason[1],
                    due_date=dv.due_date,
                )
            )

    K = len(officers)
    lat = [o.base.lat for o in officers] + [c.offender.home.lat for c in candidates]
    lon = [o.base.lon for o in officers] + [c.offender.home.lon for c in candidates]
    travel_visits = travel.matrix_s(np.asarray(lat), np.asarray(lon))

    pairs, alternatives = _book_pairs(candidates, officers, travel_visits, veh, veh_of, policy, rng)

    nodes_visit: list[int] = []
    nodes_src: list[int] = []  # row in travel_visits
    node_windows: list[Intervals] = []
    node_vehicles: list[list[int]] = []
    node_pair: list[int] = []
    node_charge: list[bool] = []
    full_windows: list[Intervals] = []
    full_vehicles: list[list[int]] = []
    unpinned: set[int] = set()  # register index of pinned first visits that lost their day
    for ci, cand in enumerate(candidates):
        if cand.offender.two_officers:
            # Not booked (no crew had time among the other joint visits): both halves
            # start dropped, for the repair passes to fit among the routed visits.
            booking = pairs.get(ci)
            if booking is None:
                alternatives[ci] = crew_day_times(cand, officers, veh_of)
            for lead in (True, False):
                k, wins = -1, []
                if booking is not None:
                    k1, k2, d, t = booking
                    k, wins = veh_of[(k1 if lead else k2, d)], [(t, t + 1)]
                nodes_visit.append(ci)
                nodes_src.append(K + ci)
                node_windows.append(wins)
                node_vehicles.append([k] if wins else [])
                node_pair.append(ci)
                node_charge.append(lead)
                full_windows.append(node_windows[-1])
                full_vehicles.append(node_vehicles[-1])
            continue
        kept = restrict_to_options(cand.by_officer_day, cand.due.options, policy, days)
        lost_revisit = not kept and bool(cand.due.options) and cand.due.revisit
        if lost_revisit:
            pass  # an extra visit on its drawn day: redrawn, it could meet the first visit
        elif not kept and cand.due.options:  # e.g. a drawn Sunday when nobody works Sundays
            if cand.due.pinned:
                unpinned.add(cand.due.index)
            redrawn = redraw_options(cand.by_officer_day, cand.due, policy, days, rng)
            kept = restrict_to_options(cand.by_officer_day, redrawn, policy, days)
        wins, vehs = _node_domain(kept or cand.by_officer_day, veh_of)
        full_w, full_v = _node_domain(cand.by_officer_day, veh_of)
        nodes_visit.append(ci)
        nodes_src.append(K + ci)
        node_windows.append(wins)
        node_vehicles.append([] if lost_revisit else vehs)
        full_windows.append(full_w)
        full_vehicles.append(full_v)
        node_pair.append(-1)
        node_charge.append(True)

    parent = _revisit_parents([candidates[c].due for c in nodes_visit])
    for j, p in enumerate(parent):
        if p >= 0 and candidates[nodes_visit[j]].due.index in unpinned:
            node_vehicles[j] = []  # the first visit may move to any day: no revisit

    src = np.array(list(range(K)) + nodes_src, dtype=np.int64)
    travel_s = travel_visits[np.ix_(src, src)].astype(np.int64)
    service = np.array([0] * K + [candidates[c].service_s for c in nodes_visit], dtype=np.int64)
    urg = np.array([candidates[c].due.urgency for c in nodes_visit], dtype=float)
    deadline = np.array(
        [_deadline_s(candidates[c].due.due_date, week_start) for c in nodes_visit], dtype=np.int64
    )
    manager = np.array(
        [officer_index[candidates[c].offender.manager_id] for c in nodes_visit], dtype=np.int64
    )
    problem = TeamProblem(
        team=team,
        officer_ids=[o.id for o in officers],
        travel_s=travel_s,
        service_s=service,
        visit_of_node=np.array(nodes_visit, dtype=np.int64),
        penalty=np.rint(urg * DROP_PENALTY_S).astype(np.int64),
        deadline_s=deadline,
        late_cost=np.maximum(1, np.rint(urg * LATE_COST_PER_S)).astype(np.int64),
        manager=manager,
        charge_cover=np.array(node_charge, dtype=bool),
        pair_of_node=np.array(node_pair, dtype=np.int64),
        windows=node_windows,
        vehicles=node_vehicles,
        full_windows=full_windows,
        full_vehicles=full_vehicles,
        veh_officer=np.array([v[0] for v in veh], dtype=np.int64),
        veh_day=np.array([v[1] for v in veh], dtype=np.int64),
        veh_start_s=np.array([v[2] for v in veh], dtype=np.int64),
        veh_end_s=np.array([v[3] for v in veh], dtype=np.int64),
        veh_budget_s=np.array([v[4] for v in veh], dtype=np.int64),
        cover_penalty_s=policy.cover_penalty_s,
        visits=[c.due for c in candidates],
        parent_node=parent,
        pair_alternatives=alternatives,
        pair_fallbacks=_pair_fallbacks(candidates, officers, alternatives, veh_of),
        pair_rng=np.random.default_rng(rng.integers(2**63)),
    )
    return problem, unplaceable


def _revisit_parents(node_due: list[DueVisit]) -> np.ndarray:
    """For each node, the node of the same offender's first visit if it is a revisit."""
    first = {dv.index: j for j, dv in enumerate(node_due) if not dv.revisit}
    return np.array(
        [first.get(dv.index, -1) if dv.revisit else -1 for dv in node_due], dtype=np.int64
    )


def _node_domain(
    by_officer_day: dict[tuple[int, int], Intervals], veh_of: dict[tuple[int, int], int]
) -> tuple[Intervals, list[int]]:
    """Arrival windows (week seconds) and vehicles of a visit node."""
    wins: Intervals = []
    vehs: list[int] = []
    for (k, d), iv in by_officer_day.items():
        if (k, d) in veh_of:
            vehs.append(veh_of[(k, d)])
            wins += shift_to_week(iv, d)
    return merge(wins), sorted(vehs)


def restrict_to_options(
    by_officer_day: dict[tuple[int, int], Intervals],
    options: tuple[tuple[int, str], ...],
    policy: Policy,
    days: list[date],
) -> dict[tuple[int, int], Intervals]:
    """Cut a visit's feasible (officer, day) windows down to its secret (day, slot)
    options; no options means no restriction. The result may be empty (the drawn options
    are all infeasible): the caller then falls back to every feasible option.

    The optimiser then minimises travel only among the drawn options, so it cannot pull
    every visit to the same convenient morning: the loss of randomness is bounded by the
    number of options.
    """
    if not options:
        return by_officer_day
    spans = {s.name: (s.window.start_s, s.window.end_s) for s in policy.slots}
    wanted: dict[int, Intervals] = {}
    for d, name in options:
        if name in spans and 0 <= d < len(days):
            wanted.setdefault(d, []).append(spans[name])
    out: dict[tuple[int, int], Intervals] = {}
    for (k, d), iv in by_officer_day.items():
        if d in wanted:
            cut = intersect(iv, merge(wanted[d]))
            if cut:
                out[(k, d)] = cut
    return out


def feasible_options(
    by_officer_day: dict[tuple[int, int], Intervals], policy: Policy, days: list[date]
) -> list[tuple[int, str]]:
    """Every (day, policy slot) in which some officer could start the visit."""
    out = []
    for d, day in enumerate(days):
        ivs = merge([iv for (_, dd), ivs in by_officer_day.items() if dd == d for iv in ivs])
        if not ivs:
            continue
        for slot in policy.slots:
            if Weekday(day.weekday()) in policy.slot_days(slot) and intersect(
                ivs, [(slot.window.start_s, slot.window.end_s)]
            ):
                out.append((d, slot.name))
    return out


def redraw_options(
    by_officer_day: dict[tuple[int, int], Intervals],
    dv: DueVisit,
    policy: Policy,
    days: list[date],
    rng: np.random.Generator,
) -> tuple[tuple[int, str], ...]:
    """New secret options when every drawn one is infeasible: drawn among the feasible
    ones by the policy's slot shares, on or before the due day when possible, so the
    fallback is as random as the first draw rather than the optimiser's favourite."""
    options = feasible_options(by_officer_day, policy, days)
    last = (dv.due_date - days[0]).days
    timely = [o for o in options if o[0] <= last] or options
    if not timely:
        return ()
    slot = {s.name: s for s in policy.slots}
    w = np.array(
        [slot[name].share_on(Weekday(days[d].weekday())) for d, name in timely], dtype=float
    )
    w += 1e-9
    n = min(policy.visit_options, len(timely))
    picked = rng.choice(len(timely), size=n, replace=False, p=w / w.sum())
    return tuple(sorted(timely[int(i)] for i in picked))


def avoid_failed_attempt(
    by_officer_day: dict[tuple[int, int], Intervals],
    dv: DueVisit,
    policy: Policy,
    days: list[date],
    *,
    usable: Callable[[dict[tuple[int, int], Intervals]], bool] = bool,
) -> dict[tuple[int, int], Intervals]:
    """A re-attempt after a failed visit goes on another weekday and at another time of
    day: drop the failed attempt's weekday and its policy slot from the visit's options.

    If nothing ``usable`` would be left (e.g. the offender is only ever home on weekday
    evenings; for a two-officer visit, no two officers together), the weekday alone is
    avoided, then the slot alone, then neither: a re-attempt at the same time beats no
    visit.
    """
    if dv.avoid_weekday is None and dv.avoid_slot is None:
        return by_officer_day
    slot_spans = [
        (s.window.start_s, s.window.end_s) for s in policy.slots if s.name == dv.avoid_slot
    ]
    for weekday, spans in (
        (dv.avoid_weekday, slot_spans),
        (dv.avoid_weekday, []),
        (None, slot_spans),
    ):
        out: dict[tuple[int, int], Intervals] = {}
        for (k, d), iv in by_officer_day.items():
            if weekday is not None and days[d].weekday() == weekday:
                continue
            left = subtract(iv, spans)
            if left:
                out[(k, d)] = left
        if usable(out):
            return out
    return by_officer_day


def _deadline_s(due: date, week_start: date) -> int:
    """Latest on-time arrival: the end of the due day, but not before the end of Monday
    (an overdue visit is wanted early in the week, not at 00:00)."""
    return max((due - week_start).days, 0) * DAY_S + DAY_S - 1


def _candidates(
    dv: DueVisit,
    off: Offender,
    officers: list[Officer],
    officer_index: dict[str, int],
    policy: Policy,
    days: list[date],
) -> _Candidate:
    service_s = policy.visit_minutes[off.tier] * 60
    own = officer_index[off.manager_id]
    allowed: Sequence[int] = range(len(officers)) if policy.allow_cover else [own]
    if dv.crew:
        allowed = [officer_index[i] for i in dv.crew if i in officer_index]
    by: dict[tuple[int, int], Intervals] = {}
    any_window = False
    for d, day in enumerate(days):
        avail = offender_windows(off, policy, day, service_s)
        if not avail:
            continue
        any_window = True
        for k in allowed:
            if (
                off.officer_gender is not None
                and not off.two_officers
                and officers[k].gender != off.officer_gender
            ):
                continue
            iv = intersect(avail, officer_window(officers[k], day, service_s))
            if iv:
                by[(k, d)] = iv
    return _Candidate(dv, off, service_s, by, any_window)


def visitable_on(
    offender: Offender,
    officers: list[Officer],
    policy: Policy,
    days: list[date],
    *,
    spare: bool = False,
) -> bool:
    """Whether ``officers`` (the offender's planning unit) can make the offender's visit
    on one of ``days`` at all, given their shifts, known absences and any gender rule:
    one officer at a time the offender is at home, or two together for a two-officer
    visit. Used a week ahead, so a visit whose only officers are on leave in its due
    week is booked before it (:func:`scheduler.plan.due.select_due`).

    ``spare``: and still with any one of the officers away, so one sickness (unknown a
    week ahead) cannot leave the visit without an officer or a pair: two officers who
    can make it, or for a two-officer visit pairs not all sharing one officer."""
    index = {o.id: k for k, o in enumerate(officers)}
    if offender.manager_id not in index:
        return False
    probe = DueVisit(0, offender.id, days[0], 0.0)
    cand = _candidates(probe, offender, officers, index, policy, days)
    if _unplaceable_reason(cand, officers) is not None:
        return False
    if not spare:
        return True
    if offender.two_officers:
        crews = [{k1, k2} for k1, k2, _, _ in _pair_options(cand, officers)]
        return not set.intersection(*crews)
    return len({k for k, _ in cand.by_officer_day}) >= 2


def _unplaceable_reason(
    cand: _Candidate, officers: list[Officer]
) -> tuple[UnscheduledReason, str] | None:
    if not cand.any_window:
        return (
            UnscheduledReason.UNAVAILABLE_ALL_WEEK,
            "offender unavailable in every visit slot this week",
        )
    if not cand.by_officer_day:
        need = (
            f" ({cand.offender.officer_gender.value} officer required)"
            if cand.offender.officer_gender
            else ""
        )
        return UnscheduledReason.NO_OFFICER, "no eligible officer on duty when available" + need
    if cand.offender.two_officers and _pair_options(cand, officers) == []:
        return (
            UnscheduledReason.NEEDS_TWO_OFFICERS,
            "no two eligible officers on duty together when available",
        )
    return None


def _pair_options(
    cand: _Candidate, officers: list[Officer]
) -> list[tuple[int, int, int, Intervals]]:
    """(lead, partner, day, common arrival intervals); the lead meets any gender rule,
    and is the issued plan's lead for a crew it fixed (a rebooking keeps who leads)."""
    out = []
    need = cand.offender.officer_gender
    crew = cand.due.crew
    for (k1, d), iv1 in cand.by_officer_day.items():
        if need is not None and officers[k1].gender != need:
            continue
        if len(crew) == 2 and officers[k1].id != crew[0]:
            continue
        for (k2, d2), iv2 in cand.by_officer_day.items():
            if d2 != d or k2 == k1:
                continue
            common = intersect(iv1, iv2)
            if common:
                out.append((k1, k2, d, common))
    return out


@dataclass
class _Diary:
    """The joint visits booked so far on each officer-day (vehicle): (start, end, node)
    in time order, and the visit time and driving each day's chain of them takes."""

    veh: list[tuple[int, int, int, int, int]]
    travel: np.ndarray
    booked: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)
    used_s: dict[int, int] = field(default_factory=dict)

    def add(self, v: int, t: int, service: int, node: int) -> None:
        stops = self.booked.setdefault(v, [])
        self.used_s[v] = self.used_s.get(v, 0) + added_work(
            self.veh[v][0], stops, t, service, node, self.travel
        )
        bisect.insort(stops, (t, t + service, node))

    def remove(self, v: int, node: int) -> None:
        stops = [s for s in self.booked.get(v, []) if s[2] != node]
        self.booked[v] = stops
        self.used_s[v] = day_work(self.veh[v][0], stops, self.travel)


def day_work(base: int, day: list[tuple[int, int, int]], travel: np.ndarray) -> int:
    """Visit time plus the drive from the base through the booked visits and back: what
    :func:`added_work` sums to, booking by booking."""
    route = [base, *(n for _, _, n in day), base]
    return sum(e - s for s, e, _ in day) + sum(
        int(travel[a, b]) for a, b in zip(route, route[1:], strict=False)
    )


def _book_pairs(
    candidates: list[_Candidate],
    officers: list[Officer],
    travel: np.ndarray,
    veh: list[tuple[int, int, int, int, int]],
    veh_of: dict[tuple[int, int], int],
    policy: Policy,
    rng: np.random.Generator,
) -> tuple[dict[int, tuple[int, int, int, int]], dict[int, list[tuple[int, int, list[int]]]]]:
    """Fix officers, day and time for each two-officer visit, most urgent first.

    Officers are chosen for short travel (the manager leads when possible); the day and
    the quarter-hour are drawn at random among those that fit both officers' shifts, visit
    hours and earlier bookings (chained between them: :func:`free_starts`), so joint
    visits are not predictable either. A visit that finds no crew free takes the place of
    a less urgent booking that can move elsewhere (a visit a daytime pair could make
    had taken the only evening two late officers share). Also returns, per booked visit,
    every crew-day that fitted with its times (vehicles, not officers): the fallbacks if
    the routing cannot fit the booking among the single visits.
    """
    diary = _Diary(veh, travel)
    out: dict[int, tuple[int, int, int, int]] = {}
    alternatives: dict[int, list[tuple[int, int, list[int]]]] = {}

    def options_of(ci: int) -> list[tuple[int, int, int, int, list[int]]]:
        cand = candidates[ci]
        node = len(officers) + ci
        options = _crew_times(cand, officers, node, veh, veh_of, diary, policy)
        if not options and cand.undrawn is not None:
            # The drawn options only looked usable (e.g. a start the moment the shift
            # begins, before anyone can have driven there): every day and time is open
            # again, as for a single visit that did not fit its drawn options.
            wide = replace(cand, by_officer_day=cand.undrawn)
            options = _crew_times(wide, officers, node, veh, veh_of, diary, policy)
        return options

    def book(ci: int, options: list[tuple[int, int, int, int, list[int]]]) -> None:
        best = min(o[0] for o in options)
        near = [o for o in options if o[0] <= best + 600]  # within 10 min of the best crew
        _, k1, k2, d, times = near[int(rng.integers(len(near)))]
        t = times[int(rng.integers(len(times)))]
        place(ci, (k1, k2, d, t))
        alternatives[ci] = [
            (
                veh_of[(a, day)],
                veh_of[(b, day)],
                [x for x in ts if (a, b, day, x) != (k1, k2, d, t)],
            )
            for _, a, b, day, ts in options
        ]

    def place(ci: int, booking: tuple[int, int, int, int]) -> None:
        k1, k2, d, t = booking
        for k in (k1, k2):
            diary.add(veh_of[(k, d)], t, candidates[ci].service_s, len(officers) + ci)
        out[ci] = booking

    def unplace(ci: int) -> tuple[int, int, int, int]:
        k1, k2, d, t = out.pop(ci)
        for k in (k1, k2):
            diary.remove(veh_of[(k, d)], len(officers) + ci)
        return (k1, k2, d, t)

    order = sorted(
        (i for i, c in enumerate(candidates) if c.offender.two_officers),
        key=lambda i: -candidates[i].due.urgency,
    )
    unbooked = []
    for ci in order:
        options = options_of(ci)
        if options:
            book(ci, options)
        else:
            unbooked.append(ci)
    for ci in unbooked:
        for cj in sorted(out, key=lambda c: candidates[c].due.urgency):
            kept, kept_alternatives = unplace(cj), alternatives[cj]
            options = options_of(ci)
            if options:
                book(ci, options)
                moved = options_of(cj)
                if moved:
                    book(cj, moved)
                    break
                unplace(ci)
                del alternatives[ci]
            place(cj, kept)
            alternatives[cj] = kept_alternatives
    return out, alternatives


def _pair_fallbacks(
    candidates: list[_Candidate],
    officers: list[Officer],
    alternatives: dict[int, list[tuple[int, int, list[int]]]],
    veh_of: dict[tuple[int, int], int],
) -> dict[int, list[tuple[int, int, list[int]]]]:
    """Per two-officer visit, the crew-days and times its drawn day-slots left out."""
    out: dict[int, list[tuple[int, int, list[int]]]] = {}
    for ci, booked in alternatives.items():
        cand = candidates[ci]
        if cand.undrawn is None:
            continue
        drawn = {(v1, v2) for v1, v2, _ in booked}
        wide = crew_day_times(replace(cand, by_officer_day=cand.undrawn), officers, veh_of)
        out[ci] = [(v1, v2, ts) for v1, v2, ts in wide if (v1, v2) not in drawn]
    return out


def crew_day_times(
    cand: _Candidate, officers: list[Officer], veh_of: dict[tuple[int, int], int]
) -> list[tuple[int, int, list[int]]]:
    """(lead's vehicle, partner's vehicle, quarter-hour starts) of every crew-day on
    which both officers are on duty while the offender is at home."""
    return [
        (veh_of[(k1, d)], veh_of[(k2, d)], quarter_hours(shift_to_week(common, d)))
        for k1, k2, d, common in _pair_options(cand, officers)
        if (k1, d) in veh_of and (k2, d) in veh_of
    ]


def quarter_hours(intervals: Intervals) -> list[int]:
    """The quarter-hour starts (week seconds) inside ``intervals``: the times a joint
    visit is booked at."""
    return [t for s, e in intervals for t in range(s + (-s) % PAIR_STEP_S, e, PAIR_STEP_S)]


def _crew_times(
    cand: _Candidate,
    officers: list[Officer],
    node: int,
    veh: list[tuple[int, int, int, int, int]],
    veh_of: dict[tuple[int, int], int],
    diary: _Diary,
    policy: Policy,
) -> list[tuple[int, int, int, int, list[int]]]:
    """(cost, lead, partner, day, quarter-hour starts) of every crew-day that can still
    take a two-officer visit among the bookings so far; cost is the crew's round trips,
    plus the cover penalty when the manager does not lead."""
    options = []
    for k1, k2, d, common in _pair_options(cand, officers):
        if (k1, d) not in veh_of or (k2, d) not in veh_of:
            continue
        travel = diary.travel
        cost = int(travel[k1, node] + travel[node, k1] + travel[k2, node] + travel[node, k2])
        if officers[k1].id != cand.offender.manager_id:
            cost += policy.cover_penalty_s
        free = shift_to_week(common, d)
        for k in (k1, k2):
            v = veh_of[(k, d)]
            day, used = diary.booked.get(v, []), diary.used_s.get(v, 0)
            free = intersect(free, free_starts(veh[v], day, used, cand.service_s, node, travel))
        times = quarter_hours(free)
        if times:
            options.append((cost, k1, k2, d, times))
    return options


def _stops(
    base: int, day: list[tuple[int, int, int]], start: int, end: int
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The gaps of an officer-day around its booked visits, in time order: ((time the
    previous stop is left, its node), (time the next stop is reached, its node)), the
    base at the shift's start and end."""
    left = [(start, base), *((e, n) for _, e, n in day)]
    reached = [*((s, n) for s, _, n in day), (end, base)]
    return list(zip(left, reached, strict=True))


def ceil_s(seconds: int) -> int:
    """Seconds rounded up to whole minutes: the routing model's time unit, so a booking
    that fits here fits there too."""
    return -(-int(seconds) // 60) * 60


def free_starts(
    vehicle: tuple[int, int, int, int, int],
    day: list[tuple[int, int, int]],
    used: int,
    service: int,
    node: int,
    travel: np.ndarray,
) -> Intervals:
    """Start times at which a visit at ``node`` fits this officer-day among its earlier
    bookings ``day`` ((start, end, node), in time order): reached from the stop before
    (the base, or the previous booked visit) and leaving time to reach the stop after,
    inside the shift and inside the visit-hour budget. Booked visits are chained, not
    each a round trip from the base, so an evening can hold as many joint visits as
    the drives between them allow."""
    base, _, start, end, budget = vehicle
    out: Intervals = []
    for (left, a), (reached, b) in _stops(base, day, start, end):
        go, on = ceil_s(travel[a, node]), ceil_s(travel[node, b])
        extra = service + go + on - int(travel[a, b])
        lo, hi = left + go, reached - service - on + 1
        if lo < hi and used + extra <= budget:
            out.append((lo, hi))
    return out


def added_work(
    base: int, day: list[tuple[int, int, int]], t: int, service: int, node: int, travel: np.ndarray
) -> int:
    """The visit time and extra driving a visit at ``node`` starting at ``t`` adds to an
    officer-day with bookings ``day`` (the detour from the stop before to the stop after)."""
    i = bisect.bisect_left(day, (t, t, node))
    a = day[i - 1][2] if i > 0 else base
    b = day[i][2] if i < len(day) else base
    return service + int(travel[a, node] + travel[node, b] - travel[a, b])
