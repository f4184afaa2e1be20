"""The PyVRP engine: the same rules as OR-Tools, a model no stricter than OR-Tools', one
cost scale for both, a seed that replays, and OR-Tools where PyVRP cannot state a rule."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.engines import week_problems
from data.scenarios import DEFAULT_SEED, generate
from models import Policy
from scheduler.plan.engines import solve_with
from scheduler.plan.planner import plan_week
from scheduler.plan.pyvrp_engine import (
    LATE_STEP_S,
    _initial_solution,
    _priced_pieces,
    _translate,
    plan_cost,
    solve_team_pyvrp,
    unfit_reason,
)
from scheduler.plan.routing import minute_windows, solve_team
from scheduler.plan.rules import all_violations

warnings.filterwarnings("ignore", module="pyvrp")

PYVRP = Policy.model_validate({"solver": {"engine": "pyvrp"}})


@pytest.fixture(scope="module")
def borough():
    return generate("borough")


@pytest.fixture(scope="module")
def problems():
    return [p for p in week_problems("borough", DEFAULT_SEED, Policy()) if p.n_nodes > p.n_officers]


def test_a_pyvrp_rota_keeps_every_rule(borough):
    rota = plan_week(borough.register, PYVRP, borough.week_start, seed=3)
    assert all_violations(rota, borough.register, PYVRP) == []
    assert len(rota.visits) >= 25  # of borough's 28 due (OR-Tools plans 28)


def test_a_seed_replays_a_pyvrp_rota(borough):
    """The search stops after a number of iterations, not on the clock."""
    one = plan_week(borough.register, PYVRP, borough.week_start, seed=11)
    two = plan_week(borough.register, PYVRP, borough.week_start, seed=11)
    assert one.visits == two.visits
    assert one.unscheduled == two.unscheduled


def test_an_ortools_plan_is_a_feasible_start_for_pyvrp(problems):
    """The translation is no stricter than OR-Tools' model: every OR-Tools route (its
    windows, shifts, visit hours, cover and crews) is a feasible PyVRP solution."""
    for problem in problems:
        solution = solve_team(copy.deepcopy(problem), 0.5, False)
        routes = [[s.node for s in r] for r in solution.routes]
        model = _translate(problem)
        assert _initial_solution(problem, model, routes) is not None, problem.team


def test_plan_cost_is_the_ortools_objective(problems):
    """Both engines' plans are compared on one scale: for an OR-Tools plan, plan_cost
    reproduces OR-Tools' own objective exactly."""
    for problem in problems:
        solution = solve_team(copy.deepcopy(problem), 0.5, False)
        assert plan_cost(problem, solution) == solution.objective


def test_pyvrp_polishing_an_ortools_plan_never_loses_on_cost(problems):
    for problem in problems:
        start = solve_team(copy.deepcopy(problem), 0.5, False)
        routes = [[s.node for s in r] for r in start.routes]
        polished = solve_team_pyvrp(copy.deepcopy(problem), 5.0, routes, iterations=500)
        assert plan_cost(problem, polished) <= plan_cost(problem, start)


def test_pyvrp_routes_respect_windows_vehicles_and_hours(problems):
    """Arrivals inside an allowed window, on an allowed vehicle, within its shift and
    visit hours: checked on the solver arrays, beside the rota's rules above."""
    for problem in problems:
        solution = solve_team_pyvrp(copy.deepcopy(problem), 5.0, iterations=1000)
        K = problem.n_officers
        for v, stops in enumerate(solution.routes):
            work = int(solution.return_travel_s[v])
            for s in stops:
                assert v in problem.vehicles[s.node]
                assert any(lo <= s.arrival_s < hi for lo, hi in problem.windows[s.node])
                assert s.arrival_s <= s.latest_s
                assert problem.veh_start_s[v] <= s.arrival_s
                work += s.travel_to_s + int(problem.service_s[K + s.node])
            assert work <= problem.veh_budget_s[v]
            if stops:
                last = stops[-1]
                end = last.arrival_s + int(problem.service_s[K + last.node])
                assert end + int(solution.return_travel_s[v]) <= problem.veh_end_s[v] + 60


def test_a_revisit_after_its_first_visit_goes_to_ortools(problems):
    problem = copy.deepcopy(problems[0])
    parent = np.full(problem.n_nodes - problem.n_officers, -1)
    parent[1] = 0
    problem.parent_node = parent
    assert unfit_reason(problem) is not None
    assert (
        solve_with("pyvrp", problem, 0.5, False).objective
        == solve_team(copy.deepcopy(problem), 0.5, False).objective
    )


def test_penalties_that_would_overflow_pyvrp_s_costs_go_to_ortools(problems):
    """With drop penalties this large, a route of closed arcs priced at PyVRP's penalty
    ceiling passes 2**63: its costs would wrap round and a local search never end."""
    problem = copy.deepcopy(problems[0])
    assert unfit_reason(problem) is None  # the planner's own penalties fit
    problem.penalty = np.full_like(problem.penalty, 10**12)
    assert "overflow" in (unfit_reason(problem) or "")
    assert (
        solve_with("pyvrp", problem, 0.5, False).objective
        == solve_team(copy.deepcopy(problem), 0.5, False).objective
    )


@settings(max_examples=60, deadline=None)
@given(
    windows=st.lists(
        st.tuples(st.integers(0, 6 * 86_400), st.integers(60, 8 * 3600)), min_size=1, max_size=4
    ),
    deadline=st.integers(0, 7 * 86_400),
    late_cost=st.integers(1, 20),
)
def test_pieces_cover_the_windows_and_price_lateness(problems, windows, deadline, late_cost):
    """The clients of a visit allow exactly its whole-minute arrivals, each priced within
    half a piece of the lateness OR-Tools charges at any arrival in it."""
    problem = copy.deepcopy(problems[0])
    spans = sorted((s, s + d) for s, d in windows)
    problem.windows[0] = spans
    problem.deadline_s[0] = deadline
    problem.late_cost[0] = late_cost
    K = problem.n_officers
    base = int(problem.penalty[0]) + int(problem.service_s[K])
    pieces = _priced_pieces(problem, 0)
    allowed = {m for lo, hi in minute_windows(spans) for m in range(lo, hi + 1)}
    covered = [m for lo, hi, _ in pieces for m in range(lo, hi + 1)]
    assert sorted(covered) == sorted(allowed)
    step = LATE_STEP_S // 60
    for lo, hi, prize in pieces:
        assert hi - lo < step or hi <= deadline // 60
        for m in (lo, hi):
            exact = base - max(0, m - deadline // 60) * late_cost * 60
            assert abs(prize - max(0, exact)) <= step * late_cost * 60
