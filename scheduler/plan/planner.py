"""``plan_week``: the pipeline from a register to a weekly rota.

register -> due selection -> per-team problem (arrays) -> routing with day copies ->
rota with every offender either visited or listed with a reason.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import date, timedelta

import numpy as np

from models import (
    AuditRecord,
    Offender,
    Officer,
    OfficerDay,
    Policy,
    Register,
    Rota,
    Unscheduled,
    Visit,
    Weekday,
)
from scheduler.core.roads import offline_travel
from scheduler.core.travel import TravelModel
from scheduler.core.windows import week_dates
from scheduler.history.state import History
from scheduler.plan.candidates import visitable_on
from scheduler.plan.due import DueVisit, select_due
from scheduler.plan.households import expand_households, merge_households
from scheduler.plan.problem import TeamProblem, build_team_problem
from scheduler.plan.repair import solve_consistent
from scheduler.plan.routing import TeamSolution
from scheduler.plan.solution import rota_parts
from scheduler.timing.randomness import draw_generators, new_secret_seed, team_generators
from scheduler.timing.slot_mix import drawing_policy

SOFTWARE_VERSION = "0.1.0"


def plan_week(
    register: Register,
    policy: Policy | None = None,
    week_start: date | None = None,
    *,
    seed: int | None = None,
    travel: TravelModel | None = None,
    created_by: str = "",
    history: History | None = None,
    relax_timing: bool = False,
) -> Rota:
    """Plan one week of unannounced visits.

    Parameters
    ----------
    register
        Offenders and officers (validated together).
    policy
        Visit policy; the domain defaults when omitted.
    week_start
        The Monday the week starts; required (the library never reads the clock).
    seed
        Replays an earlier plan exactly; a fresh secret seed when omitted.
    travel
        Travel-time model; the policy's offline model (great-circle travel, with its
        speeds by time of day) when omitted.
    history
        Recorded visit outcomes (e.g. ``HistoryStore.history(policy)``): later successful
        visits, whereabouts, and failed attempts to re-attempt at another weekday and
        time of day with raised urgency.
    relax_timing
        Plan the same visits (same seed, same drawn dates) with every feasible day and
        time open to the optimiser: the travel-optimal reference the travel premium of
        randomised timing is measured against. Not for issuing: it is predictable.
    """
    if week_start is None:
        raise ValueError("week_start is required")
    policy = policy or Policy()
    seed = new_secret_seed() if seed is None else seed
    travel = travel or offline_travel(policy)

    due_rng, team_seed = draw_generators(seed)
    due, rest = week_due(register, policy, week_start, due_rng, history)
    if relax_timing:
        drawing = drawing_policy(policy, register.officers, register.offenders)
        due = relaxed_timing(due, drawing, week_start)
    planned, due, rest, households = merge_households(register, policy, week_start, due, rest)
    problems, unplaced = _team_problems(planned, policy, week_start, due, travel, team_seed)
    limits = team_time_limits(problems, policy)
    solutions = _solve_all(problems, limits, policy)
    visits, dropped, days = _merged_parts(problems, solutions, planned, policy, week_start)
    visits, left_out, days = expand_households(
        households, register, visits, unplaced + dropped, days
    )
    audit = AuditRecord(
        inputs_sha256=inputs_sha256(register, policy, week_start, history),
        seed=seed,
        policy=policy.model_dump(mode="json"),
        week_start=week_start,
        created_by=created_by,
        software_version=SOFTWARE_VERSION,
    )
    visits.sort(key=lambda v: (v.arrival, v.officer_ids))
    order = {o.id: i for i, o in enumerate(register.offenders)}
    unscheduled = sorted(rest + left_out, key=lambda u: order[u.offender_id])
    return Rota(
        week_start=week_start,
        visits=tuple(visits),
        unscheduled=tuple(unscheduled),
        officer_days=tuple(days),
        audit=audit,
    )


def _team_problems(
    register: Register,
    policy: Policy,
    week_start: date,
    due: list[DueVisit],
    travel: TravelModel,
    team_seed: int,
) -> tuple[list[TeamProblem], list[Unscheduled]]:
    """Each planning unit's problem, in unit order, each drawn with the unit's own
    generator; and the visits no problem can place."""
    teams = _officers_by_team(register.officers)
    due_by_team: dict[str, list[DueVisit]] = defaultdict(list)
    team_of_officer = {o.id: o.planning_unit for o in register.officers}
    for dv in due:
        due_by_team[team_of_officer[register.offenders[dv.index].manager_id]].append(dv)

    rngs = team_generators(team_seed, list(teams))
    problems: list[TeamProblem] = []
    unplaced: list[Unscheduled] = []
    for team in sorted(teams):
        problem, bad = build_team_problem(
            team,
            teams[team],
            due_by_team.get(team, []),
            register.offenders,
            policy,
            week_start,
            travel,
            rngs[team],
        )
        problems.append(problem)
        unplaced += bad
    return problems, unplaced


def _merged_parts(
    problems: list[TeamProblem],
    solutions: list[TeamSolution],
    register: Register,
    policy: Policy,
    week_start: date,
) -> tuple[list[Visit], list[Unscheduled], list[OfficerDay]]:
    """Every team's visits, dropped visits and officer-days, team after team."""
    visits: list[Visit] = []
    dropped: list[Unscheduled] = []
    days: list[OfficerDay] = []
    for problem, solution in zip(problems, solutions, strict=True):
        v, d, od = rota_parts(problem, solution, register, policy, week_start)
        visits += v
        dropped += d
        days += od
    return visits, dropped, days


