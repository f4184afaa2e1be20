"""The one conversion point from domain models to solver arrays.

A :class:`TeamProblem` holds one team's week as numpy arrays and plain lists: nodes
``0..K-1`` are the officers' bases, the rest are visit nodes; vehicles are officer-days
("day copies"), so one routing model chooses the day, the officer, the time and the order.
Two-officer visits are booked first (officers, day and time fixed: :mod:`.pairs`) and
enter the routing model as one node per officer, each pinned to the booked time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from models import Offender, Officer, Policy, Unscheduled
from scheduler.core.travel import TravelModel
from scheduler.core.windows import DAY_S, Intervals, merge, shift_to_week, week_dates
from scheduler.plan.bands import team_travel_s
from scheduler.plan.candidates import (
    Candidate,
    Duty,
    candidate_for,
    duty_spans,
    pair_options,
    unplaceable_reason,
)
from scheduler.plan.due import DueVisit
from scheduler.plan.options import avoid_failed_attempt, redraw_options, restrict_to_options
from scheduler.plan.pairs import Alternative, Booking, book_pairs, crew_day_times, pair_fallbacks

#: Cost (in travel-seconds) of leaving out a visit of urgency 1, i.e. 10 days of
#: lateness. Large against any travel, so every visit that fits is made.
DROP_PENALTY_S = 864_000
#: Lateness past the due day costs the drop penalty / 10 per day.
LATE_COST_PER_S = DROP_PENALTY_S // 10 // DAY_S  # = 1 per second for urgency 1
#: An officer-day on shift with visit hours: (officer, day, shift start, shift end,
#: visit-hour budget), times in week seconds.
Vehicle = tuple[int, int, int, int, int]


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
    #: Optional (N, V) cost of making visit node j on vehicle v, added to the arcs into
    #: the node: a re-plan's price for moving a visit off its issued officer or day
    #: (:mod:`scheduler.plan.replan`); None in a weekly plan.
    visit_vehicle_cost: np.ndarray | None = None

    @property
    def n_officers(self) -> int:
        return len(self.officer_ids)

    @property
    def n_nodes(self) -> int:
        return len(self.service_s)


def build_team_problem(
    team: str,
    officers: list[Officer],
    due: list[DueVisit],
    offenders: Sequence[Offender] | Mapping[int, Offender],
    policy: Policy,
    week_start: date,
    travel: TravelModel,
    rng: np.random.Generator,
) -> tuple[TeamProblem, list[Unscheduled]]:
    """Arrays for one team, and the visits that cannot be placed at all (with reasons)."""
    days = week_dates(week_start)
    officer_index = {o.id: k for k, o in enumerate(officers)}
    veh = officer_days(officers, days)
    veh_of = {(k, d): v for v, (k, d, *_rest) in enumerate(veh)}
    candidates, unplaceable = _placeable(due, offenders, officers, officer_index, policy, days)
    travel_visits = team_travel_s(officers, candidates, travel, policy, days)
    pairs, alternatives = book_pairs(candidates, officers, travel_visits, veh, veh_of, policy, rng)
    nodes = _Nodes()
    for ci, cand in enumerate(candidates):
        if cand.offender.two_officers:
            _add_pair_nodes(nodes, ci, cand, pairs.get(ci), alternatives, officers, veh_of)
        else:
            _add_single_node(nodes, ci, cand, len(officers), policy, days, veh_of, rng)
    parent = _revisit_parents([candidates[c].due for c in nodes.visit])
    for j, p in enumerate(parent):
        if p >= 0 and candidates[nodes.visit[j]].due.index in nodes.unpinned:
            nodes.vehicles[j] = []  # the first visit may move to any day: no revisit
    problem = _assemble(
        team,
        officers,
        candidates,
        nodes,
        parent,
        travel_visits,
        veh,
        veh_of,
        alternatives,
        officer_index,
        policy,
        week_start,
        rng,
    )
    return problem, unplaceable


def officer_days(officers: list[Officer], days: list[date]) -> list[Vehicle]:
    """The vehicles: one per officer-day on shift with visit hours."""
    veh: list[Vehicle] = []
    for k, o in enumerate(officers):
        for d, day in enumerate(days):
            shift = o.shift_on(day)
            if shift is None or o.visit_seconds_on(day) <= 0:
                continue
            veh.append(
                (
                    k,
                    d,
                    d * DAY_S + shift.window.start_s,
                    d * DAY_S + shift.window.end_s,
                    o.visit_seconds_on(day),
                )
            )
    return veh


def _placeable(
    due: list[DueVisit],
    offenders: Sequence[Offender] | Mapping[int, Offender],
    officers: list[Officer],
    officer_index: dict[str, int],
    policy: Policy,
    days: list[date],
) -> tuple[list[Candidate], list[Unscheduled]]:
    """The due visits that can be placed, and the others with their reasons (an extra
    visit that cannot be made is simply not made)."""
    candidates: list[Candidate] = []
    unplaceable: list[Unscheduled] = []
    duty = duty_spans(officers, days)
    for dv in due:
        off = offenders[dv.index]
        cand = _narrowed_candidate(dv, off, officers, officer_index, policy, days, duty)
        reason = unplaceable_reason(cand, officers)
        if reason is None:
            candidates.append(cand)
        elif dv.revisit:
            continue
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
    return candidates, unplaceable


def _narrowed_candidate(
    dv: DueVisit,
    off: Offender,
    officers: list[Officer],
    officer_index: dict[str, int],
    policy: Policy,
    days: list[date],
    duty: Duty,
) -> Candidate:
    """A visit's windows off a failed attempt's weekday and time of day; a two-officer
    visit's also cut to its drawn options when some crew fits them (the rest kept as
    ``undrawn``)."""
    cand = candidate_for(dv, off, officers, officer_index, policy, days, duty)
    usable = (
        (lambda iv, c=cand: bool(pair_options(replace(c, by_officer_day=iv), officers)))
        if off.two_officers
        else bool
    )
    cand.by_officer_day = avoid_failed_attempt(cand.by_officer_day, dv, policy, days, usable=usable)
    if off.two_officers:
        drawn = restrict_to_options(cand.by_officer_day, dv.options, policy, days)
        if pair_options(Candidate(dv, off, cand.service_s, drawn, True), officers):
            cand.undrawn, cand.by_officer_day = cand.by_officer_day, drawn
    return cand


@dataclass
class _Nodes:
    """The visit nodes laid out so far, one entry per node in each list."""

    visit: list[int] = field(default_factory=list)  # index into the candidates
    src: list[int] = field(default_factory=list)  # row in the travel matrix
    windows: list[Intervals] = field(default_factory=list)
    vehicles: list[list[int]] = field(default_factory=list)
    pair: list[int] = field(default_factory=list)
    charge: list[bool] = field(default_factory=list)
    full_windows: list[Intervals] = field(default_factory=list)
    full_vehicles: list[list[int]] = field(default_factory=list)
    #: Register index of pinned first visits that lost their day.
    unpinned: set[int] = field(default_factory=set)


def _add_pair_nodes(
    nodes: _Nodes,
    ci: int,
    cand: Candidate,
    booking: Booking | None,
    alternatives: dict[int, list[Alternative]],
    officers: list[Officer],
    veh_of: dict[tuple[int, int], int],
) -> None:
    """A two-officer visit's two nodes, lead first, each pinned to the booked time.

    Not booked (no crew had time among the other joint visits): both halves start
    dropped, for the repair passes to fit among the routed visits."""
    K = len(officers)
    if booking is None:
        alternatives[ci] = crew_day_times(cand, officers, veh_of)
    for lead in (True, False):
        k, wins = -1, []
        if booking is not None:
            k1, k2, d, t = booking
            k, wins = veh_of[(k1 if lead else k2, d)], [(t, t + 1)]
        nodes.visit.append(ci)
        nodes.src.append(K + ci)
        nodes.windows.append(wins)
        nodes.vehicles.append([k] if wins else [])
        nodes.pair.append(ci)
        nodes.charge.append(lead)
        nodes.full_windows.append(nodes.windows[-1])
        nodes.full_vehicles.append(nodes.vehicles[-1])


def _add_single_node(
    nodes: _Nodes,
    ci: int,
    cand: Candidate,
    n_officers: int,
    policy: Policy,
    days: list[date],
    veh_of: dict[tuple[int, int], int],
    rng: np.random.Generator,
) -> None:
    """A single visit's node, its windows cut to its drawn options (redrawn when none is
    feasible); every feasible window kept as its full domain."""
    kept = restrict_to_options(cand.by_officer_day, cand.due.options, policy, days)
    lost_revisit = not kept and bool(cand.due.options) and cand.due.revisit
    if lost_revisit:
        pass  # an extra visit on its drawn day: redrawn, it could meet the first visit
    elif not kept and cand.due.options:  # e.g. a drawn Sunday when nobody works Sundays
        if cand.due.pinned:
            nodes.unpinned.add(cand.due.index)
        redrawn = redraw_options(cand.by_officer_day, cand.due, policy, days, rng)
        kept = restrict_to_options(cand.by_officer_day, redrawn, policy, days)
    wins, vehs = _node_domain(kept or cand.by_officer_day, veh_of)
    full_w, full_v = _node_domain(cand.by_officer_day, veh_of)
    nodes.visit.append(ci)
    nodes.src.append(n_officers + ci)
    nodes.windows.append(wins)
    nodes.vehicles.append([] if lost_revisit else vehs)
    nodes.full_windows.append(full_w)
    nodes.full_vehicles.append(full_v)
    nodes.pair.append(-1)
    nodes.charge.append(True)


def _assemble(
    team: str,
    officers: list[Officer],
    candidates: list[Candidate],
    nodes: _Nodes,
    parent: np.ndarray,
    travel_visits: np.ndarray,
    veh: list[Vehicle],
    veh_of: dict[tuple[int, int], int],
    alternatives: dict[int, list[Alternative]],
    officer_index: dict[str, int],
    policy: Policy,
    week_start: date,
    rng: np.random.Generator,
) -> TeamProblem:
    """The team's arrays, node by node and vehicle by vehicle."""
    K = len(officers)
    src = np.array(list(range(K)) + nodes.src, dtype=np.int64)
    travel_s = travel_visits[np.ix_(src, src)].astype(np.int64)
    service = np.array([0] * K + [candidates[c].service_s for c in nodes.visit], dtype=np.int64)
    urg = np.array([candidates[c].due.urgency for c in nodes.visit], dtype=float)
    deadline = np.array(
        [_deadline_s(candidates[c].due.due_date, week_start) for c in nodes.visit], dtype=np.int64
    )
    manager = np.array(
        [officer_index[candidates[c].offender.manager_id] for c in nodes.visit], dtype=np.int64
    )
    return TeamProblem(
        team=team,
        officer_ids=[o.id for o in officers],
        travel_s=travel_s,
        service_s=service,
        visit_of_node=np.array(nodes.visit, dtype=np.int64),
        penalty=np.rint(urg * DROP_PENALTY_S).astype(np.int64),
        deadline_s=deadline,
        late_cost=np.maximum(1, np.rint(urg * LATE_COST_PER_S)).astype(np.int64),
        manager=manager,
        charge_cover=np.array(nodes.charge, dtype=bool),
        pair_of_node=np.array(nodes.pair, dtype=np.int64),
        windows=nodes.windows,
        vehicles=nodes.vehicles,
        full_windows=nodes.full_windows,
        full_vehicles=nodes.full_vehicles,
        veh_officer=np.array([v[0] for v in veh], dtype=np.int64),
        veh_day=np.array([v[1] for v in veh], dtype=np.int64),
        veh_start_s=np.array([v[2] for v in veh], dtype=np.int64),
        veh_end_s=np.array([v[3] for v in veh], dtype=np.int64),
        veh_budget_s=np.array([v[4] for v in veh], dtype=np.int64),
        cover_penalty_s=policy.cover_penalty_s,
        visits=[c.due for c in candidates],
        parent_node=parent,
        pair_alternatives=alternatives,
        pair_fallbacks=pair_fallbacks(candidates, officers, alternatives, veh_of),
        pair_rng=np.random.default_rng(rng.integers(2**63)),
    )


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


def _deadline_s(due: date, week_start: date) -> int:
    """Latest on-time arrival: the end of the due day, but not before the end of Monday
    (an overdue visit is wanted early in the week, not at 00:00)."""
    return max((due - week_start).days, 0) * DAY_S + DAY_S - 1
