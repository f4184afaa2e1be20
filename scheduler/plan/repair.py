"""Repair passes after a team's routing (:func:`solve_consistent`): a two-officer
visit is made by both officers or by neither, a short-notice revisit comes after its
first visit, and a single visit that did not fit its drawn day-slots gets them all
back.

A joint visit is booked (crew, day, quarter-hour) before routing, so the routing can
only take it or leave it. When it leaves it, the visit is first fitted where both
officers' routed days have room at one of its other bookable times
(:func:`fit_pair`); the next pass starts from those routes, so the visit is in it
from the start and stays unless leaving it out is worth more.
"""

from __future__ import annotations

import bisect
from dataclasses import replace

import numpy as np

from scheduler.core.windows import Intervals
from scheduler.plan.engines import Engine, solve_with
from scheduler.plan.pairs import ceil_s, free_starts
from scheduler.plan.problem import TeamProblem
from scheduler.plan.routing import TeamSolution

#: Re-bookings a two-officer visit gets when the routing cannot fit its booking.
PAIR_REBOOKINGS = 2

#: An officer-day's stops as (arrival, departure, travel-matrix node), in time order.
Day = list[tuple[int, int, int]]


def solve_consistent(
    problem: TeamProblem, limit: float, gls: bool, engine: Engine = "ortools"
) -> TeamSolution:
    """Solve, then repair until the plan is consistent and nothing fixable was dropped.

    A two-officer visit the routing left out, whole or half, is re-booked
    (:data:`PAIR_REBOOKINGS` tries): at another bookable time where both officers'
    routed days have room (:func:`fit_pair`), else, if one half was made, at another
    drawn time (:func:`rebook_pair`); a half-made visit with no try left is dropped
    whole. A single visit that did not fit its randomly drawn day-slots gets all its
    options back. Each repair pass uses up a try, removes a pair or widens a visit for
    good, so the loop ends.

    A pass after a fit starts from the routes with the joint visit fitted in. A pass
    that widened options starts from the routes as they are too, and only when that
    makes no more visits does it also build a fresh first solution (untimed, so a short
    time limit never costs visits that fit) and keep the better plan: the routes so far
    usually take the widened visits in, at a fraction of a fresh search. A pass after a
    pair was re-booked or given up builds a fresh first solution and, once a visit was
    fitted, also searches from the routes before it and keeps the better plan: a fresh
    start alone tends to drop the fitted visit again. Each pass gets half the time of
    the one before, but never less than a quarter of the first (nor 10 ms): a pass cut
    by the clock would give a plan that depends on how busy the machine is, so a seed
    would not replay it (docs/design/routing-search.md). Every pass is routed by ``engine``
    (:func:`~scheduler.plan.engines.solve_with`).
    """

    floor = max(limit / 4, 0.01)
    solution = solve_with(engine, problem, limit, gls)
    searched = solution.search_s
    tries: dict[int, int] = {}
    warm = False
    while True:
        days = routed_days(problem, solution)
        broken = _broken_pairs(problem, solution.dropped)
        fitted = set()
        for pair in sorted(broken | _dropped_pairs(problem, solution.dropped)):
            if tries.get(pair, 0) >= PAIR_REBOOKINGS:
                continue
            _unroute(problem, days, pair)
            if fit_pair(problem, days, pair):
                tries[pair] = tries.get(pair, 0) + 1
                fitted.add(pair)
        broken -= fitted
        orphans = _orphan_revisits(problem, solution.dropped) + _early_revisits(problem, solution)
        repaired = bool(broken or orphans)
        if repaired:
            for pair in sorted(broken):
                tries[pair] = tries.get(pair, 0) + 1
                if tries[pair] > PAIR_REBOOKINGS or not rebook_pair(problem, pair):
                    for node in np.flatnonzero(problem.pair_of_node == pair):
                        problem.vehicles[int(node)] = []
            for j in orphans:
                problem.vehicles[j] = []
        elif (
            not fitted
            and not _restore_full_options(problem, solution.dropped)
            and not _widen_crowders(problem, solution)
        ):
            return replace(solution, search_s=searched)
        limit = max(limit / 2, floor)
        if fitted:
            warm = True
            solution = solve_with(engine, problem, limit, gls, start_routes(problem, days))
            searched += solution.search_s
            continue
        kept = None
        if not repaired:  # options widened: first from the routes as they are
            kept = solve_with(engine, problem, limit, gls, start_routes(problem, days))
            searched += kept.search_s
            if len(kept.dropped) < len(solution.dropped):
                solution = kept
                continue
        fresh = solve_with(engine, problem, limit, gls)
        searched += fresh.search_s
        if kept is None and warm:  # a fresh start may drop fitted joint visits again
            kept = solve_with(engine, problem, limit, gls, start_routes(problem, days))
            searched += kept.search_s
        solution = kept if kept is not None and kept.objective < fresh.objective else fresh