def week_due(
    register: Register,
    policy: Policy,
    week_start: date,
    rng: np.random.Generator,
    history: History | None = None,
) -> tuple[list[DueVisit], list[Unscheduled]]:
    """The visits :func:`plan_week` plans this week (and everyone else, with a reason),
    drawn with ``rng`` (the first of :func:`draw_generators`' pair for a plan's seed).

    Days and times are drawn only where some officer can work them (no Sunday draws for
    a unit without Sunday shifts), each (weekday, slot) no more than its staffed hours
    can carry: the most even mix the unit can staff is the most random."""
    drawing = drawing_policy(policy, register.officers, register.offenders)
    return select_due(
        register.offenders,
        drawing,
        week_start,
        history,
        rng=rng,
        next_week_cover=next_week_cover(register.officers, drawing, week_start),
    )


def next_week_cover(
    officers: tuple[Officer, ...], policy: Policy, week_start: date
) -> Callable[[Offender], bool]:
    """Whether an offender's planning unit can make their visit in the week after
    ``week_start``, with the officers' known absences (leave booked ahead) and, in a
    unit of two or more, one absence to spare (:func:`visitable_on`'s ``spare``): the
    check :func:`~scheduler.plan.due.select_due` books a visit a week early on. A visit
    only one officer (or one pair) can make is late if that officer falls sick in its
    due week; booked a week ahead, it has that week to fall back on."""
    units = _officers_by_team(officers)
    unit_of = {o.id: o.planning_unit for o in officers}
    days = week_dates(week_start + timedelta(days=7))

    def covered(offender: Offender) -> bool:
        unit = unit_of.get(offender.manager_id)
        if unit is None:
            return False
        mates = units[unit]
        return visitable_on(offender, mates, policy, days, spare=len(mates) >= 2)

    return covered


def team_time_limits(problems: list[TeamProblem], policy: Policy) -> list[float]:
    """Search time per team: proportional to its due visits with a floor, scaled down to
    the optional whole-week cap."""
    settings = policy.solver
    sizes = [p.n_nodes - p.n_officers for p in problems]
    limits = [settings.time_per_visit_s * n for n in sizes]
    if settings.time_limit_s is not None and sum(limits) > 0:
        scale = min(1.0, settings.time_limit_s * settings.workers / sum(limits))
        limits = [t * scale for t in limits]
    return [max(settings.min_team_time_s, t) for t in limits]


def relaxed_timing(due: list[DueVisit], policy: Policy, week_start: date) -> list[DueVisit]:
    """The same visits with every day and time open (the travel-optimal reference),
    except that a first visit followed by a short-notice revisit stays before it: the
    same visits, in the same order."""
    revisit_day = {dv.index: (dv.due_date - week_start).days for dv in due if dv.revisit}
    out = []
    for dv in due:
        if dv.revisit:
            out.append(dv)
        elif dv.index in revisit_day:
            before = [
                (d, s.name)
                for d in range(revisit_day[dv.index])
                for s in policy.slots
                if Weekday((week_start + timedelta(days=d)).weekday()) in policy.slot_days(s)
            ]
            out.append(replace(dv, options=tuple(before), pinned=False))
        else:
            out.append(replace(dv, options=(), pinned=False))
    return out


def _solve_all(
    problems: list[TeamProblem], limits: list[float], policy: Policy
) -> list[TeamSolution]:
    gls = policy.solver.guided_local_search
    if policy.solver.workers > 1 and len(problems) > 1:
        with ProcessPoolExecutor(max_workers=policy.solver.workers) as pool:
            return list(pool.map(solve_consistent, problems, limits, [gls] * len(problems)))
    return [solve_consistent(p, t, gls) for p, t in zip(problems, limits, strict=True)]


def _officers_by_team(officers: tuple[Officer, ...]) -> dict[str, list[Officer]]:
    """Officers per planning unit: their team, or their team's cover group."""
    teams: dict[str, list[Officer]] = defaultdict(list)
    for o in officers:
        teams[o.planning_unit].append(o)
    return dict(teams)


def inputs_sha256(
    register: Register, policy: Policy, week_start: date, history: History | None = None
) -> str:
    """Fingerprint of everything the plan depended on, for the audit trail (the visit
    history too, when one was used)."""
    h = hashlib.sha256()
    h.update(register.model_dump_json().encode())
    h.update(policy.model_dump_json().encode())
    h.update(week_start.isoformat().encode())
    if history:
        h.update(history.fingerprint().encode())
    return h.hexdigest()
