"""The staffing sweep: simulations of a scenario at a range of staffing levels, several
seeded replications each, run serially, over local processes or on a Dask cluster.

:class:`SweepTask` is one simulation (pure, picklable data), :func:`run_task` runs it
(restaff, then :func:`scheduler.staffing.simulate.simulate`) and :func:`run_sweep` maps
it over any ``concurrent.futures.Executor`` (:func:`sweep_executor`). Every task seeds
itself and rows come back in task order, so a sweep gives the same rows whichever
executor runs it. Why Dask: ``docs/design/staffing.md``. Nothing here prints; the
progress bar writes to stderr only when asked.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from models import Policy, Register
from models.simulation import EventRates
from scheduler.staffing.restaff import MAX_OFFICERS, RosterOrder, StaffingError, restaff
from scheduler.staffing.result import TIERS, Measure, WeekRow
from scheduler.staffing.simulate import simulate


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


#: How many times its usual time limits the routing search gets in a simulation
#: (:func:`sweep_policy`): enough that it ends at its local optimum, not at the clock,
#: in larger planning units too (met-bcu).
SEARCH_TIME_FACTOR = 3.0


@dataclass(frozen=True)
class SweepTask:
    """One simulation of a sweep: a scenario at one staffing level, one replication.

    ``scenario`` names a benchmark scenario (``"borough@1"``, see
    :mod:`scheduler.staffing.scenarios`); give ``register`` and ``start`` to sweep your own
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
    search_time_factor: float = SEARCH_TIME_FACTOR
    #: How a team of each size is made up (:func:`restaff`'s ``order``).
    roster: RosterOrder = "reach"

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
    #: Share of offender-weeks on time after the warm-up (``Measure.ON_TIME``): per
    #: tier, high and very high together ("high_and_very_high") and over all tiers
    #: ("all").
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
    #: The same shares under ``Measure.ATTEMPTED`` (an attempt at the door on time).
    attempted: dict[str, float] = field(default_factory=dict)
    #: High and very high offender-weeks not attempted on time, by cause
    #: (``SimulationResult.late_causes``).
    late_high: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = field(default=0.0, compare=False)

    def measured(self, measure: Measure) -> dict[str, float]:
        """The compliance shares under ``measure``."""
        return self.compliance if Measure(measure) is Measure.ON_TIME else self.attempted

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
        for key in ("high_and_very_high", "all", *(t.value for t in TIERS)):
            row[f"attempted_{key}"] = round(self.attempted[key], 6) if self.attempted else ""
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
                "late_high_causes": ";".join(f"{k}:{v}" for k, v in self.late_high.items()),
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
    "attempted_high_and_very_high",
    "attempted_all",
    *[f"attempted_{t.value}" for t in TIERS],
    "overdue_mean",
    "overdue_end",
    "utilisation",
    "travel_h_per_week",
    "visits_per_week",
    "shortfall_per_week",
    "max_caseload",
    "caseload_cap",
    "late_high_causes",
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
    roster: RosterOrder = "reach",
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
            roster=roster,
        )
        for n in levels
        for r in range(replications)
    ]


def task_register(task: SweepTask) -> tuple[Register, date]:
    """The task's register before restaffing and the Monday it starts."""
    if task.register is not None and task.start is not None:
        return task.register, task.start
    from scheduler.staffing.scenarios import build

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
    limit; cut by the clock, its result would depend on how busy the machine is. The
    limit only matters when the search has not converged, so no run is slower, and a
    run gives the same result serially, over processes or on a cluster, under any load
    (the choice of factor: ``docs/design/staffing.md``)."""
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
        order=task.roster,
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
        compliance=result.compliance(Measure.ON_TIME),
        attempted=result.compliance(Measure.ATTEMPTED),
        late_high=result.late_causes(high_only=True),
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


__all__ = [
    "SEARCH_TIME_FACTOR",
    "SWEEP_COLUMNS",
    "InlineExecutor",
    "SweepRow",
    "SweepTask",
    "make_tasks",
    "parse_levels",
    "run_sweep",
    "run_task",
    "sweep_executor",
    "sweep_policy",
    "task_register",
]