def routed_days(problem: TeamProblem, solution: TeamSolution) -> list[Day]:
    """Each vehicle's stops at their earliest arrivals (a feasible schedule: a visit
    fitted between two of them moves neither)."""
    K = problem.n_officers
    return [
        [(s.arrival_s, s.arrival_s + int(problem.service_s[K + s.node]), K + s.node) for s in stops]
        for stops in solution.routes
    ]


def start_routes(problem: TeamProblem, days: list[Day]) -> list[list[int]]:
    """The visit nodes of ``days`` still allowed where they are (vehicle and arrival
    time): the next pass's first solution."""
    K = problem.n_officers
    return [
        [
            n - K
            for t, _, n in day
            if v in problem.vehicles[n - K] and any(s <= t < e for s, e in problem.windows[n - K])
        ]
        for v, day in enumerate(days)
    ]


def fit_pair(problem: TeamProblem, days: list[Day], pair: int) -> bool:
    """Book a two-officer visit at one of its bookable crew-day times where both
    officers' routed days (``days``, updated) can take it: as they are, or with the
    single visits in the way (or over the visit hours) taken off, when those are worth
    less than the joint visit (their drop penalties). The cheapest such times, drawn at
    random among them: among its alternatives, else outside its drawn day-slots
    (``pair_fallbacks``); False if there is none. The routing cannot make that trade
    itself: it moves one visit at a time, and a joint visit at a fixed time in a full
    day needs several moved at once."""
    K = problem.n_officers
    lead, partner = _halves(problem, pair)
    node, service = K + lead, int(problem.service_s[K + lead])
    worth = int(problem.penalty[lead]) + int(problem.penalty[partner])
    room: dict[tuple[int, int], list[int] | None] = {}

    def make_room(v: int, t: int) -> list[int] | None:
        if (v, t) not in room:
            room[v, t] = _make_room(problem, days[v], v, t, service, node)
        return room[v, t]

    for options in (problem.pair_alternatives, problem.pair_fallbacks):
        best: list[tuple[int, int, int, list[int], list[int]]] = []
        least = worth
        for v1, v2, ts in options.get(pair, []):
            for t in ts:
                off1 = make_room(v1, t)
                off2 = None if off1 is None else make_room(v2, t)
                if off1 is None or off2 is None:
                    continue
                cost = sum(int(problem.penalty[n - K]) for n in off1 + off2)
                if cost < least:
                    best, least = [], cost
                if cost == least < worth:
                    best.append((v1, v2, t, off1, off2))
        if best and problem.pair_rng is not None:
            v1, v2, t, off1, off2 = best[int(problem.pair_rng.integers(len(best)))]
            _book(problem, pair, v1, v2, t)
            for v, j, off in ((v1, lead, off1), (v2, partner, off2)):
                days[v][:] = [s for s in days[v] if s[2] not in off]
                bisect.insort(days[v], (t, t + service, K + j))
            return True
    return False


