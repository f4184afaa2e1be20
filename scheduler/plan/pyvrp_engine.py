"""A team's week solved by PyVRP's iterated local search instead of OR-Tools.

The same :class:`~scheduler.plan.problem.TeamProblem` in, the same
:class:`~scheduler.plan.routing.TeamSolution` out, so the repair passes, the rota and
the literature benchmarks take either engine. The translation:

* each officer's base is a depot; each vehicle (officer-day) is a vehicle type with the
  shift as its time window and its visit-hour budget as ``max_distance`` over a
  distance of travel plus the visit's time (exactly the OR-Tools work dimension);
* each allowed arrival interval of a visit is a client, and the clients of one visit
  form a mutually exclusive group: PyVRP picks the day and time of day as OR-Tools
  picks a value of its time variable;
* a visit's drop penalty is its clients' prize (plus the visit time its distance
  carries, so that making a visit costs its travel alone, as in OR-Tools);
* lateness past a soft deadline: the late part of an interval is cut into
  :data:`LATE_STEP_S` pieces, each a client whose prize is lowered by the lateness at
  its middle (within a quarter of an hour of what OR-Tools charges; plans are costed
  exactly afterwards, :func:`plan_cost`);
* the vehicles a visit may use: a routing profile per officer (per officer-day where
  one officer's days differ), in which arcs into a visit it may not make are
  impossibly long;
* the cover charge for another officer's offender: a second client for the same
  piece, open to everyone but the manager, with the prize less the charge.

The time model is OR-Tools' (whole minutes, rounded up), so a plan feasible in one is
feasible in the other; costs and the visit-hour budget are in seconds.

What PyVRP cannot state: a revisit that must come after its first visit
(``parent_node``) and a re-plan's price per visit and vehicle (``visit_vehicle_cost``).
:func:`unfit_reason` names them; :func:`solve_team_with` then uses OR-Tools.

The search stops after a number of iterations, not a clock, so a seed replays the
plan on any machine; a time limit stops it too (for the literature benchmarks, where
time is the budget).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from scheduler.plan.routing import Stop, TeamSolution, ceil_min, minute_windows, set_latest

#: Late intervals are cut into pieces of this length, each priced at its own lateness.
LATE_STEP_S = 1800
#: Iterations per visit node (with a floor) when no iteration count is given.
ITERATIONS_PER_VISIT = 40
MIN_ITERATIONS = 2000


def unfit_reason(problem) -> str | None:
    """Why PyVRP cannot state this problem exactly (None when it can)."""
    if problem.parent_node is not None and bool(np.any(problem.parent_node >= 0)):
        return "a short-notice revisit must follow its first visit"
    if problem.visit_vehicle_cost is not None:
        return "a re-plan prices each visit per officer-day"
    if _worst_penalised_cost(problem) >= 2**63:
        return "its penalised costs would overflow PyVRP's 64-bit integers"
    return None


def _max_penalty(problem) -> float:
    """PyVRP's ceiling on a unit of excess distance or time warp: a minute of lateness
    past a window must cost more than any prize it would collect, or the search
    settles on plans that are not feasible (PyVRP's default ceiling, 1e5 per unit, is a
    tenth of one visit's drop penalty here)."""
    return max(1e5, 10.0 * float(np.max(problem.penalty, initial=0)))


def _worst_penalised_cost(problem) -> float:
    """A bound on the penalised cost of one route through every visit at
    :func:`_max_penalty`, each arc the longest there is in distance and in duration:
    :func:`_big` when some visit is closed to some vehicle, else a real trip and visit.
    Past 2**63 the costs wrap round and a local search never ends (seen on a literature
    adapter's all-days model with its drop penalties at 1,000 longest arcs)."""
    V = len(problem.veh_officer)
    closed = any(0 < len(vehicles) < V for vehicles in problem.vehicles)
    arc = (
        _big(problem)
        if closed
        else int(np.max(problem.travel_s, initial=0)) + int(np.max(problem.service_s, initial=0))
    )
    arcs = problem.n_nodes - problem.n_officers + 1
    return 2.0 * arcs * max(arc, 1) * _max_penalty(problem)


@dataclass
class _Model:
    """A problem translated for PyVRP, with the maps back."""

    data: Any  # pyvrp.ProblemData (imported when the engine runs)
    client_node: list[int]  # client index -> visit node
    client_window: list[tuple[int, int]]  # client index -> (lo, hi) arrival minutes
    client_closed: list[frozenset[int]]  # client index -> profiles that may not make it
    type_vehicles: list[list[int]]  # vehicle type -> its vehicles (officer-days)
    vehicle_type: np.ndarray  # (V,) vehicle -> its type
    vehicle_profile: np.ndarray  # (V,) vehicle -> its routing profile
    travel_min: np.ndarray  # (K+N, K+N) travel in the model's minutes (rounded up)
    service_min: np.ndarray  # (K+N,) visit time in the model's minutes
    start_min: np.ndarray  # (V,) each vehicle's earliest start, in minutes


def solve_team_pyvrp(
    problem,
    time_limit_s: float,
    initial_routes: list[list[int]] | None = None,
    *,
    iterations: int | None = None,
    seed: int = 0,
) -> TeamSolution:
    """Solve one team's week with PyVRP: ``iterations`` (default by size) or
    ``time_limit_s``, whichever comes first; ``iterations=0`` runs on the clock alone.
    ``initial_routes`` (visit nodes per vehicle) is a starting plan."""
    from pyvrp import PenaltyParams, SolveParams, solve
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

    entered = time.perf_counter()
    K, n = problem.n_officers, problem.n_nodes
    N, V = n - K, len(problem.veh_officer)
    if N == 0 or V == 0:
        return TeamSolution(
            [[] for _ in range(V)], np.zeros(V, np.int64), list(range(N)), 0, "empty"
        )
    model = _translate(problem)
    if not model.client_node:
        return _solution(problem, model, [[] for _ in range(V)], 0.0)
    if iterations is None:
        iterations = max(MIN_ITERATIONS, ITERATIONS_PER_VISIT * N)
    start = _initial_solution(problem, model, initial_routes)
    # The limit holds the translation too (large multi-day problems take a while).
    clock = MaxRuntime(max(time_limit_s - (time.perf_counter() - entered), 0.01))
    stop = clock if iterations == 0 else MultipleCriteria([MaxIterations(iterations), clock])
    cpu = time.process_time()
    params = SolveParams(penalty=PenaltyParams(max_penalty=_max_penalty(problem)))
    result = solve(
        model.data,
        stop,
        seed=seed,
        collect_stats=False,
        display=False,
        params=params,
        initial_solution=start,
    )
    search_s = time.process_time() - cpu
    best = result.best
    if not best.is_feasible():
        if start is None:
            return _solution(problem, model, [[] for _ in range(V)], search_s, "no solution")
        best = start
    return _solution(problem, model, _routes(model, best, V), search_s)


def _translate(problem) -> _Model:
    from pyvrp import Client, ClientGroup, Depot, Location, ProblemData, VehicleType

    K = problem.n_officers
    N = problem.n_nodes - K
    V = len(problem.veh_officer)
    travel_min = ceil_min(problem.travel_s)
    service_min = ceil_min(problem.service_s)
    veh_lo = ceil_min(problem.veh_start_s)
    veh_hi = np.asarray(problem.veh_end_s, dtype=np.int64) // 60
    profile = _vehicle_profiles(problem, veh_lo, veh_hi)
    P = int(profile.max()) + 1
    # Clients: one per allowed arrival piece; locations: one per (node, profiles that
    # may not make it), so copies of a visit share a location where they can.
    location_of: dict[tuple[int, frozenset[int]], int] = {}
    location_node: list[int] = list(range(K))
    forbidden_of_location: list[frozenset[int]] = [frozenset()] * K
    pieces: list[tuple[int, int, int, int]] = []  # (node, lo, hi, prize)
    piece_location: list[int] = []
    for j in range(N):
        allowed = set(int(v) for v in problem.vehicles[j])
        for lo, hi, prize in _priced_pieces(problem, j):
            near = [v for v in range(V) if veh_lo[v] <= hi and lo <= veh_hi[v]]
            for who, price in _crews(problem, j, allowed, prize):
                if not any(v in who for v in near):
                    continue
                forbidden = frozenset(int(profile[v]) for v in near if v not in who)
                key = (j, forbidden)
                if key not in location_of:
                    location_of[key] = len(location_node)
                    location_node.append(K + j)
                    forbidden_of_location.append(forbidden)
                pieces.append((j, lo, hi, price))
                piece_location.append(location_of[key])
    nodes = np.asarray(location_node, dtype=np.int64)
    big = _big(problem)
    distance: list[Any] = []
    duration: list[Any] = []
    base_cost = problem.travel_s[np.ix_(nodes, nodes)] + problem.service_s[nodes][None, :]
    base_time = travel_min[np.ix_(nodes, nodes)]
    for p in range(P):
        blocked = [i for i, f in enumerate(forbidden_of_location) if p in f]
        dist, dur = base_cost.copy(), base_time.copy()
        dist[:, blocked] = big
        dur[:, blocked] = big
        np.fill_diagonal(dist, 0)
        np.fill_diagonal(dur, 0)
        distance.append(dist)
        duration.append(dur)
    horizon_min = (7 * 24 * 60 if problem.horizon_s is None else int(problem.horizon_s) // 60) + 1
    has_load = problem.demand is not None and problem.veh_capacity is not None
    depots = [Depot(k, tw_early=0, tw_late=horizon_min) for k in range(K)]
    groups_of: dict[int, list[int]] = defaultdict(list)
    for c, (j, *_rest) in enumerate(pieces):
        groups_of[j].append(c)
    group_index: dict[int, int] = {}
    groups: list[ClientGroup] = []
    for j, members in groups_of.items():
        if len(members) > 1:
            group_index[j] = len(groups)
            groups.append(ClientGroup(members, required=False))
    clients = [
        Client(
            piece_location[c],
            delivery=[int(problem.demand[K + j])] if has_load else [],
            service_duration=int(service_min[K + j]),
            tw_early=lo,
            tw_late=hi,
            prize=prize,
            required=False,
            group=group_index.get(j),
        )
        for c, (j, lo, hi, prize) in enumerate(pieces)
    ]
    types: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for v in range(V):
        budget = int(problem.veh_budget_s[v])
        vkey = (
            int(problem.veh_officer[v]),
            int(profile[v]),
            int(veh_lo[v]),
            int(veh_hi[v]),
            budget,
            int(problem.veh_capacity[v]) if has_load else -1,
        )
        types[vkey].append(v)
    vehicle_types = []
    vehicle_type = np.zeros(V, dtype=np.int64)
    for t, ((k, p, lo, hi, budget, cap), members) in enumerate(types.items()):
        vehicle_types.append(
            VehicleType(
                num_available=len(members),
                capacity=[cap] if has_load else [],
                start_depot=k,
                end_depot=k,
                tw_early=lo,
                tw_late=hi,
                start_late=hi,
                max_distance=budget,
                profile=p,
            )
        )
        vehicle_type[members] = t
    data = ProblemData(
        locations=[Location(0, 0) for _ in location_node],
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=distance,
        duration_matrices=duration,
        groups=groups,
    )
    return _Model(
        data=data,
        client_node=[j for j, *_ in pieces],
        client_window=[(lo, hi) for _, lo, hi, _ in pieces],
        client_closed=[forbidden_of_location[loc] for loc in piece_location],
        type_vehicles=list(types.values()),
        vehicle_type=vehicle_type,
        vehicle_profile=profile,
        travel_min=travel_min,
        service_min=service_min,
        start_min=veh_lo,
    )


def _vehicle_profiles(problem, veh_lo: np.ndarray, veh_hi: np.ndarray) -> np.ndarray:
    """A routing profile per officer, or per officer-day where the officer's vehicles
    disagree on a visit both could reach in time (then arcs alone cannot tell them)."""
    V = len(problem.veh_officer)
    officer = np.asarray(problem.veh_officer, dtype=np.int64)
    for key in (officer, officer * 100_000 + np.asarray(problem.veh_day), np.arange(V)):
        if _consistent(problem, key, veh_lo, veh_hi):
            break
    _, profile = np.unique(key, return_inverse=True)
    return profile.astype(np.int64)


def _consistent(problem, key: np.ndarray, veh_lo: np.ndarray, veh_hi: np.ndarray) -> bool:
    """Whether, for every visit interval, the vehicles of one ``key`` that overlap it
    are all allowed or all not."""
    K = problem.n_officers
    V = len(key)
    for j in range(problem.n_nodes - K):
        allowed = set(int(v) for v in problem.vehicles[j])
        if not allowed or len(allowed) == V:
            continue
        for lo, hi in minute_windows(problem.windows[j]):
            seen: dict[int, bool] = {}
            for v in range(V):
                if veh_lo[v] <= hi and lo <= veh_hi[v]:
                    ok = v in allowed
                    if seen.setdefault(int(key[v]), ok) != ok:
                        return False
    return True


def _crews(problem, j: int, allowed: set[int], prize: int) -> list[tuple[set[int], int]]:
    """Who may make visit node ``j``, as (vehicles, prize) variants: where cover is
    charged, the manager's vehicles at the full prize and everyone else's at the prize
    less the cover charge, so the charge is exact whoever makes the visit."""
    if not problem.charge_cover[j] or not problem.cover_penalty_s:
        return [(allowed, prize)]
    own = {v for v in allowed if int(problem.veh_officer[v]) == int(problem.manager[j])}
    cover = max(0, prize - int(problem.cover_penalty_s))
    return [(own, prize), (allowed - own, cover)]


def _priced_pieces(problem, j: int) -> list[tuple[int, int, int]]:
    """Node ``j``'s arrival intervals in minutes (inclusive) with their prizes: the
    drop penalty plus the visit time, less the lateness at the piece's middle."""
    K = problem.n_officers
    base = int(problem.penalty[j]) + int(problem.service_s[K + j])
    deadline = int(problem.deadline_s[j]) // 60
    late_cost = int(problem.late_cost[j]) * 60
    step = LATE_STEP_S // 60
    out: list[tuple[int, int, int]] = []
    for lo, hi in minute_windows(problem.windows[j]):
        if hi <= deadline:
            out.append((lo, hi, base))
            continue
        if lo <= deadline:
            out.append((lo, deadline, base))
            lo = deadline + 1
        while lo <= hi:
            end = min(hi, lo + step - 1)
            out.append((lo, end, max(0, base - late_cost * ((lo + end) // 2 - deadline))))
            lo = end + 1
    return out


def _big(problem) -> int:
    """An arc no route can afford: longer than any horizon and any budget."""
    horizon = 7 * 24 * 3600 if problem.horizon_s is None else int(problem.horizon_s)
    return int(max(horizon, int(np.max(problem.veh_budget_s)), 1) * 4 + 1)


def _initial_solution(problem, model: _Model, initial_routes: list[list[int]] | None):
    """A starting plan for PyVRP from visit nodes per vehicle: each visit at the
    earliest of its pieces its route can reach; None if there is none or it breaks."""
    if initial_routes is None:
        return None
    from pyvrp import Route, Solution

    K = problem.n_officers
    pieces_of: dict[int, list[int]] = defaultdict(list)
    for c, j in enumerate(model.client_node):
        pieces_of[j].append(c)
    travel_min, service_min = model.travel_min, model.service_min
    routes = []
    for v, nodes in enumerate(initial_routes):
        if not nodes:
            continue
        t = int(model.start_min[v])
        prev = int(problem.veh_officer[v])
        visits = []
        for j in nodes:
            t += int(travel_min[prev, K + j])
            options = [
                c
                for c in pieces_of.get(j, [])
                if model.client_window[c][1] >= t and _reachable(problem, model, c, v)
            ]
            if not options:
                return None
            c = min(options, key=lambda c: model.client_window[c][0])
            t = max(t, model.client_window[c][0]) + int(service_min[K + j])
            prev = K + j
            visits.append(c)
        routes.append(Route(model.data, visits, int(model.vehicle_type[v])))
    solution = Solution(model.data, routes)
    return solution if solution.is_feasible() else None


def _reachable(problem, model: _Model, c: int, v: int) -> bool:
    closed = int(model.vehicle_profile[v]) in model.client_closed[c]
    return not closed and v in problem.vehicles[model.client_node[c]]


def _routes(model: _Model, solution, V: int) -> list[list[int]]:
    """Client indices per vehicle, the routes of a type given to its vehicles in order."""
    out: list[list[int]] = [[] for _ in range(V)]
    used: dict[int, int] = defaultdict(int)
    for route in solution.routes():
        t = int(route.vehicle_type())
        v = model.type_vehicles[t][used[t]]
        used[t] += 1
        out[v] = [int(a.idx) for a in route.schedule() if a.type.name == "CLIENT"]
    return out


def _solution(
    problem, model: _Model, routes: list[list[int]], search_s: float, status: str = "ok"
) -> TeamSolution:
    """Stops at their earliest arrivals (as OR-Tools' minimum cumuls), the latest
    arrivals that keep each route on time, and the plan's cost in OR-Tools' terms."""
    K = problem.n_officers
    V = len(problem.veh_officer)
    travel_min, service_min = model.travel_min, model.service_min
    out: list[list[Stop]] = []
    back = np.zeros(V, np.int64)
    seen: set[int] = set()
    for v in range(V):
        t = int(model.start_min[v])
        prev = int(problem.veh_officer[v])
        stops: list[Stop] = []
        for c in routes[v]:
            j = model.client_node[c]
            t = max(t + int(travel_min[prev, K + j]), model.client_window[c][0])
            stops.append(Stop(j, t * 60, t * 60, int(problem.travel_s[prev, K + j])))
            t += int(service_min[K + j])
            prev = K + j
            seen.add(j)
        back[v] = int(problem.travel_s[prev, int(problem.veh_officer[v])]) if stops else 0
        set_latest(problem, stops, int(back[v]), int(problem.veh_end_s[v]))
        out.append(stops)
    dropped = [j for j in range(problem.n_nodes - K) if j not in seen]
    solution = TeamSolution(out, back, dropped, 0, status, search_s)
    solution.objective = plan_cost(problem, solution)
    return solution


def plan_cost(problem, solution: TeamSolution) -> int:
    """A solution's cost as OR-Tools' objective states it: travel, cover charges, the
    re-plan's moving prices, lateness past soft deadlines (per whole minute) and drop
    penalties; so plans from either engine compare on one scale."""
    total = 0
    for v, stops in enumerate(solution.routes):
        k = int(problem.veh_officer[v])
        for s in stops:
            total += s.travel_to_s
            if problem.charge_cover[s.node] and int(problem.manager[s.node]) != k:
                total += int(problem.cover_penalty_s)
            if problem.visit_vehicle_cost is not None:
                total += int(problem.visit_vehicle_cost[s.node, v])
            late = s.arrival_s // 60 - int(problem.deadline_s[s.node]) // 60
            if late > 0:
                total += late * int(problem.late_cost[s.node]) * 60
        total += int(solution.return_travel_s[v])
    total += sum(int(problem.penalty[j]) for j in solution.dropped)
    return int(total)
