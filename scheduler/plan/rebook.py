"""Rebooking: put visits the police called off back into the rest of their week.

A visit cancelled by the police (the officer was called to other duties) is not the
offender's doing; leaving it to next week's plan makes a high-risk offender late whenever
the visit was the last chance before the due date. :func:`rebook` re-plans the team's
remaining days with the cancelled visits added: every visit already issued for those
days keeps its officers, day and time of day (only the order and the exact arrival may
change), a cancelled visit gets new secret options on the remaining days, and the
optimiser may leave out a less urgent visit to fit a more urgent rebooking (listed, as
ever, with its reason). Teams without a cancellation are untouched.

It runs the weekly pipeline's own stages (problem building, routing with repair, rota
parts) on the remaining days, so a rebooked week obeys every rule a planned one does.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

import numpy as np

from models import Officer, OfficerDay, Policy, Register, Rota, Unscheduled, Visit, Weekday
from scheduler.core.roads import offline_travel
from scheduler.core.travel import TravelModel
from scheduler.plan.due import DueVisit
from scheduler.plan.planner import team_time_limits
from scheduler.plan.problem import TeamProblem, build_team_problem
from scheduler.plan.repair import solve_consistent
from scheduler.plan.solution import rota_parts
from scheduler.timing.slot_mix import drawing_policy

WEEK_DAYS = 7


def rebook(
    rota: Rota,
    register: Register,
    policy: Policy,
    cancelled: Collection[str],
    after: date,
    *,
    travel: TravelModel | None = None,
) -> Rota:
    """The rota with the visits of ``cancelled`` offenders (called off by the police on
    or before ``after``) rebooked on the days after ``after``.

    ``register`` is the one the week was planned from (officers' absences updated if
    known). The returned rota keeps every visit up to ``after`` (the cancelled ones
    included: they were issued and have an outcome), re-plans the affected teams' later
    days, and marks each rebooked visit ``rebooked``; a visit that no longer fits is
    listed in ``unscheduled`` (capacity). The draws come from the rota's own seed and
    ``after``, so a rebooking replays with its plan.
    """
    monday = rota.week_start
    if not monday <= after < monday + timedelta(days=WEEK_DAYS - 1):
        raise ValueError(f"{after} leaves no day of the week of {monday} to rebook on")
    travel = travel or offline_travel(policy)
    index = {o.id: i for i, o in enumerate(register.offenders)}
    team_of = {o.id: o.planning_unit for o in register.officers}
    team_of_offender = {o.id: team_of[o.manager_id] for o in register.offenders}
    to_rebook = _visits_to_rebook(rota, cancelled, after)
    teams = sorted({team_of_offender[v.offender_id] for v in to_rebook})
    if not teams:
        return rota
    seed = rota.audit.seed if rota.audit is not None else 0
    rng = np.random.default_rng([seed, after.toordinal()])
    drawing = drawing_policy(policy, register.officers, register.offenders)
    later = [d for d in range((after - monday).days + 1, WEEK_DAYS)]
    rebooked = {v.offender_id for v in to_rebook} | {
        v.offender_id for v in rota.visits if v.rebooked and v.date > after
    }

    keep, by_team = _rebooking_due(
        rota, to_rebook, teams, team_of_offender, index, after, drawing, later, rng
    )

    officers = [_off_until(o, monday, after) for o in register.officers]
    problems = []
    unplaced: list[Unscheduled] = []
    for team in teams:
        problem, bad = build_team_problem(
            team,
            [o for o in officers if o.planning_unit == team],
            by_team[team],
            register.offenders,
            policy,
            monday,
            travel,
            rng,
        )
        problems.append(problem)
        unplaced += [u for u in bad if u.offender_id not in rebooked]
    new_visits, dropped, later_days = route_teams(
        problems, register, policy, monday, after + timedelta(days=1)
    )
    unplaced += [u for u in dropped if u.offender_id not in rebooked]
    days = [d for d in rota.officer_days if d.date <= after or team_of[d.officer_id] not in teams]
    return _rebooked_rota(rota, register, keep, new_visits, rebooked, unplaced, days + later_days)


def _rebooking_due(
    rota: Rota,
    to_rebook: list[Visit],
    teams: list[str],
    team_of_offender: dict[str, str],
    index: dict[str, int],
    after: date,
    drawing: Policy,
    later: list[int],
    rng: np.random.Generator,
) -> tuple[list[Visit], dict[str, list[DueVisit]]]:
    """The visits kept as issued (up to ``after``, or in a team without a rebooking),
    and per rebooked team its due visits: the later ones pinned to their issued plan,
    then the cancelled ones with new secret options on the ``later`` days."""
    keep: list[Visit] = []
    by_team: dict[str, list[DueVisit]] = {t: [] for t in teams}
    for v in rota.visits:
        team = team_of_offender.get(v.offender_id)
        if v.date <= after or team not in by_team:
            keep.append(v)
        else:
            by_team[team].append(_kept_due(v, index[v.offender_id], rota.week_start))
    for v in to_rebook:
        options = _draw_options(drawing, rota.week_start, later, rng)
        due = DueVisit(index[v.offender_id], v.offender_id, v.due_date, v.urgency, options=options)
        by_team[team_of_offender[v.offender_id]].append(due)
    return keep, by_team


def route_teams(
    problems: list[TeamProblem], register: Register, policy: Policy, monday: date, first: date
) -> tuple[list[Visit], list[Unscheduled], list[OfficerDay]]:
    """Each team's problem routed (with repair), as a rebooking or a re-plan needs it:
    visits, dropped visits and the officer-days from ``first`` on."""
    limits = team_time_limits(problems, policy)
    gls = policy.solver.guided_local_search
    new_visits: list[Visit] = []
    unplaced: list[Unscheduled] = []
    days: list[OfficerDay] = []
    for problem, limit in zip(problems, limits, strict=True):
        solution = solve_consistent(problem, limit, gls, policy.solver.engine)
        placed, dropped, od = rota_parts(problem, solution, register, policy, monday)
        new_visits += placed
        unplaced += dropped
        days += [d for d in od if d.date >= first]
    return new_visits, unplaced, days


def _rebooked_rota(
    rota: Rota,
    register: Register,
    keep: list[Visit],
    new_visits: list[Visit],
    rebooked: set[str],
    unplaced: list[Unscheduled],
    days: list[OfficerDay],
) -> Rota:
    """The rota with the kept and re-planned visits, rebooked ones marked."""
    new_visits = [
        v.model_copy(update={"rebooked": True})
        if v.offender_id in rebooked and not v.short_notice
        else v
        for v in new_visits
    ]
    # A revisit whose first visit was dropped to fit a rebooking goes too.
    first = {v.offender_id for v in keep + new_visits if not v.short_notice}
    visits = sorted(
        (v for v in keep + new_visits if not v.short_notice or v.offender_id in first),
        key=lambda v: (v.arrival, v.officer_ids),
    )
    order = {o.id: i for i, o in enumerate(register.offenders)}
    unscheduled = sorted(rota.unscheduled + tuple(unplaced), key=lambda u: order[u.offender_id])
    return rota.model_copy(
        update={
            "visits": tuple(visits),
            "unscheduled": tuple(unscheduled),
            "officer_days": tuple(sorted(days, key=lambda d: (d.date, d.officer_id))),
        }
    )


def _visits_to_rebook(rota: Rota, cancelled: Collection[str], after: date) -> list[Visit]:
    """Each cancelled offender's latest visit up to ``after`` (a first or rebooked
    visit; a short-notice revisit is an extra, not rebooked) with no visit of theirs
    still to come this week."""
    wanted = set(cancelled)
    still_to_come = {v.offender_id for v in rota.visits if v.date > after and not v.short_notice}
    latest: dict[str, Visit] = {}
    for v in sorted(rota.visits, key=lambda v: v.arrival):
        if v.offender_id in wanted and v.date <= after and not v.short_notice:
            latest[v.offender_id] = v
    return [v for oid, v in latest.items() if oid not in still_to_come]


def _kept_due(v: Visit, index: int, monday: date) -> DueVisit:
    """An issued visit as a due visit pinned to its officers, day and time of day."""
    return DueVisit(
        index,
        v.offender_id,
        v.due_date,
        v.urgency,
        options=(((v.date - monday).days, v.slot),),
        revisit=v.short_notice,
        crew=v.officer_ids,
    )


def _draw_options(
    policy: Policy, monday: date, days: list[int], rng: np.random.Generator
) -> tuple[tuple[int, str], ...]:
    """``Policy.visit_options`` secret (day, slot) options on the given days, by the
    slot shares (as the weekly draw): infeasible ones are redrawn by the problem."""
    pool = [
        (d, s.name, s.share_on(Weekday((monday + timedelta(days=d)).weekday())))
        for d in days
        for s in policy.slots
        if Weekday((monday + timedelta(days=d)).weekday()) in policy.slot_days(s)
    ]
    if not pool:
        return ()
    w = np.array([p[2] for p in pool], dtype=float) + 1e-9
    n = min(policy.visit_options, len(pool))
    picked = rng.choice(len(pool), size=n, replace=False, p=w / w.sum())
    return tuple(sorted((pool[int(i)][0], pool[int(i)][1]) for i in picked))


def _off_until(officer: Officer, monday: date, after: date) -> Officer:
    """The officer with every day up to ``after`` taken out (those days are done)."""
    past = tuple(monday + timedelta(days=d) for d in range((after - monday).days + 1))
    absent = tuple(sorted(set(officer.absent) | set(past)))
    return officer.model_copy(update={"absent": absent})


__all__ = ["rebook", "route_teams"]