def _make_room(
    problem: TeamProblem, day: Day, v: int, t: int, service: int, node: int
) -> list[int] | None:
    """The stops (travel-matrix nodes) to take off vehicle ``v``'s routed ``day`` so a
    visit at ``node`` fits at ``t``: the stop before or after while it is in the way,
    then the least urgent while the day is over its visit hours. None when the shift
    itself or a joint visit is in the way."""
    K = problem.n_officers
    base = int(problem.veh_officer[v])
    day = list(day)
    off: list[int] = []
    while not any(s <= t < e for s, e in _room(problem, day, v, service, node)):
        i = bisect.bisect_left(day, (t, -1, -1))
        prev = day[i - 1] if i else None
        nxt = day[i] if i < len(day) else None
        left = prev[1] if prev else int(problem.veh_start_s[v])
        reached = nxt[0] if nxt else int(problem.veh_end_s[v])
        go = ceil_s(problem.travel_s[prev[2] if prev else base, node])
        on = ceil_s(problem.travel_s[node, nxt[2] if nxt else base])
        if left + go > t:
            stop = prev
        elif t + service + on > reached:
            stop = nxt
        else:
            singles = [s for s in day if problem.pair_of_node[s[2] - K] < 0]
            stop = min(singles, key=lambda s: problem.penalty[s[2] - K], default=None)
        if stop is None or problem.pair_of_node[stop[2] - K] >= 0:
            return None
        day.remove(stop)
        off.append(stop[2])
    return off


def _room(problem: TeamProblem, day: Day, v: int, service: int, node: int) -> Intervals:
    """Start times at which a visit at ``node`` fits vehicle ``v``'s routed day, in the
    routing model's whole minutes (its visit-hour budget rounded down)."""
    vehicle = (
        int(problem.veh_officer[v]),
        int(problem.veh_day[v]),
        int(problem.veh_start_s[v]),
        int(problem.veh_end_s[v]),
        int(problem.veh_budget_s[v]) // 60 * 60,
    )
    route = [vehicle[0], *(n for _, _, n in day), vehicle[0]]
    used = sum(ceil_s(e - s) for s, e, _ in day) + sum(
        ceil_s(problem.travel_s[a, b]) for a, b in zip(route, route[1:], strict=False)
    )
    return free_starts(vehicle, day, used, service, node, problem.travel_s)


def _halves(problem: TeamProblem, pair: int) -> tuple[int, int]:
    """A joint visit's (lead, partner) nodes."""
    nodes = [int(j) for j in np.flatnonzero(problem.pair_of_node == pair)]
    lead = [j for j in nodes if problem.charge_cover[j]] + [
        j for j in nodes if not problem.charge_cover[j]
    ]
    return lead[0], lead[1]


def _unroute(problem: TeamProblem, days: list[Day], pair: int) -> None:
    """Take a joint visit's halves out of the routed days."""
    gone = {problem.n_officers + j for j in _halves(problem, pair)}
    for day in days:
        day[:] = [s for s in day if s[2] not in gone]


def _book(problem: TeamProblem, pair: int, v1: int, v2: int, t: int) -> None:
    """Book a joint visit's lead on vehicle ``v1`` and partner on ``v2`` at ``t``, and
    take that time out of its alternatives."""
    for vs in problem.pair_alternatives.get(pair, []) + problem.pair_fallbacks.get(pair, []):
        if vs[0] == v1 and vs[1] == v2 and t in vs[2]:
            vs[2].remove(t)
    for j, v in zip(_halves(problem, pair), (v1, v2), strict=True):
        problem.windows[j] = problem.full_windows[j] = [(t, t + 1)]
        problem.vehicles[j] = problem.full_vehicles[j] = [v]


def rebook_pair(problem: TeamProblem, pair: int) -> bool:
    """Move a two-officer booking to another crew-day and quarter-hour drawn among those
    that fitted when it was booked (the lead stays the lead); False if none is left."""
    options = [(v1, v2, t) for v1, v2, ts in problem.pair_alternatives.get(pair, []) for t in ts]
    if not options or problem.pair_rng is None:
        return False
    v1, v2, t = options[int(problem.pair_rng.integers(len(options)))]
    _book(problem, pair, v1, v2, t)
    return True


