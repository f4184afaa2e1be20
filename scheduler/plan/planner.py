"""``plan_week``: the pipeline from a register to a weekly rota.

register -> due selection -> per-team problem (arrays) -> routing with day copies ->
rota with every offender either visited or listed with a reason.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

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
from scheduler.core.travel import GreatCircleTravel, TravelModel
from scheduler.core.windows import week_dates
from scheduler.history.state import History
from scheduler.plan.candidates import visitable_on
from scheduler.plan.due import DueVisit, select_due
from scheduler.plan.engines import Engine
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
    executor: Executor | None = None,
    stats: dict[str, float] | None = None,
    on_team: Callable[[int, int], None] | None = None,
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
    executor
        Where the independent team problems are built and solved, e.g. a Dask
        cluster's (``distributed.Client(address).get_executor()``); by default
        ``policy.solver.workers`` local processes. Each team has its own generator, so
        the plan is the same wherever it runs.
    stats
        Filled, when given, with wall seconds per stage (``due``, ``build``, ``solve``,
        ``merge``) and the CPU seconds inside OR-Tools summed over teams (``search``),
        for the benchmarks; the plan never depends on them.
    on_team
        Called as ``on_team(solved, units)`` before the search and after each planning
        unit is solved, e.g. to draw a progress bar; the plan never depends on it.
    """
    if week_start is None:
        raise ValueError("week_start is required")
    policy = policy or Policy()
    seed = new_secret_seed() if seed is None else seed
    travel = travel or offline_travel(policy)

    clock = _StageClock(stats)
    due_rng, team_seed = draw_generators(seed)
    due, rest = week_due(register, policy, week_start, due_rng, history)
    if relax_timing:
        drawing = drawing_policy(policy, register.officers, register.offenders)
        due = relaxed_timing(due, drawing, week_start)
    planned, due, rest, households = merge_households(register, policy, week_start, due, rest)
    tasks = team_tasks(planned, policy, week_start, due, travel, team_seed)
    clock.lap("due")
    with _team_executor(policy, len(tasks), executor) as pool:
        problems, unplaced = _team_problems(tasks, travel, pool)
        clock.lap("build")
        limits = team_time_limits(problems, policy)
        if on_team is not None:
            on_team(0, len(problems))
        solutions = _solve_all(problems, limits, policy, pool, on_team)
    clock.lap("solve")
    visits, dropped, days = _merged_parts(problems, solutions, planned, policy, week_start)
    visits, left_out, days = expand_households(
        households, register, visits, unplaced + dropped, days
    )
    clock.lap("merge", search=sum(s.search_s for s in solutions))
    audit = AuditRecord(
        inputs_sha256=inputs_sha256(register, policy, week_start, history),
        seed=seed,
        policy=policy.model_dump(mode="json"),
        week_start=week_start,
        created_by=created_by,
        software_version=SOFTWARE_VERSION,
    )
    return _rota(register, week_start, visits, rest + left_out, days, audit)


def _rota(
    register: Register,
    week_start: date,
    visits: list[Visit],
    unscheduled: list[Unscheduled],
    days: list[OfficerDay],
    audit: AuditRecord,
) -> Rota:
    """The week's rota: visits in time order, everyone else in register order."""
    visits.sort(key=lambda v: (v.arrival, v.officer_ids))
    order = {o.id: i for i, o in enumerate(register.offenders)}
    return Rota(
        week_start=week_start,
        visits=tuple(visits),
        unscheduled=tuple(sorted(unscheduled, key=lambda u: order[u.offender_id])),
        officer_days=tuple(days),
        audit=audit,
    )


@dataclass(frozen=True)
class TeamTask:
    """What one planning unit's problem is built from: the unit's officers, due visits
    and their offenders (by register index) only, so that it is cheap to send to a
    worker process or a cluster."""

    team: str
    officers: list[Officer]
    due: list[DueVisit]
    offenders: dict[int, Offender]
    policy: Policy
    week_start: date
    travel: TravelModel
    rng: np.random.Generator


