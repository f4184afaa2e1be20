"""The planner's own routing (``solve_team``) on literature instances, via the adapters.

Every solution is judged by the independent evaluator, not by the solver. Time limits
are short (about a second per instance): these tests check the adapters and the
routing model's load dimension, time scale and warm start, not solution quality (that
is ``python -m benchmarks.literature``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.literature import (
    evaluate_pvrp,
    evaluate_vrptw,
    read_pvrp,
    read_pvrp_solution,
    read_solomon,
    read_solomon_solution,
)
from benchmarks.literature.__main__ import main as run_benchmark
from benchmarks.literature.adapters import (
    PVRP_UNIT_S,
    SOLOMON_UNIT_S,
    _PvrpState,
    pvrp_day_problem,
    solve_pvrp,
    solve_vrptw,
    vrptw_problem,
)
from scheduler.plan.routing import solve_team

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "literature"


@pytest.mark.parametrize("name", ["C101", "R101"])
def test_vrptw_adapter_is_feasible(name):
    instance = read_solomon(FIXTURES / f"{name}.vrp")
    result = solve_vrptw(instance, time_limit_s=1.0)
    ev = evaluate_vrptw(instance, result.routes)
    assert ev.feasible, ev.violations[:5]
    assert result.dropped == []
    assert result.seconds < 3.0


def test_vrptw_problem_is_exact_in_routing_minutes():
    """One Solomon unit is 10 minutes: truncated arcs, windows and service are whole
    minutes, so the model's rounding up to minutes changes nothing."""
    instance = read_solomon(FIXTURES / "C101.vrp")
    p = vrptw_problem(instance)
    assert SOLOMON_UNIT_S == 600
    np.testing.assert_array_equal(p.travel_s, np.rint(instance.distance * 10).astype(int) * 60)
    assert (p.travel_s % 60 == 0).all() and (p.service_s % 60 == 0).all()
    c = 5
    assert p.windows[c - 1] == [(int(instance.ready[c]) * 600, int(instance.due[c]) * 600 + 1)]
    assert len(p.veh_officer) == instance.n_vehicles and (p.veh_officer == 0).all()
    assert (p.veh_capacity == instance.capacity).all()
    assert p.horizon_s is not None and p.horizon_s > int(instance.due[0]) * 600


def test_capacity_dimension_binds():
    """Halve every vehicle's capacity: no route carries more than the half."""
    instance = read_solomon(FIXTURES / "C101.vrp")
    p = vrptw_problem(instance)
    half = instance.capacity // 2
    p.veh_capacity = np.full(len(p.veh_capacity), half)
    solution = solve_team(p, 0.3, False)
    loads = [sum(int(instance.demand[s.node + 1]) for s in r) for r in solution.routes]
    assert max(loads) <= half
    assert max(loads) > half // 2  # it is a capacity, not something tighter


@pytest.mark.parametrize("name", ["p01", "pr01"])
def test_pvrp_adapter_is_feasible(name):
    instance = read_pvrp(FIXTURES / f"{name}.txt")
    result = solve_pvrp(instance, time_limit_s=1.5)
    ev = evaluate_pvrp(instance, result.routes)
    assert ev.feasible, ev.violations[:5]
    assert result.unserved == 0
    assert ev.cost == pytest.approx(result.cost)
    assert result.seconds < 3.0
    for c, days in result.days.items():
        assert days in instance.allowed_days(c)


