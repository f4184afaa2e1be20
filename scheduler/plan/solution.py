"""From one team's solved arrays back to domain objects: the visits with their crews,
arrival windows and slots, each officer-day's load, and the visits left out for
capacity with a reason a manager can act on."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np

from models import (
    OfficerDay,
    Policy,
    Register,
    Unscheduled,
    UnscheduledReason,
    Visit,
)
from scheduler.core.windows import slot_name
from scheduler.plan.problem import TeamProblem
from scheduler.plan.routing import Stop, TeamSolution


def rota_parts(
    problem: TeamProblem,
    solution: TeamSolution,
    register: Register,
    policy: Policy,
    week_start: date,
) -> tuple[list[Visit], list[Unscheduled], list[OfficerDay]]:
    """Turn one team's arrays back into domain objects."""
    partners = _partners(problem, solution)
    visits: list[Visit] = []
    days: list[OfficerDay] = []
    for v, stops in enumerate(solution.routes):
        route_visits, officer_day = _route_parts(
            problem, solution, v, stops, partners, register, policy, week_start
        )
        visits += route_visits
        days.append(officer_day)
    return visits, _dropped(problem, solution, register), days


def _partners(problem: TeamProblem, solution: TeamSolution) -> dict[int, str]:
    """The partner's officer id per two-officer visit (its node that is not the lead's)."""
    partners: dict[int, str] = {}
    for v, stops in enumerate(solution.routes):
        for stop in stops:
            if problem.pair_of_node[stop.node] >= 0 and not problem.charge_cover[stop.node]:
                partners[int(problem.visit_of_node[stop.node])] = problem.officer_ids[
                    int(problem.veh_officer[v])
                ]
    return partners


def _route_parts(
    problem: TeamProblem,
    solution: TeamSolution,
    v: int,
    stops: list[Stop],
    partners: dict[int, str],
    register: Register,
    policy: Policy,
    week_start: date,
) -> tuple[list[Visit], OfficerDay]:
    """One officer-day's visits (a joint visit reported with its lead) and its load."""
    K = problem.n_officers
    visits: list[Visit] = []
    officer = problem.officer_ids[int(problem.veh_officer[v])]
    day = week_start + timedelta(days=int(problem.veh_day[v]))
    travel = sum(s.travel_to_s for s in stops) + int(solution.return_travel_s[v])
    service = 0
    seq = 0
    for stop in stops:
        service += int(problem.service_s[K + stop.node])
        seq += 1
        if not problem.charge_cover[stop.node]:
            continue  # the partner's half of a joint visit: reported with the lead
        visits.append(_visit(problem, v, stop, seq, partners, register, policy, week_start))
    officer_day = OfficerDay(
        officer_id=officer,
        date=day,
        visits=len(stops),
        travel_s=travel,
        busy_s=travel + service,
        budget_s=int(problem.veh_budget_s[v]),
    )
    return visits, officer_day


def _visit(
    problem: TeamProblem,
    v: int,
    stop: Stop,
    seq: int,
    partners: dict[int, str],
    register: Register,
    policy: Policy,
    week_start: date,
) -> Visit:
    """The issued visit at one routed stop (the lead's, for a joint visit)."""
    K = problem.n_officers
    monday = datetime.combine(week_start, datetime.min.time())
    window_s = policy.arrival_window_minutes * 60
    officer = problem.officer_ids[int(problem.veh_officer[v])]
    day = week_start + timedelta(days=int(problem.veh_day[v]))
    dv = problem.visits[int(problem.visit_of_node[stop.node])]
    off = register.offenders[dv.index]
    crew: tuple[str, ...] = (officer,)
    if problem.pair_of_node[stop.node] >= 0:
        crew = (officer, partners[int(problem.visit_of_node[stop.node])])
    arrival = monday + timedelta(seconds=stop.arrival_s)
    latest = monday + timedelta(seconds=min(stop.latest_s, stop.arrival_s + window_s))
    return Visit(
        offender_id=off.id,
        officer_ids=crew,
        tier=off.tier,
        date=day,
        slot=slot_name(policy, day, stop.arrival_s - int(problem.veh_day[v]) * 86_400),
        arrival=arrival,
        window_end=latest,
        departure=arrival + timedelta(seconds=int(problem.service_s[K + stop.node])),
        sequence=seq,
        travel_to_s=stop.travel_to_s,
        due_date=dv.due_date,
        urgency=round(dv.urgency, 3),
        cover=officer != off.manager_id,
        short_notice=dv.revisit,
    )


def _dropped(problem: TeamProblem, solution: TeamSolution, register: Register) -> list[Unscheduled]:
    """The visits the routing left out, listed for capacity (an extra visit is not: the
    offender is listed through their first visit)."""
    dropped_visits = sorted({int(problem.visit_of_node[j]) for j in solution.dropped})
    unscheduled = []
    for i in dropped_visits:
        dv = problem.visits[i]
        if dv.revisit:
            continue
        off = register.offenders[dv.index]
        unscheduled.append(
            Unscheduled(
                offender_id=off.id,
                tier=off.tier,
                reason=UnscheduledReason.CAPACITY,
                due_date=dv.due_date,
                detail=_capacity_detail(problem, i),
            )
        )
    return unscheduled


def _capacity_detail(problem: TeamProblem, visit: int) -> str:
    """Why a placeable visit was still left out, in words a manager can act on."""
    nodes = np.flatnonzero(problem.visit_of_node == visit)
    if any(problem.pair_of_node[j] >= 0 for j in nodes):
        return "no time both officers were free with visit hours left: book a joint visit by hand"
    return "officers' visit hours this week are used by more urgent visits"
