"""The repair passes after routing (scheduler.plan.repair): a joint visit is made by both
officers or by neither, and one the routing left out is fitted where both officers'
days can take it, at the cost of less urgent visits only."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from models import Policy, UnscheduledReason
from scheduler.core.travel import GreatCircleTravel
from scheduler.plan.due import DueVisit
from scheduler.plan.planner import plan_week
from scheduler.plan.problem import TeamProblem, build_team_problem
from scheduler.plan.repair import fit_pair, solve_consistent, start_routes
from scheduler.plan.routing import solve_team
from scheduler.plan.rules import all_violations
from tests.scheduler.conftest import WEEK, offender, officer, register

MONDAY = "mon 08:00-16:00"


def _pair_and_singles(policy: Policy, pair_urgency: float, single_urgency: float):
    """A joint visit led by A and four low-risk single visits (two each for A and B),
    everyone due this week; A and B work Monday only with two visit hours: room for
    the joint visit or for their two single visits, not both."""
    offs = [offender("pair", "A", two_officers=True)] + [
        offender(f"s{i}", "AB"[i % 2], tier="low", dlat=0.002 * i) for i in range(4)
    ]
    officers = [officer("A", MONDAY, hours=2.0), officer("B", MONDAY, hours=2.0)]
    due = [
        DueVisit(i, o.id, WEEK + timedelta(days=6), pair_urgency if i == 0 else single_urgency)
        for i, o in enumerate(offs)
    ]
    travel = GreatCircleTravel(policy.speed_kmh, policy.circuity)
    problem, bad = build_team_problem(
        "t", officers, due, offs, policy, WEEK, travel, np.random.default_rng(7)
    )
    assert not bad
    return problem


def _full_days(problem: TeamProblem) -> list[list[tuple[int, int, int]]]:
    """Each officer's Monday holding their two single visits, 08:30 and 10:30."""
    K = problem.n_officers
    days: list[list[tuple[int, int, int]]] = [[] for _ in problem.veh_officer]
    singles = [j for j in range(len(problem.pair_of_node)) if problem.pair_of_node[j] < 0]
    for j in singles:
        v = int(problem.manager[j])  # one vehicle per officer: Monday
        at = 8.5 * 3600 + 7200 * len(days[v])
        days[v].append((int(at), int(at) + int(problem.service_s[K + j]), K + j))
    return days


def test_a_dropped_joint_visit_takes_the_place_of_less_urgent_single_visits(policy):
    problem = _pair_and_singles(policy, pair_urgency=100.0, single_urgency=1.0)
    days = _full_days(problem)
    pair = int(problem.pair_of_node[0])
    assert fit_pair(problem, days, pair)
    halves = {problem.n_officers + j for j in np.flatnonzero(problem.pair_of_node == pair)}
    # Each day now holds a half of the joint visit, at the same time; the singles in the
    # way (two visits do not fit in two hours beside it) are off.
    times = [[t for t, _, n in day if n in halves] for day in days]
    assert times[0] == times[1] and len(times[0]) == 1
    assert all(len(day) == 1 for day in days)
    # The next pass starts from those days: the joint visit is made, by both officers.
    solution = solve_team(problem, 0.2, False, initial_routes=start_routes(problem, days))
    assert not halves & {problem.n_officers + j for j in solution.dropped}


def test_a_joint_visit_never_displaces_more_urgent_visits(policy):
    problem = _pair_and_singles(policy, pair_urgency=1.0, single_urgency=100.0)
    days = _full_days(problem)
    before = [list(day) for day in days]
    assert not fit_pair(problem, days, int(problem.pair_of_node[0]))
    assert days == before


def test_solve_consistent_makes_joint_visits_whole_or_not_at_all(policy):
    problem = _pair_and_singles(policy, pair_urgency=100.0, single_urgency=1.0)
    solution = solve_consistent(problem, 0.2, False)
    dropped = set(solution.dropped)
    halves = [j for j in range(len(problem.pair_of_node)) if problem.pair_of_node[j] >= 0]
    assert not dropped & set(halves), "the urgent joint visit is made"
    day_of = {s.node: (v, s.arrival_s) for v, stops in enumerate(solution.routes) for s in stops}
    (v1, t1), (v2, t2) = (day_of[j] for j in halves)
    assert v1 != v2 and t1 == t2


