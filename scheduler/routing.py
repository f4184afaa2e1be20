"""Routing with day copies: one OR-Tools model per team chooses, for every due visit,
the officer-day, the arrival time and the order, minimising travel plus the cost of
lateness and of dropped visits (which are dropped in order of urgency).

Works on :class:`~scheduler.problem.TeamProblem` arrays only; returns plain arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

WEEK_S = 7 * 86_400


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


def solve_team(problem, time_limit_s: float, guided_local_search: bool = True) -> TeamSolution:
    """Solve one team's week. ``problem`` is a :class:`~scheduler.problem.TeamProblem`."""
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

    travel = problem.travel_s
    service = problem.service_s
    # Transit for time and work: service at the origin plus the drive.
    transit = (travel + service[:, None]).astype(np.int64)
    transit_idx = model.RegisterTransitMatrix(transit.tolist())

    # Arc cost per officer: travel, plus a cover charge on arriving at someone else's
    # offender, so cover happens only when it is needed or saves more than it costs.
    for k in range(K):
        cost = travel.copy()
        foreign = (problem.manager != k) & problem.charge_cover
        cost[:, K:][:, foreign] += problem.cover_penalty_s
        idx = model.RegisterTransitMatrix(cost.tolist())
        for v in range(V):
            if problem.veh_officer[v] == k:
                model.SetArcCostEvaluatorOfVehicle(idx, v)

    model.AddDimension(transit_idx, WEEK_S, WEEK_S, False, "time")
    time_dim = model.GetDimensionOrDie("time")
    model.AddDimensionWithVehicleCapacity(
        transit_idx, 0, [int(b) for b in problem.veh_budget_s], True, "work"
    )
    for v in range(V):
        lo, hi = int(problem.veh_start_s[v]), int(problem.veh_end_s[v])
        time_dim.CumulVar(model.Start(v)).SetRange(lo, hi)
        time_dim.CumulVar(model.End(v)).SetRange(lo, hi)
        model.AddVariableMinimizedByFinalizer(time_dim.CumulVar(model.Start(v)))
        model.AddVariableMinimizedByFinalizer(time_dim.CumulVar(model.End(v)))

    for j in range(N):
        index = manager.NodeToIndex(K + j)
        wins = problem.windows[j]
        cumul = time_dim.CumulVar(index)
        lo, hi = wins[0][0], wins[-1][1] - 1
        cumul.SetRange(lo, hi)
        for (_, e), (s2, _) in zip(wins, wins[1:], strict=False):
            if s2 > e:
                cumul.RemoveInterval(e, s2 - 1)
        model.VehicleVar(index).SetValues([-1] + [int(v) for v in problem.vehicles[j]])
        model.AddDisjunction([index], int(problem.penalty[j]))
        if problem.deadline_s[j] < hi:
            time_dim.SetCumulVarSoftUpperBound(
                index, int(problem.deadline_s[j]), int(problem.late_cost[j])
            )
        model.AddToAssignment(time_dim.SlackVar(index))

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    if guided_local_search:
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    solution = model.SolveWithParameters(params)
    if solution is None:
        return TeamSolution(
            [[] for _ in range(V)], np.zeros(V, np.int64), list(range(N)), 0, "no solution"
        )
    return _extract(problem, model, manager, time_dim, solution)


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
                    solution.Min(cumul),
                    solution.Max(cumul),
                    int(problem.travel_s[prev, node]),
                )
            )
            seen.add(node - K)
            prev = node
            index = solution.Value(model.NextVar(index))
        back[v] = int(problem.travel_s[prev, manager.IndexToNode(index)]) if stops else 0
        _set_latest(problem, stops, int(back[v]), int(problem.veh_end_s[v]))
        routes.append(stops)
    dropped = [j for j in range(problem.n_nodes - K) if j not in seen]
    return TeamSolution(routes, back, dropped, int(solution.ObjectiveValue()), "ok")


def _set_latest(problem, stops: list[Stop], back_s: int, end_s: int) -> None:
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
