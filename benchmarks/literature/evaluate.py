"""Independent feasibility and cost checks for literature benchmark solutions.

These evaluators recompute everything from the instance and the routes,
trusting nothing an optimiser (or a ``.res`` file) reports about itself, so
a benchmark result is only counted when it is a genuine feasible solution
of the published problem.

Violation messages are meant for people comparing against the instance
files: days and vehicles are numbered from 1 as in the files (the data
structures are 0-based), and every message about a customer contains the
words ``customer <i>``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from benchmarks.literature.instances import (
    PvrpInstance,
    PvrpRoute,
    VrptwInstance,
    decode_pattern,
    encode_pattern,
)

__all__ = ["Evaluation", "evaluate_pvrp", "evaluate_vrptw"]

#: Slack for float comparisons of times and durations. Published solutions
#: are printed to two decimals and truncated distances are sums of tenths,
#: so a strict comparison would reject feasible solutions on round-off.
EPS = 1e-6


@dataclass(frozen=True)
class Evaluation:
    """Outcome of an evaluation.

    Attributes
    ----------
    cost
        Total travel distance over all routes (all days), recomputed under the
        family's distance convention.
    violations
        Human-readable constraint violations; empty means feasible.
    n_routes
        Non-empty routes (summed over days for PVRP); the usual secondary
        objective for Solomon instances.
    """

    cost: float
    violations: list[str] = field(default_factory=list)
    n_routes: int = 0

    @property
    def feasible(self) -> bool:
        """True when no constraint is violated (derived, so it cannot disagree)."""
        return not self.violations


def _fmt_days(days: Iterable[int]) -> str:
    return "(" + ", ".join(str(d + 1) for d in days) + ")"


def evaluate_pvrp(instance: PvrpInstance, routes: Iterable[PvrpRoute]) -> Evaluation:
    """Evaluate a periodic VRP solution.

    Checks that every customer is visited exactly ``frequency`` times, at
    most once a day, on a day set equal to one of its allowed patterns; that
    each route's load fits the day's capacity and its duration (travel plus
    service) the day's limit, if any; and that no day uses more than
    ``n_vehicles`` vehicles. Routes without customers are ignored: they use
    no vehicle and cost nothing.
    """
    inst = instance
    n = inst.n_customers
    dist = inst.distance
    violations: list[str] = []
    cost = 0.0
    n_routes = 0
    visits: dict[int, list[int]] = defaultdict(list)  # customer -> days, with repeats
    vehicles_by_day: dict[int, list[int]] = defaultdict(list)

    for k, route in enumerate(routes):
        if not route.customers:
            continue
        n_routes += 1
        where = f"route {k + 1} (day {route.day + 1}, vehicle {route.vehicle + 1})"
        if not 0 <= route.day < inst.n_days:
            violations.append(f"{where}: day outside 1..{inst.n_days}")
            continue
        vehicles_by_day[route.day].append(route.vehicle)

        nodes: list[int] = []
        for c in map(int, route.customers):
            if 1 <= c <= n:
                nodes.append(c)
                visits[c].append(route.day)
            else:
                violations.append(f"{where}: customer {c} does not exist (customers are 1..{n})")
        if not nodes:
            continue

        capacity = int(inst.capacity[route.day])
        limit = inst.max_duration[route.day]
        load = 0
        duration = 0.0
        prev = 0
        over_at: int | None = None  # first customer at which the load exceeds capacity
        late_at: str | None = None  # where the duration limit is first exceeded
        for c in nodes:
            leg = float(dist[prev, c])
            cost += leg
            duration += leg + float(inst.service[c])
            load += int(inst.demand[c])
            if load > capacity and over_at is None:
                over_at = c
            if limit is not None and duration > limit + EPS and late_at is None:
                late_at = f"at customer {c}"
            prev = c
        back = float(dist[prev, 0])
        cost += back
        duration += back
        if limit is not None and duration > limit + EPS and late_at is None:
            late_at = f"on the return to the depot from customer {prev}"
        if over_at is not None:
            violations.append(
                f"{where}: load {load} exceeds capacity {capacity} (first at customer {over_at})"
            )
        if late_at is not None:
            violations.append(
                f"{where}: duration {duration:.2f} exceeds the limit {limit:g} (first {late_at})"
            )

    for day in sorted(vehicles_by_day):
        used = vehicles_by_day[day]
        if len(used) > inst.n_vehicles:
            violations.append(
                f"day {day + 1}: {len(used)} routes but only {inst.n_vehicles} vehicles"
            )
        for v in sorted(set(used)):
            if not 0 <= v < inst.n_vehicles:
                violations.append(
                    f"day {day + 1}: vehicle {v + 1} does not exist (vehicles are "
                    f"1..{inst.n_vehicles})"
                )
            elif used.count(v) > 1:
                violations.append(f"day {day + 1}: vehicle {v + 1} drives {used.count(v)} routes")

    for c in range(1, n + 1):
        days = visits.get(c, [])
        freq = int(inst.frequency[c])
        distinct = sorted(set(days))
        for d in distinct:
            if days.count(d) > 1:
                violations.append(f"customer {c}: visited {days.count(d)} times on day {d + 1}")
        if len(distinct) != freq:
            violations.append(
                f"customer {c}: visited on {len(distinct)} day(s) {_fmt_days(distinct)}, "
                f"frequency is {freq}"
            )
        elif encode_pattern(distinct, inst.n_days) not in inst.patterns[c]:
            allowed = ", ".join(_fmt_days(decode_pattern(m, inst.n_days)) for m in inst.patterns[c])
            violations.append(
                f"customer {c}: visit days {_fmt_days(distinct)} are not an allowed pattern "
                f"(allowed: {allowed})"
            )

    return Evaluation(cost=cost, violations=violations, n_routes=n_routes)


def evaluate_vrptw(instance: VrptwInstance, routes: Iterable[Sequence[int]]) -> Evaluation:
    """Evaluate a VRPTW solution given as customer sequences (depot excluded).

    Each route leaves the depot at its ready time. Arriving before a
    customer's ready time means waiting; arriving after its due time is a
    violation, as is getting back to the depot after the depot's due time.
    Also checked: every customer served exactly once, load within capacity,
    and no more non-empty routes than the ``n_vehicles`` upper bound. Travel
    time equals the (truncated) distance.
    """
    inst = instance
    n = inst.n_customers
    dist = inst.distance
    violations: list[str] = []
    cost = 0.0
    n_routes = 0
    seen = [0] * (n + 1)

    for k, route in enumerate(routes):
        if len(route) == 0:
            continue
        n_routes += 1
        where = f"route {k + 1}"
        nodes: list[int] = []
        for c in route:
            c = int(c)
            if 1 <= c <= n:
                nodes.append(c)
                seen[c] += 1
            else:
                violations.append(f"{where}: customer {c} does not exist (customers are 1..{n})")
        if not nodes:
            continue

        load = 0
        over_at: int | None = None
        time = float(inst.ready[0])
        prev = 0
        for c in nodes:
            leg = float(dist[prev, c])
            cost += leg
            time += leg
            if time > inst.due[c] + EPS:
                violations.append(
                    f"{where}: customer {c} reached at {time:.2f}, after its due time "
                    f"{inst.due[c]:g}"
                )
            time = max(time, float(inst.ready[c])) + float(inst.service[c])
            load += int(inst.demand[c])
            if load > inst.capacity and over_at is None:
                over_at = c
            prev = c
        back = float(dist[prev, 0])
        cost += back
        time += back
        if time > inst.due[0] + EPS:
            violations.append(
                f"{where}: back at the depot at {time:.2f} after customer {prev}, "
                f"after the depot due time {inst.due[0]:g}"
            )
        if over_at is not None:
            violations.append(
                f"{where}: load {load} exceeds capacity {inst.capacity} "
                f"(first at customer {over_at})"
            )

    if n_routes > inst.n_vehicles:
        violations.append(f"{n_routes} routes but only {inst.n_vehicles} vehicles")
    for c in range(1, n + 1):
        if seen[c] != 1:
            violations.append(f"customer {c}: served {seen[c]} times, expected once")

    return Evaluation(cost=cost, violations=violations, n_routes=n_routes)
