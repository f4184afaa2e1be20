"""Routing with day copies: one OR-Tools model per team chooses, for every due visit,
the officer-day, the arrival time and the order, minimising travel plus the cost of
lateness and of dropped visits (which are dropped in order of urgency).

Works on :class:`~scheduler.plan.problem.TeamProblem` arrays only; returns plain arrays.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

WEEK_MIN = 7 * 24 * 60

#: Local-search operators left out when the search descends to a local optimum (no
#: guided local search, the weekly planner's default): as good objectives in less time,
#: since two-officer visits are booked before routing and pair and subtrip moves have
#: nothing to move; the path LNS also made routes differ from one process to the next,
#: so a seed would not replay a plan. Re-inserting unperformed visits along a route
#: moved to an empty officer-day (OR-Tools 9.12+) was over half the search; the
#: exchange-and-make-active move of :data:`DESCENT_OPERATORS_ON` does its job (a visit
#: that does not fit taken in for one that does) far more cheaply. Measurements:
#: docs/design/routing-search.md.
DESCENT_OPERATORS_OFF = (
    "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
    "use_global_cheapest_insertion_visit_types_lns",
    "use_local_cheapest_insertion_visit_types_lns",
    "use_relocate_expensive_chain",
    "use_exchange_subtrip",
    "use_relocate_subtrip",
    "use_lin_kernighan",
    "use_make_chain_inactive",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
)

#: Operators OR-Tools leaves off by default that the descent uses: two visits swap
#: places and a dropped one is taken in, which makes room for a visit that fits nowhere
#: as the routes are (national's week: 13 more visits made, 25% less search).
DESCENT_OPERATORS_ON = ("use_exchange_and_make_active",)


@dataclass
class Stop:
    node: int  # visit node (index into the problem's visit nodes, not the routing index)
    arrival_s: int  # planned arrival (week seconds), earliest consistent with the route
    latest_s: int  # latest arrival that keeps the rest of the route feasible
    travel_to_s: int


@dataclass
class TeamSolution:
    """Routes per vehicle (officer-day) and the dropped visit nodes."""

    routes: list[list[Stop]]
    return_travel_s: np.ndarray  # (V,) travel from last stop back to base
    dropped: list[int]
    objective: int
    status: str
    #: CPU seconds inside OR-Tools (first solution and local search), over every pass
    #: that led to this solution: a statistic for the benchmarks, never an input.
    search_s: float = 0.0


def solve_team(
    problem,
    time_limit_s: float,
    guided_local_search: bool = True,
    initial_routes: list[list[int]] | None = None,
) -> TeamSolution:
    """Solve one team's week. ``problem`` is a :class:`~scheduler.plan.problem.TeamProblem`.

    ``initial_routes`` (visit nodes per vehicle) starts the search from a known plan
    instead of building a first solution; a plan the model rejects is ignored.
    """
    K, n = problem.n_officers, problem.n_nodes
    N = n - K
    V = len(problem.veh_officer)
    if N == 0 or V == 0:
        return TeamSolution(
            [[] for _ in range(V)], np.zeros(V, np.int64), list(range(N)), 0, "empty"
        )
    starts = [int(problem.veh_officer[v]) for v in range(V)]
    manager = pywrapcp.RoutingIndexManager(n, V, starts, starts)
    model = pywrapcp.RoutingModel(manager)
    for k in set(range(K)) - set(starts):  # an officer away all week: base never visited
        index = manager.NodeToIndex(k)
        model.VehicleVar(index).SetValues([-1])
        model.AddDisjunction([index], 0)
    time_dim = _add_dimensions(problem, model)
    _add_visit_nodes(problem, model, manager, time_dim)
    params = search_parameters(guided_local_search, time_limit_s)
    model.CloseModelWithParameters(params)
    start = None
    if initial_routes is not None:
        start = model.ReadAssignmentFromRoutes(
            [[manager.NodeToIndex(K + j) for j in route] for route in initial_routes], True
        )
    clock = time.process_time()
    if start is None:
        start = model.SolveWithParameters(first_solution_parameters(params))
    solution = None if start is None else model.SolveFromAssignmentWithParameters(start, params)
    search_s = time.process_time() - clock
    if solution is None:
        return TeamSolution(
            [[] for _ in range(V)],
            np.zeros(V, np.int64),
            list(range(N)),
            0,
            "no solution",
            search_s,
        )
    return replace(_extract(problem, model, manager, time_dim, solution), search_s=search_s)


def _add_dimensions(problem, model):
    """Arc costs per officer, the time and work dimensions (and load, when the problem
    has one); returns the time dimension."""
    K = problem.n_officers
    V = len(problem.veh_officer)
    # The time model runs in whole minutes: OR-Tools keeps a bitset per time variable,
    # and a week in seconds makes every window with a gap 50x slower to post. Travel and
    # visit times round up, so a plan feasible in minutes is feasible in seconds.
    travel_min = ceil_min(problem.travel_s)
    transit = travel_min + ceil_min(problem.service_s)[:, None]
    transit_idx = model.RegisterTransitMatrix(transit.tolist())

    # Arc cost per officer, in seconds: travel, plus a cover charge on arriving at someone
    # else's offender, so cover happens only when it is needed or saves more than it costs.
    for k in range(K):
        cost = problem.travel_s.copy()
        foreign = (problem.manager != k) & problem.charge_cover
        cost[:, K:][:, foreign] += problem.cover_penalty_s
        if problem.visit_vehicle_cost is not None:
            _set_vehicle_arc_costs(problem, model, cost, k)
            continue
        idx = model.RegisterTransitMatrix(cost.tolist())
        for v in range(V):
            if problem.veh_officer[v] == k:
                model.SetArcCostEvaluatorOfVehicle(idx, v)

    horizon = WEEK_MIN if problem.horizon_s is None else int(problem.horizon_s) // 60
    model.AddDimension(transit_idx, horizon, horizon, False, "time")
    time_dim = model.GetDimensionOrDie("time")
    budgets = [int(b) // 60 for b in problem.veh_budget_s]
    model.AddDimensionWithVehicleCapacity(transit_idx, 0, budgets, True, "work")
    for v in range(V):
        lo, hi = -(-int(problem.veh_start_s[v]) // 60), int(problem.veh_end_s[v]) // 60
        time_dim.CumulVar(model.Start(v)).SetRange(lo, hi)
        time_dim.CumulVar(model.End(v)).SetRange(lo, hi)
        model.AddVariableMinimizedByFinalizer(time_dim.CumulVar(model.Start(v)))
        model.AddVariableMinimizedByFinalizer(time_dim.CumulVar(model.End(v)))

    if problem.demand is not None and problem.veh_capacity is not None:
        load_idx = model.RegisterUnaryTransitVector([int(q) for q in problem.demand])
        capacities = [int(c) for c in problem.veh_capacity]
        model.AddDimensionWithVehicleCapacity(load_idx, 0, capacities, True, "load")
    return time_dim


def _set_vehicle_arc_costs(problem, model, cost: np.ndarray, k: int) -> None:
    """Officer ``k``'s arc costs, one matrix per vehicle of theirs with the problem's
    ``visit_vehicle_cost`` added to the arcs into each visit node (a re-plan's price for
    moving a visit off its issued officer-day)."""
    K = problem.n_officers
    for v in np.flatnonzero(problem.veh_officer == k):
        own = cost.copy()
        own[:, K:] += problem.visit_vehicle_cost[:, int(v)][None, :]
        model.SetArcCostEvaluatorOfVehicle(model.RegisterTransitMatrix(own.tolist()), int(v))


def _add_visit_nodes(problem, model, manager, time_dim) -> None:
    """Each visit node: its allowed vehicles, drop penalty, arrival windows and the soft
    deadline past which lateness costs."""
    K = problem.n_officers
    for j in range(problem.n_nodes - K):
        index = manager.NodeToIndex(K + j)
        wins = minute_windows(problem.windows[j])
        vehicles = [int(v) for v in problem.vehicles[j]] if wins else []
        model.VehicleVar(index).SetValues([-1, *vehicles])
        model.AddDisjunction([index], int(problem.penalty[j]))
        if not wins:
            continue
        cumul = time_dim.CumulVar(index)
        lo, hi = wins[0][0], wins[-1][1]
        cumul.SetRange(lo, hi)
        for (_, e), (s2, _) in zip(wins, wins[1:], strict=False):
            cumul.RemoveInterval(e + 1, s2 - 1)
        deadline = int(problem.deadline_s[j]) // 60
        if deadline < hi:
            time_dim.SetCumulVarSoftUpperBound(index, deadline, int(problem.late_cost[j]) * 60)


def search_parameters(guided_local_search: bool, time_limit_s: float):
    """Parallel cheapest insertion, then guided local search or a plain descent without
    :data:`DESCENT_OPERATORS_OFF` and with :data:`DESCENT_OPERATORS_ON`, for
    ``time_limit_s``."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    if guided_local_search:
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
    else:
        for name in DESCENT_OPERATORS_OFF:
            setattr(params.local_search_operators, name, optional_boolean_pb2.BOOL_FALSE)
        for name in DESCENT_OPERATORS_ON:
            setattr(params.local_search_operators, name, optional_boolean_pb2.BOOL_TRUE)
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    return params