def team_tasks(
    register: Register,
    policy: Policy,
    week_start: date,
    due: list[DueVisit],
    travel: TravelModel,
    team_seed: int,
) -> list[TeamTask]:
    """Each planning unit's task, in unit order, each with the unit's own generator."""
    teams = _officers_by_team(register.officers)
    due_by_team: dict[str, list[DueVisit]] = defaultdict(list)
    team_of_officer = {o.id: o.planning_unit for o in register.officers}
    for dv in due:
        due_by_team[team_of_officer[register.offenders[dv.index].manager_id]].append(dv)
    rngs = team_generators(team_seed, list(teams))
    return [
        TeamTask(
            team,
            teams[team],
            due_by_team.get(team, []),
            {dv.index: register.offenders[dv.index] for dv in due_by_team.get(team, [])},
            policy,
            week_start,
            travel,
            rngs[team],
        )
        for team in sorted(teams)
    ]


def build_task(task: TeamTask) -> tuple[TeamProblem, list[Unscheduled]]:
    """One unit's problem and the visits it cannot place (a worker's first job)."""
    return build_team_problem(
        task.team,
        task.officers,
        task.due,
        task.offenders,
        task.policy,
        task.week_start,
        task.travel,
        task.rng,
    )


def _team_problems(
    tasks: list[TeamTask], travel: TravelModel, pool: Executor | None
) -> tuple[list[TeamProblem], list[Unscheduled]]:
    """Each unit's problem, in unit order, and the visits no problem can place: built
    on ``pool`` when the travel model is the offline one (computed from coordinates
    alone); a road-server model is asked here, in one process, with its cache."""
    offline = isinstance(travel, GreatCircleTravel)
    built = _in_size_order(build_task, tasks, pool if offline else None, _task_size)
    problems = [p for p, _ in built]
    return problems, [u for _, bad in built for u in bad]


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
    problems: list[TeamProblem],
    limits: list[float],
    policy: Policy,
    pool: Executor | None,
    on_team: Callable[[int, int], None] | None = None,
) -> list[TeamSolution]:
    """Every team's repaired solution, in team order, the biggest teams sent first."""
    gls, engine = policy.solver.guided_local_search, policy.solver.engine
    jobs = [(p, t, gls, engine) for p, t in zip(problems, limits, strict=True)]
    solved = iter(range(1, len(jobs) + 1))
    done = None if on_team is None else (lambda: on_team(next(solved), len(jobs)))
    return _in_size_order(_solve_job, jobs, pool, lambda job: job[0].n_nodes, done)


def _solve_job(job: tuple[TeamProblem, float, bool, Engine]) -> TeamSolution:
    return solve_consistent(*job)


def _task_size(task: TeamTask) -> int:
    return len(task.due)


def _in_size_order(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    pool: Executor | None,
    size: Callable[[Any], int],
    done: Callable[[], None] | None = None,
) -> list[Any]:
    """``[fn(x) for x in items]``, on ``pool`` when there is one, the largest items
    started first (a big team started last would leave a core idle at the end);
    ``done`` is called after each item."""
    out: list[Any] = [None] * len(items)
    if pool is None:
        order = list(range(len(items)))
        results: Iterator[Any] = (fn(x) for x in items)
    else:
        order = sorted(range(len(items)), key=lambda i: -size(items[i]))
        results = pool.map(fn, [items[i] for i in order])
    for i, result in zip(order, results, strict=True):
        out[i] = result
        if done is not None:
            done()
    return out


@contextmanager
def _team_executor(
    policy: Policy, n_teams: int, executor: Executor | None
) -> Iterator[Executor | None]:
    """The given executor; else ``policy.solver.workers`` local processes when there
    are teams to share out; else None (this process)."""
    if executor is not None:
        yield executor
        return
    if policy.solver.workers > 1 and n_teams > 1:
        with ProcessPoolExecutor(max_workers=min(policy.solver.workers, n_teams)) as pool:
            yield pool
        return
    yield None


class _StageClock:
    """Wall seconds per stage into ``stats`` (when given): what the benchmarks report."""

    def __init__(self, stats: dict[str, float] | None) -> None:
        self.stats, self.last = stats, time.perf_counter()

    def lap(self, stage: str, **extra: float) -> None:
        now = time.perf_counter()
        if self.stats is not None:
            self.stats[stage] = now - self.last
            self.stats.update(extra)
        self.last = now


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
