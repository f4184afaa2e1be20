"""Literature instances as the planner's own :class:`~scheduler.plan.problem.TeamProblem`,
solved by the planner's own :func:`scheduler.plan.routing.solve_team`.

The point is to measure the project's routing core, not a purpose-built solver, so
every instance goes through the same model the weekly planner uses: one "officer"
whose base is the depot, vehicles that are copies of it (one per vehicle, or per
vehicle and day), visit nodes with arrival windows and the allowed vehicles, and
drop penalties so large that every customer that fits is served. Two optional
features of the model exist for these instances only: a load dimension (``demand``,
``veh_capacity``) and a time horizon longer than a week (``horizon_s``).

Units. The routing model runs its clock in whole minutes (seconds rounded up), so
instance units are scaled to make the minute the instance's resolution:

* Solomon: one time/distance unit is :data:`SOLOMON_UNIT_S` = 600 s, so an arc of
  ``floor(10 * euclid) / 10`` units is a whole number of minutes (tenths) and every
  window bound is exact. Arc costs are the same tenths (times 60), so the objective is
  the literature's distance exactly.
* Cordeau PVRP: distances are unrounded, one unit is :data:`PVRP_UNIT_S` = 6000 s,
  so the time model works in hundredths and rounds each arc up: a route within the
  model's duration limit is within the instance's (at most 0.01 per arc is given away).

PVRP is a decomposition around ``solve_team``; see :func:`solve_pvrp`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from benchmarks.literature.instances import PvrpInstance, PvrpRoute, VrptwInstance
from scheduler.plan.engines import Engine, solve_with
from scheduler.plan.problem import TeamProblem

__all__ = [
    "PVRP_UNIT_S",
    "SOLOMON_UNIT_S",
    "PvrpResult",
    "VrptwResult",
    "pvrp_day_problem",
    "solve_pvrp",
    "solve_vrptw",
    "vrptw_problem",
]

#: Seconds per Solomon unit: a truncated tenth of a unit is one routing minute.
SOLOMON_UNIT_S = 600
#: Seconds per PVRP distance unit: the routing minute is a hundredth of a unit.
PVRP_UNIT_S = 6000
#: PyVRP iterations per visit of a day when the search re-routes that day (OR-Tools
#: descends to its local optimum instead), with a floor.
PVRP_STEP_ITERATIONS_PER_VISIT = 2
PVRP_MIN_STEP_ITERATIONS = 50
#: A new best of the search is re-routed with this many times the step's iterations.
POLISH_FACTOR = 3
#: A dropped customer costs this many of the instance's longest arcs, far more than
#: any insertion (two arcs), so the solver drops a customer only when it cannot fit.
DROP_ARCS = 1000


@dataclass
class VrptwResult:
    """Routes as customer sequences (1-based, depot excluded) and what the solver said."""

    routes: list[tuple[int, ...]]
    dropped: list[int]
    seconds: float
    status: str


@dataclass
class PvrpResult:
    """Routes for every day, the chosen day set of each customer, and search statistics."""

    routes: list[PvrpRoute]
    days: dict[int, tuple[int, ...]]
    cost: float  # total distance of ``routes`` (unrounded Euclidean)
    seconds: float
    unserved: int = 0  # customer visits the search could not place (0 when feasible)
    rounds: int = 0
    history: list[tuple[float, float]] = field(default_factory=list)  # (seconds, cost)


# --------------------------------------------------------------------------- common


def _single_base_problem(
    name: str,
    travel_s: np.ndarray,
    service_s: np.ndarray,
    demand: np.ndarray,
    windows: list[list[tuple[int, int]]],
    vehicles: list[list[int]],
    veh_day: np.ndarray,
    veh_start_s: np.ndarray,
    veh_end_s: np.ndarray,
    veh_budget_s: np.ndarray,
    veh_capacity: np.ndarray,
    horizon_s: int,
) -> TeamProblem:
    """A TeamProblem with one base (node 0, the depot) and ``V`` copies of its officer.

    No cover charge, no pairs, no soft deadlines (each deadline is the horizon, past
    every window), so the objective is travel plus drop penalties only.
    """
    N = len(travel_s) - 1
    V = len(veh_day)
    penalty = DROP_ARCS * max(1, int(travel_s.max()))
    full_windows = [list(w) for w in windows]
    return TeamProblem(
        team=name,
        officer_ids=["depot"],
        travel_s=np.ascontiguousarray(travel_s, dtype=np.int64),
        service_s=np.asarray(service_s, dtype=np.int64),
        visit_of_node=np.arange(N, dtype=np.int64),
        penalty=np.full(N, penalty, dtype=np.int64),
        deadline_s=np.full(N, horizon_s, dtype=np.int64),
        late_cost=np.ones(N, dtype=np.int64),
        manager=np.zeros(N, dtype=np.int64),
        charge_cover=np.zeros(N, dtype=bool),
        pair_of_node=np.full(N, -1, dtype=np.int64),
        windows=windows,
        vehicles=vehicles,
        veh_officer=np.zeros(V, dtype=np.int64),
        veh_day=np.asarray(veh_day, dtype=np.int64),
        veh_start_s=np.asarray(veh_start_s, dtype=np.int64),
        veh_end_s=np.asarray(veh_end_s, dtype=np.int64),
        veh_budget_s=np.asarray(veh_budget_s, dtype=np.int64),
        cover_penalty_s=0,
        full_windows=full_windows,
        full_vehicles=[list(v) for v in vehicles],
        demand=np.asarray(demand, dtype=np.int64),
        veh_capacity=np.asarray(veh_capacity, dtype=np.int64),
        horizon_s=int(horizon_s),
    )


# --------------------------------------------------------------------------- VRPTW


def vrptw_problem(instance: VrptwInstance) -> TeamProblem:
    """A Solomon instance as one day of the planner: ``n_vehicles`` copies of the depot's
    officer, customer ``c`` as visit node ``c - 1``, windows, service times, capacity.

    Times are exact in the model's minutes (see the module notes): arrival at customer
    ``c`` may be any whole tenth in ``[ready, due]``, each vehicle leaves the depot no
    earlier than its ready time and returns by its due time.
    """
    inst = instance
    unit_min = SOLOMON_UNIT_S // 60  # routing minutes per instance unit (10)
    tenths = np.rint(inst.distance * unit_min).astype(np.int64)  # distances are k/10
    travel_s = tenths * 60
    service_s = np.ceil(inst.service * unit_min - 1e-9).astype(np.int64) * 60
    lo = np.ceil(inst.ready * unit_min - 1e-9).astype(np.int64)
    hi = np.floor(inst.due * unit_min + 1e-9).astype(np.int64)
    windows = [[(int(lo[c]) * 60, int(hi[c]) * 60 + 1)] for c in range(1, inst.n_customers + 1)]
    V = inst.n_vehicles
    start, end = int(lo[0]) * 60, int(hi[0]) * 60
    return _single_base_problem(
        name=f"vrptw:{inst.name}",
        travel_s=travel_s,
        service_s=service_s,
        demand=inst.demand,
        windows=windows,
        vehicles=[list(range(V)) for _ in range(inst.n_customers)],
        veh_day=np.zeros(V, dtype=np.int64),
        veh_start_s=np.full(V, start),
        veh_end_s=np.full(V, end),
        veh_budget_s=np.full(V, end - start),
        veh_capacity=np.full(V, inst.capacity),
        horizon_s=(int(hi.max()) + 1) * 60,
    )


def solve_vrptw(
    instance: VrptwInstance,
    time_limit_s: float,
    guided_local_search: bool = True,
    engine: Engine = "ortools",
) -> VrptwResult:
    """Solve a Solomon instance with the planner's routing engine ``engine``
    (:func:`scheduler.plan.engines.solve_with`), on the clock."""
    t0 = time.perf_counter()
    problem = vrptw_problem(instance)
    solution = solve_with(engine, problem, time_limit_s, guided_local_search, iterations=0)
    routes = [tuple(stop.node + 1 for stop in r) for r in solution.routes if r]
    return VrptwResult(
        routes=routes,
        dropped=[j + 1 for j in solution.dropped],
        seconds=time.perf_counter() - t0,
        status=solution.status,
    )


# --------------------------------------------------------------------------- PVRP


def _pvrp_minutes(instance: PvrpInstance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arc travel in model seconds, and the routing model's own minutes for arcs and
    service (rounded up exactly as :func:`scheduler.plan.routing.solve_team` rounds them)."""
    travel_s = np.ceil(instance.distance * PVRP_UNIT_S - 1e-6).astype(np.int64)
    service_s = np.ceil(instance.service * PVRP_UNIT_S - 1e-6).astype(np.int64)
    return travel_s, -(-travel_s // 60), -(-service_s // 60)


def _duration_limit_min(instance: PvrpInstance, day: int) -> int | None:
    limit = instance.max_duration[day]
    return None if limit is None else int(math.floor(limit * PVRP_UNIT_S / 60 + 1e-9))


def pvrp_problem(
    instance: PvrpInstance, nodes: list[tuple[int, tuple[int, ...]]], days: list[int]
) -> TeamProblem:
    """PVRP visits as one planner problem with day copies, as the weekly planner builds it.

    ``nodes`` lists visit nodes as (customer, days the visit may be made on); vehicle
    ``v`` is vehicle ``v % m`` on day ``days[v // m]`` with that day's capacity and
    route-duration limit (a budget on travel + service and the end of its shift). A
    node may only use the vehicles of its days, which is how the routing model chooses
    the day of a once-a-period customer; a pattern of several days is not expressible
    here, so such customers come as one node per day of a chosen pattern.
    """
    inst = instance
    m = inst.n_vehicles
    travel_all, tmin, smin = _pvrp_minutes(inst)
    idx = np.array([0] + [c for c, _ in nodes], dtype=np.int64)
    travel_s = travel_all[np.ix_(idx, idx)]
    service_s = np.ceil(inst.service[idx] * PVRP_UNIT_S - 1e-6).astype(np.int64)
    # Without a duration limit the horizon must still hold any route: every arc at most
    # its tail's longest arc.
    bound_min = int(tmin[np.ix_(idx, idx)].max(axis=1).sum() + smin[idx].sum())
    limits = [_duration_limit_min(inst, d) for d in days]
    horizon_min = max([bound_min] + [x for x in limits if x is not None]) + 1
    pos = {d: k for k, d in enumerate(days)}
    vehicles = [sorted(pos[d] * m + r for d in ds if d in pos for r in range(m)) for _, ds in nodes]
    veh_day = np.repeat(np.array(days, dtype=np.int64), m)
    end_min = np.repeat([horizon_min - 1 if x is None else x for x in limits], m)
    return _single_base_problem(
        name=f"pvrp:{inst.name}",
        travel_s=travel_s,
        service_s=service_s,
        demand=inst.demand[idx],
        windows=[[(0, horizon_min * 60)] for _ in nodes],
        vehicles=vehicles,
        veh_day=veh_day,
        veh_start_s=np.zeros(len(veh_day), dtype=np.int64),
        veh_end_s=end_min * 60,
        veh_budget_s=end_min * 60,
        veh_capacity=np.repeat(inst.capacity[days], m),
        horizon_s=horizon_min * 60,
    )


def pvrp_day_problem(instance: PvrpInstance, day: int, customers: list[int]) -> TeamProblem:
    """One day of a PVRP with its visit days already chosen: ``m`` vehicles, capacity and
    duration limit of that day; visit node ``j`` is ``customers[j]``."""
    return pvrp_problem(instance, [(c, (day,)) for c in customers], [day])


class _PvrpState:
    """Visit days and routes of every day, with the route loads and model-minute
    durations needed to test insertions against capacity and the duration limit.

    Costs are unrounded distances; durations are in the routing model's minutes so a
    route accepted here is accepted by ``solve_team`` as a starting plan.
    """

    def __init__(self, instance: PvrpInstance) -> None:
        inst = self.inst = instance
        self.m, self.t = inst.n_vehicles, inst.n_days
        self.dist = np.asarray(inst.distance, dtype=float)
        _, self.tmin, self.smin = _pvrp_minutes(inst)
        self.cap = [int(q) for q in inst.capacity]
        self.dlim = [_duration_limit_min(inst, d) for d in range(self.t)]
        self.allowed = [
            list(inst.allowed_days(c)) if c else [] for c in range(inst.n_customers + 1)
        ]
        self.routes: list[list[list[int]]] = [[[] for _ in range(self.m)] for _ in range(self.t)]
        self.load = np.zeros((self.t, self.m), dtype=np.int64)
        self.durm = np.zeros((self.t, self.m), dtype=np.int64)
        self.days_of: dict[int, tuple[int, ...]] = {}
        self.unplaced: list[tuple[int, int]] = []  # (customer, day) visits not in a route
        self.touched: set[int] = set()  # days changed since they were last routed

    def copy(self) -> _PvrpState:
        other = object.__new__(_PvrpState)
        other.__dict__.update(self.__dict__)
        other.routes = [[list(r) for r in day] for day in self.routes]
        other.load, other.durm = self.load.copy(), self.durm.copy()
        other.days_of, other.unplaced = dict(self.days_of), list(self.unplaced)
        other.touched = set(self.touched)
        return other

    # -- route bookkeeping
    def _refresh(self, d: int, r: int) -> None:
        seq = [0, *self.routes[d][r], 0]
        self.load[d, r] = int(self.inst.demand[seq].sum())
        self.durm[d, r] = int(self.tmin[seq[:-1], seq[1:]].sum() + self.smin[seq].sum())

    def refresh_all(self) -> None:
        for d in range(self.t):
            for r in range(self.m):
                self._refresh(d, r)

    def cost(self) -> float:
        total = 0.0
        for day in self.routes:
            for route in day:
                if route:
                    seq = [0, *route, 0]
                    total += float(self.dist[seq[:-1], seq[1:]].sum())
        return total

    def signature(self) -> tuple[tuple[int, ...], ...]:
        """The day sets, to recognise a candidate already routed."""
        return tuple(self.days_of.get(c, ()) for c in range(1, self.inst.n_customers + 1))

    def key(self) -> tuple[int, float]:
        return (len(self.unplaced), self.cost())

    def best_insertion(self, c: int, d: int) -> tuple[float, int, int]:
        """Cheapest feasible (delta cost, route, position) for customer ``c`` on day ``d``;
        ``inf`` cost when no route of the day can take it."""
        best = (math.inf, -1, -1)
        q = int(self.inst.demand[c])
        dlim = self.dlim[d]
        seen_empty = False
        for r, route in enumerate(self.routes[d]):
            if self.load[d, r] + q > self.cap[d]:
                continue
            if not route:
                if seen_empty:
                    continue
                seen_empty = True
            seq = np.array([0, *route, 0])
            a, b = seq[:-1], seq[1:]
            delta = self.dist[a, c] + self.dist[c, b] - self.dist[a, b]
            if dlim is not None:
                dm = self.tmin[a, c] + self.tmin[c, b] - self.tmin[a, b]
                delta = np.where(self.durm[d, r] + dm + self.smin[c] <= dlim, delta, math.inf)
            k = int(np.argmin(delta))
            if delta[k] < best[0]:
                best = (float(delta[k]), r, k)
        return best

    def removal_saving(self, c: int, d: int) -> float:
        for route in self.routes[d]:
            if c in route:
                k = route.index(c)
                a = route[k - 1] if k else 0
                b = route[k + 1] if k + 1 < len(route) else 0
                return float(self.dist[a, c] + self.dist[c, b] - self.dist[a, b])
        return 0.0  # unplaced: removing it saves no distance

    def insert(self, c: int, d: int, r: int, k: int) -> None:
        self.routes[d][r].insert(k, c)
        self._refresh(d, r)
        self.touched.add(d)

    def remove(self, c: int, d: int) -> None:
        self.touched.add(d)
        for r, route in enumerate(self.routes[d]):
            if c in route:
                route.remove(c)
                self._refresh(d, r)
                return
        self.unplaced.remove((c, d))

    def place(self, c: int, days: tuple[int, ...]) -> None:
        """Insert ``c`` on each of ``days`` at the cheapest feasible place (or unplaced)."""
        self.days_of[c] = days
        for d in days:
            delta, r, k = self.best_insertion(c, d)
            if r < 0:
                self.unplaced.append((c, d))
                self.touched.add(d)
            else:
                self.insert(c, d, r, k)

    def pattern_cost(self, c: int, days: tuple[int, ...]) -> float:
        """Cost of visiting ``c`` on the days of ``days`` it is not visited on yet."""
        have = self.days_of.get(c, ())
        total = 0.0
        for d in days:
            if d not in have:
                delta = self.best_insertion(c, d)[0]
                total += delta if delta < math.inf else 1e9
        return total

    # -- construction and pattern search
    def construct(self, order: list[int]) -> None:
        for c in order:
            options = [(self.pattern_cost(c, p), p) for p in self.allowed[c]]
            self.place(c, min(options)[1])

    def improve_patterns(self, rng: np.random.Generator, deadline: float) -> int:
        """First-improvement descent over visit-day sets: take a customer off the days
        it leaves (saving) and insert it into the days it joins, fewer unplaced visits
        first, then less distance. Every move is strictly better, so it ends. Returns
        the number of moves."""
        moves = 0
        improved = True
        while improved and time.perf_counter() < deadline:
            improved = False
            for c in rng.permutation(np.arange(1, self.inst.n_customers + 1)):
                if time.perf_counter() >= deadline:
                    break
                c = int(c)
                have = self.days_of[c]
                missing = {d for (cc, d) in self.unplaced if cc == c}
                if len(self.allowed[c]) < 2 and not missing:
                    continue
                leave_gain = {d: self.removal_saving(c, d) for d in have}
                best: tuple[int, float, tuple[int, ...] | None] = (len(missing), -1e-7, None)
                for p in self.allowed[c]:
                    if p == have and not missing:
                        continue
                    delta = -sum(leave_gain[d] for d in have if d not in p)
                    left_out = 0
                    for d in p:
                        if d not in have or d in missing:
                            ins = self.best_insertion(c, d)[0]
                            if ins == math.inf:
                                left_out += 1
                            else:
                                delta += ins
                    if (left_out, delta) < best[:2]:
                        best = (left_out, delta, p)
                choice = best[2]
                if choice is None:
                    continue
                for d in have:
                    if d not in choice or d in missing:
                        self.remove(c, d)
                self.days_of[c] = choice
                for d in choice:
                    if not any(c in route for route in self.routes[d]):
                        _, r, k = self.best_insertion(c, d)
                        if r < 0:
                            self.unplaced.append((c, d))
                            self.touched.add(d)
                        else:
                            self.insert(c, d, r, k)
                moves += 1
                improved = True
        return moves

    def choosable(self, once_too: bool = False) -> list[int]:
        """Customers whose day set is a real choice (visited more than once, unless
        ``once_too``)."""
        return [
            c
            for c in range(1, self.inst.n_customers + 1)
            if (once_too or int(self.inst.frequency[c]) > 1) and len(self.allowed[c]) > 1
        ]

    def perturb(self, rng: np.random.Generator, pool: list[int], size: int) -> None:
        """Re-choose the visit days of ``size`` customers of ``pool`` near a random one:
        off all their days, then back in random order, each on a random pattern half
        of the time and on its cheapest one otherwise."""
        seed = pool[int(rng.integers(len(pool)))]
        near = sorted(pool, key=lambda c: self.dist[seed, c])[:size]
        for c in near:
            for d in self.days_of[c]:
                self.remove(c, d)
            self.days_of[c] = ()
        for c in rng.permutation(near):
            c = int(c)
            options = [(self.pattern_cost(c, p), p) for p in self.allowed[c]]
            if rng.random() < 0.5:
                choice = options[int(rng.integers(len(options)))][1]
            else:
                choice = min(options)[1]
            self.place(c, choice)

    # -- the planner's routing, one day at a time
    def day_key(self, d: int) -> tuple[int, float]:
        """Unplaced visits and distance of day ``d`` alone."""
        lost = sum(1 for _, dd in self.unplaced if dd == d)
        return lost, sum(self.route_cost(route) for route in self.routes[d])

    def route_cost(self, route: list[int]) -> float:
        if not route:
            return 0.0
        seq = [0, *route, 0]
        return float(self.dist[seq[:-1], seq[1:]].sum())

    def route_day(
        self,
        d: int,
        time_limit_s: float,
        engine: Engine,
        guided_local_search: bool,
        iterations: int,
    ) -> bool:
        """Re-route day ``d`` (its routes and unplaced visits) with ``engine``, started
        from its current routes; adopt the result when it is no worse. A day is a
        capacitated VRP with a duration limit, which both engines state exactly and
        PyVRP solves near-optimally in a fraction of a second."""
        customers = [c for route in self.routes[d] for c in route]
        customers += [c for c, dd in self.unplaced if dd == d]
        if not customers:
            return False
        problem = pvrp_day_problem(self.inst, d, customers)
        pos = {c: j for j, c in enumerate(customers)}
        start = [[pos[c] for c in route] for route in self.routes[d]]
        solution = solve_with(
            engine, problem, time_limit_s, guided_local_search, start, iterations=iterations
        )
        if solution.status != "ok":
            return False
        routes = [[customers[s.node] for s in stops] for stops in solution.routes]
        dropped = [customers[j] for j in solution.dropped]
        new_key = (len(dropped), sum(self.route_cost(route) for route in routes))
        if new_key > self.day_key(d):
            return False
        self.routes[d] = routes
        self.unplaced = [(c, dd) for c, dd in self.unplaced if dd != d] + [(c, d) for c in dropped]
        for r in range(self.m):
            self._refresh(d, r)
        return True

    def route_days(
        self,
        days: set[int] | list[int],
        deadline: float,
        engine: Engine,
        guided_local_search: bool = False,
        iterations: int = 0,
    ) -> None:
        """Re-route ``days`` in turn, the time left shared among the days still to go."""
        todo = sorted(days)
        for k, d in enumerate(todo):
            left = deadline - time.perf_counter()
            if left <= 0.01:
                return
            self.route_day(d, left / (len(todo) - k), engine, guided_local_search, iterations)
            self.touched.discard(d)

    def to_routes(self) -> list[PvrpRoute]:
        return [
            PvrpRoute(day=d, vehicle=r, customers=tuple(route))
            for d in range(self.t)
            for r, route in enumerate(self.routes[d])
            if route
        ]


def solve_pvrp(
    instance: PvrpInstance,
    time_limit_s: float,
    *,
    seed: int = 0,
    guided_local_search: bool = True,
    starts: int = 10,
    final_share: float = 0.2,
    perturb_share: float = 0.05,
    perturb_once: bool = True,
    screen_share: float = 0.01,
    accept_share: float = 0.005,
    engine: Engine = "ortools",
) -> PvrpResult:
    """Choose each customer's visit days, routing every day with the planner's routing
    engine ``engine`` (:func:`scheduler.plan.engines.solve_with`) on one day at a time.

    With its visit days chosen, a PVRP day is a capacitated VRP with a duration limit,
    which the planner's model states exactly (:func:`pvrp_day_problem`). The day sets
    (a pattern of days for a customer, one day for a once-a-period customer) cannot be
    stated in the routing model, so they are chosen around it:

    1. randomised greedy construction from up to ``starts`` customer orders (each
       customer takes the pattern with the cheapest insertions), then a descent over
       pattern changes priced exactly on the current routes (removal savings on the
       days left, cheapest feasible insertions on the days joined); every day routed;
    2. iterated local search for ``1 - final_share`` of the time: re-choose the days
       of a cluster of ``perturb_share`` of the customers with a choice (random
       pattern or cheapest), descend, re-route the days that changed (PyVRP: a fixed
       number of iterations from the current routes, so a seed replays the search;
       OR-Tools: its descent), descend and re-route again; keep the candidate when it
       is better (fewer unplaced visits, then less distance);
    3. the rest of the time: every day routed on the clock (guided local search for
       OR-Tools), a last descent and the days it changed re-routed.

    The pattern descent prices moves by insertion into routes the engine made, and the
    engine re-routes only the days a step changed, so a step costs a few short routing
    runs instead of a routing of the whole period.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    ils_until = t0 + (1.0 - final_share) * time_limit_s
    rng = np.random.default_rng(seed)
    inst = instance
    all_days = list(range(inst.n_days))
    customers = np.arange(1, inst.n_customers + 1)
    # Customers with many visits and big demands first; ties and near-ties random.
    weight = inst.frequency[customers] * inst.demand[customers]
    history: list[tuple[float, float]] = []

    # 1. Randomised greedy construction: a few customer orders, the cheapest kept.
    construct_until = t0 + 0.05 * time_limit_s
    best: _PvrpState | None = None
    for k in range(max(1, starts)):
        if k and time.perf_counter() > construct_until:
            break
        noise = np.ones(len(customers)) if k == 0 else rng.uniform(0.7, 1.3, len(customers))
        order = [int(c) for c in customers[np.argsort(-weight * noise, kind="stable")]]
        state = _PvrpState(inst)
        state.construct(order)
        state.improve_patterns(rng, construct_until)
        if best is None or state.key() < best.key():
            best = state
    assert best is not None
    history.append((time.perf_counter() - t0, best.cost()))
    steps = _PvrpSteps(engine, ils_until, _step_iterations(inst))
    best.route_days(all_days, ils_until, engine, False, steps.iterations)
    steps.descend(best, rng)
    history.append((time.perf_counter() - t0, best.cost()))

    # 2. Iterated local search over the day sets.
    pool = best.choosable(once_too=perturb_once)
    size = max(2, int(round(perturb_share * len(pool))))
    rounds = 0
    seen = {best.signature()}
    current = best
    ils_from = time.perf_counter()
    while pool and (now := time.perf_counter()) < ils_until:
        cand = current.copy()
        cand.touched = set()
        cand.perturb(rng, pool, size)
        cand.improve_patterns(rng, ils_until)
        rounds += 1
        if not _promising(cand, current, screen_share) or cand.signature() in seen:
            continue
        seen.add(cand.signature())
        steps.descend(cand, rng)
        # Record-to-record travel: accept a candidate within a threshold of the best,
        # the threshold shrinking to nothing by the end of the search.
        threshold = accept_share * (ils_until - now) / max(ils_until - ils_from, 1e-9)
        lost, cost = cand.key()
        if (lost, cost) < (best.key()[0], best.cost() * (1 + threshold)):
            # An accepted candidate is routed harder on the days it changed, so the
            # next candidates are judged against well-routed days.
            cand.touched = {d for d in all_days if cand.routes[d] != current.routes[d]}
            current = cand
            _PvrpSteps(engine, ils_until, POLISH_FACTOR * steps.iterations).descend(current, rng)
            if current.key() < best.key():
                best = current
                history.append((time.perf_counter() - t0, best.cost()))

    # 3. The rest of the time: every day on the clock, a last descent.
    state = best
    left = deadline - time.perf_counter()
    if left > 0.1:
        state.route_days(all_days, deadline - 0.1 * left, engine, guided_local_search, 0)
        _PvrpSteps(engine, deadline, steps.iterations).descend(state, rng)
        history.append((time.perf_counter() - t0, state.cost()))

    return PvrpResult(
        routes=state.to_routes(),
        days=dict(state.days_of),
        cost=state.cost(),
        seconds=time.perf_counter() - t0,
        unserved=len(state.unplaced),
        rounds=rounds,
        history=history,
    )


def _promising(cand: _PvrpState, best: _PvrpState, screen_share: float) -> bool:
    """Whether a candidate, its days still routed by insertion, is worth routing: no
    more unplaced visits and at most ``screen_share`` dearer than the best (insertion
    overstates a day's cost, so a candidate rarely gets cheaper than this by routing)."""
    lost, cost = cand.key()
    best_lost, best_cost = best.key()
    return lost < best_lost or (lost == best_lost and cost <= best_cost * (1 + screen_share))


def _step_iterations(instance: PvrpInstance) -> int:
    """PyVRP iterations for re-routing one day inside the search: a few per visit of
    an average day, so a step stays a fraction of a second."""
    per_day = float(instance.frequency[1:].sum()) / instance.n_days
    return int(max(PVRP_MIN_STEP_ITERATIONS, PVRP_STEP_ITERATIONS_PER_VISIT * per_day))


@dataclass
class _PvrpSteps:
    """How the search re-routes: the engine, the time it must end by, PyVRP's
    iterations per day."""

    engine: Engine
    until: float
    iterations: int
    rounds: int = 1

    def descend(self, state: _PvrpState, rng: np.random.Generator) -> None:
        """Route the changed days, descend over day sets, route what that changed."""
        for _ in range(self.rounds):
            if state.touched:
                state.route_days(state.touched, self.until, self.engine, False, self.iterations)
            state.improve_patterns(rng, self.until)
        if state.touched:
            state.route_days(state.touched, self.until, self.engine, False, self.iterations)