def test_joint_visits_that_cannot_all_be_booked_are_listed_not_lost(policy):
    """A and B overlap for 150 minutes: room for one 75-minute joint visit, not two.
    The one left over is a capacity shortfall with a reason; nobody is lost."""
    offs = [offender(f"pair{i}", "A", two_officers=True, dlat=0.003 * i) for i in range(2)]
    officers = [officer("A", "mon 08:00-12:00"), officer("B", "mon 09:30-16:00")]
    reg = register(offs, officers)
    rota = plan_week(reg, policy, WEEK, seed=3)
    assert all_violations(rota, reg, policy) == []
    assert len(rota.visits) == 1 and set(rota.visits[0].officer_ids) == {"A", "B"}
    (short,) = rota.unscheduled
    assert short.reason is UnscheduledReason.CAPACITY and "both officers" in short.detail
    assert sorted(rota.offender_ids()) == ["pair0", "pair1"]


@pytest.mark.parametrize("seed", [1, 2])
def test_repaired_plans_replay_from_their_seed(policy, seed):
    offs = [offender("pair", "A", two_officers=True)] + [
        offender(f"s{i}", "AB"[i % 2], tier="low", dlat=0.002 * i) for i in range(6)
    ]
    reg = register(offs, [officer("A", MONDAY, hours=2.0), officer("B", MONDAY, hours=2.0)])
    a, b = (plan_week(reg, policy, WEEK, seed=seed) for _ in range(2))
    assert a.visits == b.visits and a.unscheduled == b.unscheduled


def test_a_joint_booking_the_routing_cannot_fit_is_rebooked_not_dropped(policy):
    """The lead's half of a booked joint visit cannot be made at its time (moved to
    03:00, outside every shift): the partner's half alone is no visit, so the pair is
    re-booked at another time both officers fitted, and made."""
    offs = [offender("pair", "A", two_officers=True), offender("solo", "B")]
    officers = [officer("A"), officer("B")]
    due = [DueVisit(i, o.id, WEEK + timedelta(days=6), 1.0) for i, o in enumerate(offs)]
    travel = GreatCircleTravel(policy.speed_kmh, policy.circuity)
    problem, bad = build_team_problem(
        "t", officers, due, offs, policy, WEEK, travel, np.random.default_rng(3)
    )
    assert not bad
    lead = next(
        j
        for j in range(len(problem.pair_of_node))
        if problem.charge_cover[j] and problem.pair_of_node[j] >= 0
    )
    ((t, _),) = problem.windows[lead]
    night = t - t % 86_400 + 3 * 3600
    problem.windows[lead] = problem.full_windows[lead] = [(night, night + 1)]
    solution = solve_consistent(problem, 0.2, False)
    placed = {
        stop.node: (int(problem.veh_officer[v]), stop.arrival_s)
        for v, stops in enumerate(solution.routes)
        for stop in stops
    }
    halves = [j for j in range(len(problem.pair_of_node)) if problem.pair_of_node[j] >= 0]
    assert all(j in placed for j in halves)
    (k1, t1), (k2, t2) = (placed[j] for j in halves)
    assert {k1, k2} == {0, 1} and t1 == t2 != night
    # With nothing left to re-book to, the pair is dropped whole, never half made.
    problem.pair_alternatives.clear()
    problem.windows[lead] = problem.full_windows[lead] = [(night, night + 1)]
    problem.vehicles[lead] = problem.full_vehicles[lead] = [
        v for v in range(len(problem.veh_officer)) if problem.veh_officer[v] == 0
    ][:1]
    solution = solve_consistent(problem, 0.2, False)
    assert all(j in solution.dropped for j in halves)
