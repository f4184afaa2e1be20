"""A staffing study of a benchmark scenario: its workload lower bound, the sweep over a
range of staffing levels, and each target's minimum narrowed down to one officer.

``rota staffing`` and ``benchmarks/staffing.py`` both run one: :func:`prepare_study`
builds the scenario and its bound (so the caller can choose the levels from it and
check its outputs before any simulation), :func:`run_study` runs the sweep. Nothing
here prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from models import Policy, Register
from models.simulation import EventRates
from scheduler.staffing.bound import workload_lower_bound
from scheduler.staffing.curve import Target, refine_minimum, summarise
from scheduler.staffing.lower_bound import Horizon, LowerBound
from scheduler.staffing.restaff import RosterOrder, StaffingError
from scheduler.staffing.sweep import SweepRow, SweepTask, make_tasks, run_sweep, sweep_executor


@dataclass(frozen=True)
class StudySettings:
    """How every simulation of a study runs (:func:`scheduler.staffing.sweep.make_tasks`)."""

    replications: int
    weeks: int
    warmup_weeks: int
    seed: int
    policy: Policy = field(default_factory=Policy)
    rates: EventRates = field(default_factory=EventRates)
    caseload_cap: int | None = None
    visit_hours: float | None = None
    roster: RosterOrder = "reach"


@dataclass(frozen=True)
class Study:
    """A scenario ready to sweep: its register, first Monday and lower bound."""

    scenario: str
    description: str
    register: Register
    week_start: date
    bound: LowerBound
    settings: StudySettings

    @property
    def teams(self) -> int:
        return len({o.team for o in self.register.officers})

    @property
    def register_sha256(self) -> str:
        from scheduler.staffing.scenarios import fingerprint

        return fingerprint(self.register)

    def tasks(self, levels: Sequence[int]) -> list[SweepTask]:
        """Every (level, replication) task at ``levels``."""
        s = self.settings
        return make_tasks(
            self.scenario,
            levels,
            replications=s.replications,
            weeks=s.weeks,
            warmup_weeks=s.warmup_weeks,
            seed=s.seed,
            policy=s.policy,
            rates=s.rates,
            caseload_cap=s.caseload_cap,
            visit_hours=s.visit_hours,
            roster=s.roster,
        )


def scenario_key(name: str) -> str:
    """The versioned key of a benchmark scenario name (``borough`` -> ``borough@N``)."""
    from scheduler.staffing.scenarios import resolve

    try:
        return resolve(name).key
    except ValueError as exc:
        raise StaffingError(str(exc)) from None


def prepare_study(scenario: str, settings: StudySettings) -> Study:
    """Build the scenario and its workload lower bound over the weeks the sweep
    measures (the same roster order and visit hours as the sweep)."""
    from scheduler.staffing.scenarios import build

    key = scenario_key(scenario)
    sc = build(key)
    bound = workload_lower_bound(
        sc.register,
        settings.policy,
        settings.rates,
        visit_hours=settings.visit_hours,
        order=settings.roster,
        horizon=Horizon(sc.week_start, settings.warmup_weeks, settings.weeks),
    )
    return Study(key, sc.description, sc.register, sc.week_start, bound, settings)


def run_study(
    study: Study,
    levels: Sequence[int],
    targets: Sequence[Target],
    *,
    workers: int | None = None,
    cluster: str | None = None,
    refine: bool = True,
    per_round: int = 1,
    extend_to: float | None = None,
    on_extend: Callable[[int], None] | None = None,
    progress: bool = True,
) -> list[SweepRow]:
    """Sweep ``levels`` (on ``workers`` local processes or a Dask ``cluster``); with
    ``extend_to``, add levels 1.25 x the top while the first target is not met, up to
    that many officers (unless the target is out of reach at any staffing; ``on_extend``
    hears of each); with ``refine``, narrow each target's minimum to one officer,
    ``per_round`` levels a round. Returns every row, in the order they were run."""

    def sweep(at: Sequence[int]) -> list[SweepRow]:
        return run_sweep(study.tasks(at), executor, progress=progress)

    with sweep_executor(workers, cluster) as executor:
        rows = sweep(levels)
        if extend_to is not None:
            top = max(levels)
            reachable = targets[0].bound(study.bound) is not None
            while (
                reachable
                and summarise(rows, targets[0]).minimum is None
                and math.ceil(1.25 * top) <= extend_to
            ):
                top = math.ceil(1.25 * top)
                if on_extend is not None:
                    on_extend(top)
                rows += sweep([top])
        if refine:
            for target in targets:
                rows = refine_minimum(rows, target, sweep, per_round=per_round)
    return rows


__all__ = [
    "Study",
    "StudySettings",
    "prepare_study",
    "run_study",
    "scenario_key",
]