def _dropped_pairs(problem: TeamProblem, dropped: list[int]) -> set[int]:
    """Joint visits with both halves dropped (or never booked)."""
    gone = set(dropped)
    pairs = problem.pair_of_node
    return {
        int(pairs[j])
        for j in gone
        if pairs[j] >= 0 and all(k in gone for k in np.flatnonzero(pairs == pairs[j]))
    }


def _broken_pairs(problem: TeamProblem, dropped: list[int]) -> set[int]:
    """Joint visits with one half planned and the other dropped."""
    gone = set(dropped)
    pairs = problem.pair_of_node
    half_dropped = {int(pairs[j]) for j in gone if pairs[j] >= 0}
    return {
        p for p in half_dropped if any(pairs[j] == p and j not in gone for j in range(len(pairs)))
    }


def _orphan_revisits(problem: TeamProblem, dropped: list[int]) -> list[int]:
    """Short-notice revisits still planned whose first visit was dropped."""
    if problem.parent_node is None:
        return []
    gone = set(dropped)
    return [j for j, p in enumerate(problem.parent_node) if p >= 0 and p in gone and j not in gone]


def _early_revisits(problem: TeamProblem, solution: TeamSolution) -> list[int]:
    """Short-notice revisits planned on or before their first visit's day (possible when
    the first visit's options were widened): an offender is visited at most once a day."""
    if problem.parent_node is None:
        return []
    day = {
        stop.node: int(problem.veh_day[v])
        for v, stops in enumerate(solution.routes)
        for stop in stops
    }
    return [
        j
        for j, p in enumerate(problem.parent_node)
        if p >= 0 and j in day and p in day and day[j] <= day[int(p)]
    ]


def _restore_full_options(problem: TeamProblem, dropped: list[int]) -> int:
    """Give dropped single visits back every option the random draw took away; returns
    how many were widened (0 when there is nothing left to try). A widened first visit
    may move to any day, so its short-notice revisit is given up; revisits themselves
    are never widened (they are extra visits on a drawn day)."""
    return sum(_widen(problem, j) for j in dropped)


def _widen_crowders(problem: TeamProblem, solution: TeamSolution) -> int:
    """Give back every option to the planned single visits on the officer-days a dropped
    visit could use, when that visit already has all of its own: the draw may have put
    visits that could go on any day into the only hours someone else is at home (court
    all morning, visits after it), and only moving them makes room. A visit with a
    short-notice revisit keeps its drawn day (widened, it would lose the revisit).
    Returns how many were widened."""
    parent = problem.parent_node
    stuck = [
        j
        for j in solution.dropped
        if problem.pair_of_node[j] < 0
        and problem.vehicles[j]
        and (parent is None or parent[j] < 0)
        and problem.windows[j] == problem.full_windows[j]
    ]
    crowded = sorted({v for j in stuck for v in problem.vehicles[j]})
    revisited = set() if parent is None else {int(p) for p in parent if p >= 0}
    return sum(
        _widen(problem, s.node)
        for v in crowded
        for s in solution.routes[v]
        if s.node not in revisited  # widened, it would lose its revisit
    )


def _widen(problem: TeamProblem, j: int) -> int:
    """Give single visit ``j`` (not a revisit) its full windows and vehicles back, and
    give up its short-notice revisit; 1 if it was narrower, else 0."""
    parent = problem.parent_node
    if parent is not None and parent[j] >= 0:
        return 0
    if problem.pair_of_node[j] >= 0 or problem.windows[j] == problem.full_windows[j]:
        return 0
    problem.windows[j] = problem.full_windows[j]
    problem.vehicles[j] = problem.full_vehicles[j]
    if parent is not None:
        for r in np.flatnonzero(parent == j):
            problem.vehicles[int(r)] = []
    return 1
