"""Staffing planner: how many officers does a unit need to keep its visits on time?

A staffing sweep runs the multi-week simulation (:func:`scheduler.simulate.simulate`:
the real weekly planner, week after week, with drawn failures, register events and
officer absences) for a range of officer counts, several seeded replications each, and
reports compliance against staffing with uncertainty bands and the smallest staffing
that meets a target. Beside it sits a workload lower bound: the officers that the visit
hours plus the least possible travel would need if every available hour were used.

* :func:`restaff` gives a register any number of officers (spread over its teams in
  proportion to their sizes) and re-allocates the caseloads with the exact allocation.
* :func:`workload_lower_bound` is the bound (assumptions in its docstring).
* :class:`SweepTask` / :func:`run_task` / :func:`run_sweep` run the sweep;
  :func:`summarise` turns its rows into a :class:`StaffingCurve`.

Why Dask distributed for scale-out
----------------------------------
Replications and levels are independent runs, so by default they go to local processes
(``concurrent.futures.ProcessPoolExecutor``). Given a cluster address, the same sweep
runs on an existing Dask cluster: ``dask.distributed.Client(address).get_executor()``
*is* a ``concurrent.futures.Executor``, so :func:`run_sweep` maps the same pure,
picklable :func:`run_task` over it and nothing else changes (no second code path to
test); it connects to a running scheduler by its address (``tcp://host:8786``), and it
is a light, pure-Python dependency. Ray would need its own task API (``@ray.remote``,
``ray.get``) or actors, i.e. a second way of running the same work. Workers of a real
cluster need this package installed (``pip install rota-planner``).

Every task seeds itself (:attr:`SweepTask.sim_seed`) and the rows come back in task
order, so a sweep gives the same rows run serially, over local processes or on a
cluster. Nothing here prints: the progress bar (``tqdm``) writes to stderr only when
asked.
"""

from __future__ import annotations

import math
import os
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from models import OffenderStatus, Officer, Policy, Register, RiskTier
from models.simulation import EventRates
from scheduler.allocation import AllocationSettings, allocate
from scheduler.exceptions import RotaError
from scheduler.gaps import gap_pmf, mean_gap
from scheduler.simulate import TIERS, WeekRow, simulate
from scheduler.travel import GreatCircleTravel, TravelModel

WEEK_DAYS = 7
#: Officer-id suffix of officers added by :func:`restaff` (``<TEAM>-S001``).
ADDED_OFFICER_TAG = "S"
#: Most officers a sweep level may have (a guard against typos like 4:1000000).
MAX_OFFICERS = 100_000


class StaffingError(RotaError):
    """A staffing request that cannot be carried out (bad officer range, unknown
    scenario, fewer officers than teams)."""


# --------------------------------------------------------------------------------------
# Restaffing a register
# --------------------------------------------------------------------------------------


def team_counts(sizes: dict[str, int], officers: int) -> dict[str, int]:
    """Officers per team for a total of ``officers``: in proportion to ``sizes`` (the
    current team sizes) by largest remainder, at least one per team.

    Teams with equal remainders are served in name order, so the split is deterministic.
    """
    if not sizes:
        raise StaffingError("the register has no officers, so no teams to staff")
    if officers < len(sizes):
        raise StaffingError(
            f"{officers} officer(s) cannot staff {len(sizes)} teams: at least one per team"
        )
    total = sum(sizes.values())
    teams = sorted(sizes)
    quota = {t: officers * sizes[t] / total for t in teams}
    count = {t: max(1, math.floor(quota[t])) for t in teams}
    short = officers - sum(count.values())
    if short > 0:
        order = sorted(teams, key=lambda t: (-(quota[t] - math.floor(quota[t])), t))
        for t in order[:short]:
            count[t] += 1
    while short < 0:  # the minimum of one pushed the total over: trim the most over quota
        t = min((t for t in teams if count[t] > 1), key=lambda t: (quota[t] - count[t], t))
        count[t] -= 1
        short += 1
    return count