def first_solution_parameters(params):
    """``params`` for the first solution alone, without a time limit.

    Cut by the clock, OR-Tools' insertion heuristic returns what it has inserted so far
    and leaves every other visit unperformed, which reads as visits dropped for
    capacity. The first solution is therefore built in full, and only the local search
    that improves it is time-limited, so a time limit costs travel, never visits that
    fit (docs/design/routing-search.md)."""
    first = pywrapcp.DefaultRoutingSearchParameters()
    first.CopyFrom(params)
    first.ClearField("time_limit")
    first.solution_limit = 1
    return first


def ceil_min(seconds: np.ndarray) -> np.ndarray:
    """Seconds rounded up to the routing model's whole minutes."""
    return (-(-np.asarray(seconds, dtype=np.int64) // 60)).astype(np.int64)


def minute_windows(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Half-open second intervals -> inclusive minute intervals with the same whole-minute
    arrivals (minute m is allowed when s <= 60 m < e); empty ones vanish."""
    out: list[tuple[int, int]] = []
    for s, e in windows:
        lo, hi = -(-s // 60), -(-e // 60) - 1
        if lo <= hi:
            if out and lo <= out[-1][1] + 1:
                out[-1] = (out[-1][0], max(out[-1][1], hi))
            else:
                out.append((lo, hi))
    return out


def _extract(problem, model, manager, time_dim, solution) -> TeamSolution:
    """Pull the solution into plain lists before anyone formats it."""
    K = problem.n_officers
    V = len(problem.veh_officer)
    routes: list[list[Stop]] = []
    back = np.zeros(V, np.int64)
    seen: set[int] = set()
    for v in range(V):
        stops: list[Stop] = []
        index = model.Start(v)
        prev = manager.IndexToNode(index)
        index = solution.Value(model.NextVar(index))
        while not model.IsEnd(index):
            node = manager.IndexToNode(index)
            cumul = time_dim.CumulVar(index)
            stops.append(
                Stop(
                    node - K,
                    solution.Min(cumul) * 60,
                    solution.Max(cumul) * 60,
                    int(problem.travel_s[prev, node]),
                )
            )
            seen.add(node - K)
            prev = node
            index = solution.Value(model.NextVar(index))
        back[v] = int(problem.travel_s[prev, manager.IndexToNode(index)]) if stops else 0
        set_latest(problem, stops, int(back[v]), int(problem.veh_end_s[v]))
        routes.append(stops)
    dropped = [j for j in range(problem.n_nodes - K) if j not in seen]
    return TeamSolution(routes, back, dropped, int(solution.ObjectiveValue()), "ok")


def set_latest(problem, stops: list[Stop], back_s: int, end_s: int) -> None:
    """Latest arrival at each stop that keeps every later stop and the return to base
    on time: a backward pass, so officers get a true arrival window."""
    K = problem.n_officers
    latest_next = end_s - back_s
    for stop in reversed(stops):
        service = int(problem.service_s[K + stop.node])
        hi = latest_next - service
        window_hi = next(e - 1 for s, e in problem.windows[stop.node] if s <= stop.arrival_s < e)
        stop.latest_s = max(stop.arrival_s, min(hi, window_hi))
        latest_next = stop.latest_s - stop.travel_to_s