def test_pvrp_day_routing_warm_start_keeps_the_reference_routes():
    """Started from the reference routes of a day (duration-limited pr01), the routing
    model accepts them (units round up, never down) and returns no worse."""
    instance = read_pvrp(FIXTURES / "pr01.txt")
    reference = read_pvrp_solution(FIXTURES / "pr01.res")
    day = 0
    routes = [r for r in reference.routes if r.day == day]
    customers = [c for r in routes for c in r.customers]
    problem = pvrp_day_problem(instance, day, customers)
    start = [[customers.index(c) for c in r.customers] for r in routes]
    start += [[] for _ in range(instance.n_vehicles - len(start))]
    solution = solve_team(problem, 0.3, False, initial_routes=start)
    assert solution.dropped == []
    ref_cost = sum(
        float(instance.distance[a, b])
        for r in routes
        for a, b in zip((0, *r.customers), (*r.customers, 0), strict=True)
    )
    got = [tuple(customers[s.node] for s in r) for r in solution.routes]
    cost = sum(
        float(instance.distance[a, b])
        for r in got
        if r
        for a, b in zip((0, *r), (*r, 0), strict=True)
    )
    assert cost <= ref_cost + 1e-6
    assert solution.objective <= sum(
        int(np.ceil(instance.distance[a, b] * PVRP_UNIT_S - 1e-6))
        for r in routes
        for a, b in zip((0, *r.customers), (*r.customers, 0), strict=True)
    )


@pytest.mark.parametrize("engine", ["ortools", "pyvrp"])
def test_pvrp_overloaded_day_is_repacked_by_its_routing(engine):
    """The day-set search may overload a route (soft capacity); routing the day puts
    every route back within capacity and keeps every visit of the day."""
    instance = read_pvrp(FIXTURES / "p01.txt")
    state = _PvrpState(instance)
    customers = np.arange(1, instance.n_customers + 1)
    state.construct([int(c) for c in customers[np.argsort(-instance.demand[customers])]])
    day = 0
    on_day = sorted(c for route in state.routes[day] for c in route)
    first, *others = [r for r in range(instance.n_vehicles) if state.routes[day][r]]
    while not state.overloaded(day):
        donor = next(r for r in others if state.routes[day][r])
        state.routes[day][first].append(state.routes[day][donor].pop())
        state.refresh_all()
    state.route_day(day, 1.0, engine, False, 200)
    assert not state.overloaded(day)
    assert not [v for v in state.unplaced if v[1] == day]
    assert sorted(c for route in state.routes[day] for c in route) == on_day


def test_runner_writes_csv(tmp_path, capsys):
    (tmp_path / "solomon").mkdir()
    for suffix in (".vrp", ".sol"):
        (tmp_path / "solomon" / f"C101{suffix}").write_text(
            (FIXTURES / f"C101{suffix}").read_text()
        )
    out = tmp_path / "lit.csv"
    code = run_benchmark(
        ["--dir", str(tmp_path), "--instances", "C101", "--time-limit", "0.5", "--out", str(out)]
    )
    assert code == 0
    lines = out.read_text().splitlines()
    assert lines[0].startswith("set,instance,cost,reference,gap_pct")
    assert lines[1].startswith("vrptw,C101,")
    assert "mean gap" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["C101", "R101"])
def test_pyvrp_engine_on_solomon_is_feasible_and_near_the_reference(name):
    """The planner's PyVRP engine, through the same adapter and evaluator: feasible, and
    within 1% of the best-known cost after 2 s."""
    instance = read_solomon(FIXTURES / f"{name}.vrp")
    reference = read_solomon_solution(FIXTURES / f"{name}.sol").cost
    result = solve_vrptw(instance, 2.0, engine="pyvrp")
    ev = evaluate_vrptw(instance, result.routes)
    assert ev.feasible, ev.violations[:5]
    assert result.dropped == []
    assert ev.cost <= 1.01 * reference


def test_pyvrp_engine_on_pvrp_is_feasible():
    instance = read_pvrp(FIXTURES / "p01.txt")
    result = solve_pvrp(instance, time_limit_s=3.0, engine="pyvrp")
    ev = evaluate_pvrp(instance, result.routes)
    assert ev.feasible, ev.violations[:5]
    assert result.unserved == 0
    assert ev.cost == pytest.approx(result.cost)
    for c, days in result.days.items():
        assert days in instance.allowed_days(c)