def _id_stem(team: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", team).strip("-").upper() or "TEAM"
    return stem[:56]


def _team_officers(team: str, current: list[Officer], k: int, taken: set[str]) -> list[Officer]:
    """``k`` officers for a team: its first ``k`` officers, or all of them plus clones of
    them round-robin (same shifts, base, visit hours, cap and gender) with new ids."""
    if k <= len(current):
        return current[:k]
    out = list(current)
    stem = _id_stem(team)
    n = 0
    for i in range(k - len(current)):
        model = current[i % len(current)]
        while True:
            n += 1
            oid = f"{stem}-{ADDED_OFFICER_TAG}{n:03d}"
            if oid not in taken:
                break
        taken.add(oid)
        out.append(model.model_copy(update={"id": oid, "absent": ()}))
    return out


def restaff(
    register: Register,
    officers: int,
    policy: Policy | None = None,
    *,
    caseload_cap: int | None = None,
    visit_hours: float | None = None,
) -> Register:
    """The same offenders with ``officers`` officers, caseloads re-allocated.

    Officers are spread over the teams in proportion to the current team sizes
    (:func:`team_counts`: largest remainder, at least one per team). A team that grows
    gets clones of its own officers, round-robin (same shifts, base, visit hours and
    gender; ids ``<TEAM>-S001``...); a team that shrinks loses officers from the end of
    its list. Caseloads are then re-allocated with the exact allocation
    (:func:`scheduler.allocation.allocate`, continuity kept where it can be).

    Nobody is left unmanaged: each officer's cap is raised to at least ``ceil(team
    offenders / team officers)`` (the weekly planner needs every offender to have a
    manager in a team with officers), and an offender the allocation still cannot place
    (an officer-gender requirement the remaining officers cannot meet, or a cap at the
    model's 1000 limit) goes to the least-loaded officer of their team: the planner then
    lists their visits as a shortfall, which is the true consequence of that staffing.

    Parameters
    ----------
    caseload_cap
        A uniform caseload cap for every officer (raised as above where it cannot hold;
        a sweep row reports the largest caseload so the cap can be checked).
    visit_hours
        A uniform visit-hour budget per working day for every officer.
    """
    policy = policy or Policy()
    if officers < 1 or officers > MAX_OFFICERS:
        raise StaffingError(f"officers must be between 1 and {MAX_OFFICERS}, got {officers}")
    by_team: dict[str, list[Officer]] = defaultdict(list)
    for o in register.officers:
        by_team[o.team].append(o)
    counts = team_counts({t: len(v) for t, v in by_team.items()}, officers)
    team_of = {o.id: o.team for o in register.officers}
    team_load = Counter(team_of[o.manager_id] for o in register.offenders)
    update: dict[str, Any] = {}
    if visit_hours is not None:
        update["visit_hours"] = float(visit_hours)
    taken = {o.id for o in register.officers}
    kept: list[Officer] = []
    added: list[Officer] = []
    for team in sorted(by_team):
        chosen = _team_officers(team, by_team[team], counts[team], taken)
        floor_cap = math.ceil(team_load[team] / counts[team])
        for o in chosen:
            cap = min(1000, max(caseload_cap or o.caseload_cap, floor_cap))
            new = o.model_copy(update={**update, "caseload_cap": cap})
            (kept if o.id in team_of else added).append(new)
    keep_ids = {o.id for o in kept}
    removed = [o for o in register.officers if o.id not in keep_ids]
    base = Register(offenders=register.offenders, officers=tuple(kept) + tuple(removed))
    allocation = allocate(
        base,
        policy,
        settings=AllocationSettings(pro_rata=False),
        add_officers=added,
        remove_officers=[o.id for o in removed],
    )
    staff = tuple(kept) + tuple(added)
    assignment = _place_unallocated(allocation.assignment, register, staff, team_of)
    offenders = tuple(
        o
        if assignment[o.id] == o.manager_id
        else o.model_copy(update={"manager_id": assignment[o.id]})
        for o in register.offenders
    )
    return Register(offenders=offenders, officers=staff)


def _place_unallocated(
    assignment: dict[str, str | None],
    register: Register,
    staff: tuple[Officer, ...],
    team_of: dict[str, str],
) -> dict[str, str]:
    """Every offender the allocation left without a manager goes to the least-loaded
    officer of their team (ties by id), so the register stays plannable."""
    load = Counter(v for v in assignment.values() if v is not None)
    mates: dict[str, list[str]] = defaultdict(list)
    for o in staff:
        mates[o.team].append(o.id)
    out: dict[str, str] = {}
    for off in register.offenders:
        manager = assignment.get(off.id)
        if manager is None:
            manager = min(mates[team_of[off.manager_id]], key=lambda m: (load[m], m))
            load[manager] += 1
        out[off.id] = manager
    return out


# --------------------------------------------------------------------------------------
# Workload lower bound
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamBound:
    """One team's share of the lower bound (per week)."""

    team: str
    officers_now: int
    active: int
    visits_per_week: float
    attempts_per_week: float
    visit_hours: float
    travel_hours: float
    hours_per_officer: float
    officers: int

    @property
    def workload_hours(self) -> float:
        return self.visit_hours + self.travel_hours


@dataclass(frozen=True)
class LowerBound:
    """Officers the visit workload needs at the very least, with its parts (per week).

    ``officers`` adds up each team's ``max(1, ceil(team workload / team hours per
    officer))``: officers do not move between teams and every team needs one, so this is
    the bound a whole-register staffing level is held to. ``officers_pooled`` is
    ``ceil(total workload / hours per officer)`` as if the register were one team.
    """

    officers: int
    officers_pooled: int
    visits_per_week: float
    attempts_per_week: float
    visit_hours_per_week: float
    travel_hours_per_week: float
    hours_per_officer_week: float
    teams: tuple[TeamBound, ...] = ()

    @property
    def workload_hours_per_week(self) -> float:
        return self.visit_hours_per_week + self.travel_hours_per_week

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable figures (teams included)."""
        r = 3
        return {
            "officers": self.officers,
            "officers_pooled": self.officers_pooled,
            "visits_per_week": round(self.visits_per_week, r),
            "attempts_per_week": round(self.attempts_per_week, r),
            "visit_hours_per_week": round(self.visit_hours_per_week, r),
            "travel_hours_per_week": round(self.travel_hours_per_week, r),
            "workload_hours_per_week": round(self.workload_hours_per_week, r),
            "hours_per_officer_week": round(self.hours_per_officer_week, r),
            "teams": [
                {
                    "team": t.team,
                    "officers_now": t.officers_now,
                    "active": t.active,
                    "visits_per_week": round(t.visits_per_week, r),
                    "attempts_per_week": round(t.attempts_per_week, r),
                    "visit_hours": round(t.visit_hours, r),
                    "travel_hours": round(t.travel_hours, r),
                    "hours_per_officer": round(t.hours_per_officer, r),
                    "officers": t.officers,
                }
                for t in self.teams
            ],
        }


def availability(rates: EventRates) -> float:
    """Expected share of an officer's working days they are at work, exactly as
    :func:`scheduler.simulate.simulate` draws absences: a whole week of leave with
    probability ``leave_share``, otherwise each day lost to sickness or abstraction with
    probability ``sickness_share + abstraction_share``. (It is a little above
    ``1 - rates.absence_share``, so using it keeps the bound a bound.)"""
    return (1.0 - rates.leave_share) * (1.0 - rates.sickness_share - rates.abstraction_share)


def min_incoming_travel_s(
    home_lat: np.ndarray,
    home_lon: np.ndarray,
    base_lat: np.ndarray,
    base_lon: np.ndarray,
    travel: TravelModel,
) -> np.ndarray:
    """For each home, the least travel time into it from any other home or any base.

    In any route each visited home has exactly one incoming arc, from a base or from
    another home the team visits, so the sum over visits of these minima is a lower
    bound on the routes' travel (returns to base left out)."""
    n = len(home_lat)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    lat = np.concatenate([np.asarray(home_lat, float), np.asarray(base_lat, float)])
    lon = np.concatenate([np.asarray(home_lon, float), np.asarray(base_lon, float)])
    m = travel.matrix_s(lat, lon).astype(np.int64)
    into = m[:, :n].copy()  # rows: from any node; columns: into each home
    into[np.arange(n), np.arange(n)] = np.iinfo(np.int64).max  # not from itself
    if into.shape[0] == 1:
        return np.zeros(n, dtype=np.int64)
    return np.asarray(into.min(axis=0), dtype=np.int64)


def workload_lower_bound(
    register: Register,
    policy: Policy | None = None,
    rates: EventRates | None = None,
    *,
    travel: TravelModel | None = None,
) -> LowerBound:
    """The fewest officers that could do the register's visit workload.

    Per week, for every offender active at the start (not reactive, in custody, in
    hospital, abroad or missing):

    * successful visits: ``7 / mean gap`` of the offender's interval under the policy's
      gap distribution (:func:`scheduler.gaps.gap_pmf`, mean ``gap_mean_share x I``);
    * attempts: visits x ``1 / (1 - rates.fail_share)``, the expected attempts per
      success when each attempt fails (no answer, refused, cancelled) independently
      with probability ``fail_share``;
    * officer time per attempt: ``visit_minutes`` of the tier (twice for a two-officer
      visit) plus the least travel into the home from any other home of the team or
      any of its officers' bases (:func:`min_incoming_travel_s`; twice for a
      two-officer visit, both officers arrive).

    Hours available per officer per week: ``visit_hours`` x working days (shifts) x the
    expected share of days at work (:func:`availability`), averaged over the officers
    (per team for the per-team figure).

    What the bound leaves out, each of which only adds work or removes capacity in the
    simulation: time windows (shifts, slots, offenders' unavailability), the return
    to base at the end of each day, visits that cannot be made for structural reasons
    (no two officers on duty together, officer-gender rules), the starting backlog, the
    short-notice revisits, visits that find the offender away or gone, and the
    register's growth (new registrations outnumber deregistrations with the default
    rates). What it assumes: successes come at the drawn dates, so the delay a failed
    attempt adds before the next success is not counted as fewer visits (it is a few
    days per failure, i.e. some percent fewer visits for the very-high tier); and the
    register's mix of active offenders stays as it is at the start.
    """
    policy = policy or Policy()
    rates = rates or EventRates()
    travel = travel or GreatCircleTravel(policy.speed_kmh, policy.circuity)
    per_success = 1.0 / (1.0 - rates.fail_share)
    at_work = availability(rates)
    gap_of: dict[tuple[RiskTier, int], float] = {}

    def visits_per_week(tier: RiskTier, interval: int) -> float:
        key = (tier, interval)
        if key not in gap_of:
            pmf = gap_pmf(policy.gap_shape, interval, policy.gap_mean_share[tier])
            gap_of[key] = WEEK_DAYS / mean_gap(pmf)
        return gap_of[key]

    team_of = {o.id: o.team for o in register.officers}
    staff: dict[str, list[Officer]] = defaultdict(list)
    for o in register.officers:
        staff[o.team].append(o)
    caseload: dict[str, list[int]] = defaultdict(list)
    for i, off in enumerate(register.offenders):
        caseload[team_of[off.manager_id]].append(i)

    teams: list[TeamBound] = []
    for team in sorted(staff):
        mine = [register.offenders[i] for i in caseload.get(team, [])]
        officers = staff[team]
        into_s = min_incoming_travel_s(
            np.array([o.home.lat for o in mine]),
            np.array([o.home.lon for o in mine]),
            np.array([o.base.lat for o in officers]),
            np.array([o.base.lon for o in officers]),
            travel,
        )
        visits = attempts = visit_h = travel_h = 0.0
        active = 0
        for off, t_s in zip(mine, into_s.tolist(), strict=True):
            if off.status is not OffenderStatus.ACTIVE:
                continue
            active += 1
            crew = 2 if off.two_officers else 1
            v = visits_per_week(off.tier, policy.interval_for(off.tier, off.interval_days))
            a = v * per_success
            visits += v
            attempts += a
            visit_h += a * crew * policy.visit_minutes[off.tier] / 60
            travel_h += a * crew * t_s / 3600
        hours = at_work * float(np.mean([o.visit_hours * len(o.shifts) for o in officers]))
        need = max(1, math.ceil((visit_h + travel_h) / hours - 1e-9)) if hours > 0 else 1
        teams.append(
            TeamBound(team, len(officers), active, visits, attempts, visit_h, travel_h, hours, need)
        )
    all_hours = at_work * float(np.mean([o.visit_hours * len(o.shifts) for o in register.officers]))
    work = sum(t.workload_hours for t in teams)
    pooled = max(1, math.ceil(work / all_hours - 1e-9)) if all_hours > 0 else 1
    return LowerBound(
        officers=sum(t.officers for t in teams),
        officers_pooled=pooled,
        visits_per_week=sum(t.visits_per_week for t in teams),
        attempts_per_week=sum(t.attempts_per_week for t in teams),
        visit_hours_per_week=sum(t.visit_hours for t in teams),
        travel_hours_per_week=sum(t.travel_hours for t in teams),
        hours_per_officer_week=all_hours,
        teams=tuple(teams),
    )


# --------------------------------------------------------------------------------------
# The sweep
# --------------------------------------------------------------------------------------


def parse_levels(text: str) -> list[int]:
    """Officer counts from ``"4:10"`` (inclusive), ``"4:10:2"`` (step) or ``"4,5,6"``.

    Returns the distinct counts in increasing order; raises :class:`StaffingError` with
    a message that names the problem."""
    text = text.strip()
    try:
        if ":" in text:
            parts = [int(p) for p in text.split(":")]
            if len(parts) not in (2, 3):
                raise ValueError
            lo, hi = parts[0], parts[1]
            step = parts[2] if len(parts) == 3 else 1
            if step < 1:
                raise StaffingError(f"officer range {text!r}: the step must be at least 1")
            if hi < lo:
                raise StaffingError(f"officer range {text!r}: the end is below the start")
            levels = list(range(lo, hi + 1, step))
        else:
            levels = [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise StaffingError(
            f"officer levels {text!r}: use a range like 4:10 or 4:10:2, or a list like 4,5,6"
        ) from None
    if not levels:
        raise StaffingError(f"officer levels {text!r}: no level given")
    bad = [n for n in levels if n < 1 or n > MAX_OFFICERS]
    if bad:
        raise StaffingError(
            f"officer levels {text!r}: {bad[0]} is not between 1 and {MAX_OFFICERS}"
        )
    return sorted(set(levels))


@dataclass(frozen=True)
class SweepTask:
    """One simulation of a sweep: a scenario at one staffing level, one replication.

    ``scenario`` names a benchmark scenario (``"borough@1"``, see
    :mod:`data.benchmark_scenarios`); give ``register`` and ``start`` to sweep your own
    register instead (``scenario`` is then only its label). Pure data: picklable, so it
    runs in another process or on a cluster worker.
    """

    scenario: str
    officers: int
    replication: int
    weeks: int
    warmup_weeks: int
    seed: int
    policy: Policy = field(default_factory=Policy)
    rates: EventRates = field(default_factory=EventRates)
    caseload_cap: int | None = None
    visit_hours: float | None = None
    register: Register | None = None
    start: date | None = None
    #: Multiplies the routing search's time limits (:func:`sweep_policy`), so the
    #: search ends at its local optimum, not at the clock, and results do not depend
    #: on the machine's load.
    search_time_factor: float = 10.0

    @property
    def sim_seed(self) -> int:
        """The simulation's seed: from the sweep seed and the replication only, so every
        staffing level of a replication sees the same random stream where it can (common
        random numbers make the differences between levels less noisy)."""
        ss = np.random.SeedSequence([self.seed, self.replication])
        return int(ss.generate_state(1, np.uint64)[0] >> 1)


@dataclass(frozen=True)
class SweepRow:
    """What one task's simulation gave. Rows compare equal when their results are
    equal (``elapsed_s`` is left out)."""

    scenario: str
    officers: int
    replication: int
    seed: int
    weeks: int
    warmup_weeks: int
    #: Share of offender-weeks on time after the warm-up: per tier, high and very high
    #: together ("high_and_very_high") and over all tiers ("all").
    compliance: dict[str, float]
    #: Mean offenders overdue per week after the warm-up, and at the end.
    overdue_mean: float
    overdue_end: int
    #: Busy (travel + visits) over visit-hour budget, after the warm-up.
    utilisation: float
    travel_h_per_week: float
    visits_per_week: float
    shortfall_per_week: float
    max_caseload: int
    caseload_cap: int | None
    totals: dict[str, float]
    week_rows: tuple[WeekRow, ...]
    #: Per officer-week utilisation after the warm-up (weeks with some budget only).
    utilisation_sample: tuple[float, ...]
    elapsed_s: float = field(default=0.0, compare=False)

    @property
    def caseload_ok(self) -> bool:
        """No caseload above the requested cap (always true without one)."""
        return self.caseload_cap is None or self.max_caseload <= self.caseload_cap

    def flat(self) -> dict[str, object]:
        """One CSV row (``sweep.csv``)."""
        row: dict[str, object] = {
            "scenario": self.scenario,
            "officers": self.officers,
            "replication": self.replication,
            "seed": self.seed,
            "weeks": self.weeks,
            "warmup_weeks": self.warmup_weeks,
            "compliance_high_and_very_high": round(self.compliance["high_and_very_high"], 6),
            "compliance_all": round(self.compliance["all"], 6),
        }
        for t in TIERS:
            row[f"compliance_{t.value}"] = round(self.compliance[t.value], 6)
        row.update(
            {
                "overdue_mean": round(self.overdue_mean, 4),
                "overdue_end": self.overdue_end,
                "utilisation": round(self.utilisation, 4),
                "travel_h_per_week": round(self.travel_h_per_week, 3),
                "visits_per_week": round(self.visits_per_week, 3),
                "shortfall_per_week": round(self.shortfall_per_week, 3),
                "max_caseload": self.max_caseload,
                "caseload_cap": "" if self.caseload_cap is None else self.caseload_cap,
                "elapsed_s": round(self.elapsed_s, 2),
            }
        )
        return row


SWEEP_COLUMNS = [
    "scenario",
    "officers",
    "replication",
    "seed",
    "weeks",
    "warmup_weeks",
    "compliance_high_and_very_high",
    "compliance_all",
    *[f"compliance_{t.value}" for t in TIERS],
    "overdue_mean",
    "overdue_end",
    "utilisation",
    "travel_h_per_week",
    "visits_per_week",
    "shortfall_per_week",
    "max_caseload",
    "caseload_cap",
    "elapsed_s",
]


def make_tasks(
    scenario: str,
    levels: Iterable[int],
    *,
    replications: int,
    weeks: int,
    warmup_weeks: int,
    seed: int,
    policy: Policy | None = None,
    rates: EventRates | None = None,
    caseload_cap: int | None = None,
    visit_hours: float | None = None,
    register: Register | None = None,
    start: date | None = None,
) -> list[SweepTask]:
    """Every (level, replication) task of a sweep, levels outermost."""
    if replications < 1:
        raise StaffingError(f"replications must be at least 1, got {replications}")
    if weeks < 1:
        raise StaffingError(f"weeks must be at least 1, got {weeks}")
    if not 0 <= warmup_weeks < weeks:
        raise StaffingError(
            f"the warm-up ({warmup_weeks} weeks) must be shorter than the run ({weeks} weeks)"
        )
    if (register is None) != (start is None):
        raise StaffingError("give both a register and its start Monday, or neither")
    policy = policy or Policy()
    rates = rates or EventRates()
    return [
        SweepTask(
            scenario=scenario,
            officers=n,
            replication=r,
            weeks=weeks,
            warmup_weeks=warmup_weeks,
            seed=seed,
            policy=policy,
            rates=rates,
            caseload_cap=caseload_cap,
            visit_hours=visit_hours,
            register=register,
            start=start,
        )
        for n in levels
        for r in range(replications)
    ]


def task_register(task: SweepTask) -> tuple[Register, date]:
    """The task's register before restaffing and the Monday it starts."""
    if task.register is not None and task.start is not None:
        return task.register, task.start
    from data.benchmark_scenarios import build

    try:
        sc = build(task.scenario)
    except ValueError as exc:
        raise StaffingError(str(exc)) from None
    return sc.register, sc.week_start


def sweep_policy(policy: Policy, search_time_factor: float) -> Policy:
    """The policy a sweep simulates with: teams solved in-process
    (``solver.workers = 1``: the sweep itself is the parallel part) and the routing
    search's time limits multiplied by ``search_time_factor``.

    The weekly search stops at a local optimum, which takes a fraction of its time
    limit, but now and then (repair passes get half the time) it is cut by the clock,
    and then its result depends on how busy the machine is. With ten times the limit no
    solve of borough or met came near it (at most 0.3 of it) and no run was slower, so a
    run gives the same result serially, over processes or on a cluster, under any
    load: what the planner gives when it is not pressed for time."""
    s = policy.solver
    update: dict[str, Any] = {
        "workers": 1,
        "time_per_visit_s": min(60.0, s.time_per_visit_s * search_time_factor),
        "min_team_time_s": min(600.0, s.min_team_time_s * search_time_factor),
    }
    if s.time_limit_s is not None:
        update["time_limit_s"] = min(36_000.0, s.time_limit_s * search_time_factor)
    return policy.model_copy(update={"solver": s.model_copy(update=update)})


def run_task(task: SweepTask) -> SweepRow:
    """Run one task: build the scenario, restaff it to the task's level, simulate it
    with :func:`sweep_policy`.

    Pure: the result depends on the task alone."""
    started = time.perf_counter()
    base, start = task_register(task)
    policy = sweep_policy(task.policy, task.search_time_factor)
    register = restaff(
        base,
        task.officers,
        policy,
        caseload_cap=task.caseload_cap,
        visit_hours=task.visit_hours,
    )
    result = simulate(
        register,
        policy,
        start,
        task.weeks,
        seed=task.sim_seed,
        rates=task.rates,
        warmup_weeks=task.warmup_weeks,
    )
    counted = [w for w in result.weeks if w.week > task.warmup_weeks]
    busy = sum(w.busy_h for w in counted)
    budget = sum(w.budget_h for w in counted)
    sample = tuple(
        round(ow.utilisation, 6)
        for ow in result.officer_weeks
        if ow.week >= task.warmup_weeks and ow.budget_h > 0
    )
    n = max(len(counted), 1)
    return SweepRow(
        scenario=task.scenario,
        officers=task.officers,
        replication=task.replication,
        seed=task.sim_seed,
        weeks=task.weeks,
        warmup_weeks=task.warmup_weeks,
        compliance=result.compliance(),
        overdue_mean=sum(sum(w.overdue.values()) for w in counted) / n,
        overdue_end=sum(result.weeks[-1].overdue.values()),
        utilisation=busy / budget if budget else 0.0,
        travel_h_per_week=sum(w.travel_h for w in counted) / n,
        visits_per_week=sum(w.planned for w in counted) / n,
        shortfall_per_week=sum(w.shortfall for w in counted) / n,
        max_caseload=max(Counter(o.manager_id for o in register.offenders).values(), default=0),
        caseload_cap=task.caseload_cap,
        totals=result.totals(),
        week_rows=tuple(result.weeks),
        utilisation_sample=sample,
        elapsed_s=time.perf_counter() - started,
    )


class InlineExecutor(Executor):
    """Runs each task at once in this process: the serial sweep, through the same
    ``concurrent.futures`` interface as the parallel ones."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered through the future, like a pool
            future.set_exception(exc)
        return future


@contextmanager
def sweep_executor(workers: int | None = None, cluster: str | None = None) -> Iterator[Executor]:
    """The executor a sweep runs on: a Dask cluster's (``cluster`` is its scheduler
    address, e.g. ``tcp://host:8786``), else ``workers`` local processes (default: one
    per CPU; 1 runs in this process)."""
    if cluster is not None:
        try:
            from dask.distributed import Client
        except ImportError:
            raise StaffingError(
                "running on a cluster needs Dask: pip install 'dask[distributed]'"
            ) from None
        try:
            client = Client(cluster, timeout="30s")
        except (OSError, TimeoutError) as exc:
            raise StaffingError(f"cannot reach the Dask scheduler at {cluster}: {exc}") from None
        try:
            yield client.get_executor(pure=False)
        finally:
            client.close()
        return
    workers = workers or os.cpu_count() or 1
    if workers < 1:
        raise StaffingError(f"workers must be at least 1, got {workers}")
    if workers == 1:
        yield InlineExecutor()
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield pool


def run_sweep(
    tasks: Sequence[SweepTask],
    executor: Executor | None = None,
    progress: bool = True,
) -> list[SweepRow]:
    """Run every task on ``executor`` (default: local processes, one per CPU) and return
    the rows in task order, whatever order they finish in. ``progress`` shows a
    ``tqdm`` bar on stderr."""
    if executor is None:
        with sweep_executor() as own:
            return run_sweep(tasks, own, progress)
    from tqdm import tqdm

    futures = {executor.submit(run_task, t): k for k, t in enumerate(tasks)}
    rows: list[SweepRow | None] = [None] * len(tasks)
    with tqdm(
        total=len(tasks), desc="staffing sweep", unit="run", file=sys.stderr, disable=not progress
    ) as bar:
        try:
            for fut in as_completed(futures):
                rows[futures[fut]] = fut.result()
                bar.update(1)
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise
    return [r for r in rows if r is not None]


# --------------------------------------------------------------------------------------
# Summary: the staffing curve
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The compliance a staffing level must reach: shares of offender-weeks on time
    after the warm-up. ``every_replication`` (default) asks it of every replication,
    otherwise of their mean."""

    high_and_very_high: float = 1.0
    all: float = 0.95
    every_replication: bool = True

    def met_by(self, compliance: dict[str, float]) -> bool:
        eps = 1e-12
        return (
            compliance["high_and_very_high"] >= self.high_and_very_high - eps
            and compliance["all"] >= self.all - eps
        )


@dataclass(frozen=True)
class Band:
    """Mean of a figure over replications, its range, and with three or more
    replications a normal 95% interval of the mean (``mean ± 1.96 sd / sqrt(n)``)."""

    mean: float
    low: float
    high: float
    ci_low: float | None = None
    ci_high: float | None = None

    @classmethod
    def of(cls, values: Sequence[float]) -> Band:
        x = np.asarray(values, dtype=float)
        mean = float(x.mean())
        if len(x) >= 3:
            half = 1.96 * float(x.std(ddof=1)) / math.sqrt(len(x))
            return cls(mean, float(x.min()), float(x.max()), mean - half, mean + half)
        return cls(mean, float(x.min()), float(x.max()))


@dataclass(frozen=True)
class LevelSummary:
    officers: int
    replications: int
    high_and_very_high: Band
    all: Band
    overdue: Band
    utilisation: Band
    max_caseload: int
    meets_target: bool


@dataclass(frozen=True)
class StaffingCurve:
    """Compliance against staffing, the minimum staffing found and the lower bound."""

    scenario: str
    levels: tuple[LevelSummary, ...]
    target: Target
    #: Smallest swept level that meets the target, as do all larger swept levels
    #: (None when no level does).
    minimum: int | None
    lower_bound: LowerBound | None = None

    @property
    def ratio(self) -> float | None:
        """Minimum found over the lower bound (1.0 would be a perfect planner)."""
        if self.minimum is None or self.lower_bound is None:
            return None
        return self.minimum / self.lower_bound.officers

    def rows(self) -> list[dict[str, object]]:
        """``curve.csv``: one row per level, with bands."""
        out: list[dict[str, object]] = []
        for lv in self.levels:
            row: dict[str, object] = {
                "officers": lv.officers,
                "replications": lv.replications,
            }
            for name in ("high_and_very_high", "all", "overdue", "utilisation"):
                b: Band = getattr(lv, name)
                row[f"{name}_mean"] = round(b.mean, 6)
                row[f"{name}_min"] = round(b.low, 6)
                row[f"{name}_max"] = round(b.high, 6)
                row[f"{name}_ci_low"] = "" if b.ci_low is None else round(b.ci_low, 6)
                row[f"{name}_ci_high"] = "" if b.ci_high is None else round(b.ci_high, 6)
            row["max_caseload"] = lv.max_caseload
            row["meets_target"] = str(lv.meets_target).lower()
            out.append(row)
        return out

    def summary(self) -> dict[str, Any]:
        """JSON-serialisable: the target, the minimum, the bound and the ratio."""
        lb = self.lower_bound
        return {
            "scenario": self.scenario,
            "target": {
                "high_and_very_high": self.target.high_and_very_high,
                "all": self.target.all,
                "every_replication": self.target.every_replication,
            },
            "minimum_staffing": self.minimum,
            "lower_bound": lb.officers if lb else None,
            "ratio": round(self.ratio, 4) if self.ratio is not None else None,
            "levels": [lv.officers for lv in self.levels],
        }


CURVE_COLUMNS = [
    "officers",
    "replications",
    *[
        f"{n}_{s}"
        for n in ("high_and_very_high", "all", "overdue", "utilisation")
        for s in ("mean", "min", "max", "ci_low", "ci_high")
    ],
    "max_caseload",
    "meets_target",
]


def summarise(
    rows: Sequence[SweepRow],
    target: Target | None = None,
    lower_bound: LowerBound | None = None,
) -> StaffingCurve:
    """Per staffing level: mean and band of compliance (high + very high, all), overdue
    and utilisation; the minimum staffing meeting ``target``.

    A level meets the target when every replication does (or their mean, with
    ``Target(every_replication=False)``), and no caseload is above a requested cap. The
    minimum is the smallest swept level from which every larger swept level meets it
    too, so one lucky level below a failing one is not taken (with monotone results it
    is simply the smallest level that meets it)."""
    target = target or Target()
    if not rows:
        raise StaffingError("no sweep results to summarise")
    by_level: dict[int, list[SweepRow]] = defaultdict(list)
    for r in rows:
        by_level[r.officers].append(r)
    levels: list[LevelSummary] = []
    for n in sorted(by_level):
        rs = sorted(by_level[n], key=lambda r: r.replication)
        hi = [r.compliance["high_and_very_high"] for r in rs]
        al = [r.compliance["all"] for r in rs]
        if target.every_replication:
            ok = all(target.met_by(r.compliance) for r in rs)
        else:
            ok = target.met_by(
                {"high_and_very_high": float(np.mean(hi)), "all": float(np.mean(al))}
            )
        ok = ok and all(r.caseload_ok for r in rs)
        levels.append(
            LevelSummary(
                officers=n,
                replications=len(rs),
                high_and_very_high=Band.of(hi),
                all=Band.of(al),
                overdue=Band.of([r.overdue_mean for r in rs]),
                utilisation=Band.of([r.utilisation for r in rs]),
                max_caseload=max(r.max_caseload for r in rs),
                meets_target=ok,
            )
        )
    minimum: int | None = None
    for lv in reversed(levels):
        if not lv.meets_target:
            break
        minimum = lv.officers
    scenario = rows[0].scenario
    return StaffingCurve(scenario, tuple(levels), target, minimum, lower_bound)


def officer_week_sample(rows: Sequence[SweepRow]) -> list[float]:
    """All per-officer-week utilisations of ``rows`` (for the histogram)."""
    return [u for r in rows for u in r.utilisation_sample]


__all__ = [
    "Band",
    "InlineExecutor",
    "LevelSummary",
    "LowerBound",
    "StaffingCurve",
    "StaffingError",
    "SweepRow",
    "SweepTask",
    "Target",
    "TeamBound",
    "make_tasks",
    "parse_levels",
    "restaff",
    "run_sweep",
    "run_task",
    "summarise",
    "sweep_executor",
    "team_counts",
    "workload_lower_bound",
]
