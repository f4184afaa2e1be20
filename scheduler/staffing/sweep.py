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
<<<<<<< HEAD
from scheduler.allocation import AllocationSettings, allocate
from scheduler.core.exceptions import RotaError
from scheduler.staffing.reach import Reach, reach_order
from scheduler.staffing.simulate import TIERS, Measure, WeekRow, simulate

if TYPE_CHECKING:
    from scheduler.staffing.bound import LowerBound

WEEK_DAYS = 7
#: How :func:`restaff` picks a team's officers: :func:`scheduler.staffing.reach.reach_order` then
#: :func:`balanced_order`, :func:`balanced_order` alone, or list order.
RosterOrder = Literal["reach", "balanced", "listed"]
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
    """Officers per team for a total of ``officers``, in proportion to ``sizes`` (the
    current team sizes), at least one per team.

    One officer each, then each further officer to the team with the largest
    ``size / (officers it has + 0.5)`` (the Sainte-Lague / Webster divisor method as a
    priority list; ties in name order). Built one officer at a time, the split is house
    monotone: a larger total never gives any team fewer officers, so a sweep's levels
    are nested and compliance can only gain from one level to the next. (Largest
    remainder with a minimum of one, used before, took an officer from some teams when
    the total grew: from three met boroughs between 79 and 80 officers.) At today's
    total it gives today's teams."""
    _check_split(sizes, officers)
    count = dict.fromkeys(sorted(sizes), 1)
    queue = [(-2 * sizes[t] / 3, t) for t in count]  # size / (1 + 0.5)
    heapq.heapify(queue)
    for _ in range(officers - len(count)):
        _, t = heapq.heappop(queue)
        count[t] += 1
        heapq.heappush(queue, (-sizes[t] / (count[t] + 0.5), t))
    return count


def _check_split(sizes: dict[str, int], officers: int) -> None:
    if not sizes:
        raise StaffingError("the register has no officers, so no teams to staff")
    if officers < len(sizes):
        raise StaffingError(
            f"{officers} officer(s) cannot staff {len(sizes)} teams: at least one per team"
        )


def largest_remainder_counts(sizes: dict[str, int], officers: int) -> dict[str, int]:
    """The split :func:`team_counts` made before (largest remainder, at least one per
    team, equal remainders in name order): kept for the scenarios cut with it
    (``*-cuts20@1``, ``@2``), whose registers are published inputs."""
    _check_split(sizes, officers)
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


def officer_features(officer: Officer, policy: Policy) -> np.ndarray:
    """What an officer adds to a team's cover: for every (weekday, policy slot) whether
    their shift can staff the slot (room for the shortest visit, as
    :func:`scheduler.core.windows.staffed_policy` decides), the number of days they staff each
    slot, their weekend shifts, and their gender (female, male)."""
    shortest_s = min(policy.visit_minutes.values()) * 60
    grid = np.zeros((WEEK_DAYS, len(policy.slots)))
    if officer.visit_hours > 0:
        for sh in officer.shifts:
            for j, slot in enumerate(policy.slots):
                if sh.day not in policy.slot_days(slot):
                    continue
                overlap = min(sh.window.end_s, slot.window.end_s + shortest_s) - max(
                    sh.window.start_s, slot.window.start_s
                )
                grid[int(sh.day), j] = overlap >= shortest_s
    weekend = sum(int(sh.day) >= 5 for sh in officer.shifts)
    gender = [officer.gender is Gender.FEMALE, officer.gender is Gender.MALE]
    return np.concatenate([grid.ravel(), grid.sum(axis=0), [weekend], gender]).astype(float)


def balanced_order(officers: Sequence[Officer], policy: Policy) -> list[int]:
    """The team's officers (indices) in an order whose every prefix has, as nearly as
    can be, the team's own mix of cover (:func:`officer_features`: evening and weekend
    shifts, the days they fall on, gender).

    Greedy: each next officer is the one that brings the prefix's feature counts closest
    (least squares) to the prefix length times the team's mean; ties go to list order.
    :func:`roster` cycles through this order, so a team cut to ``k`` officers keeps about
    ``k`` times its share of late and Saturday shifts, and a team that grows adds them in
    proportion: more officers really add evening and weekend capacity."""
    if not officers:
        return []
    x = np.array([officer_features(o, policy) for o in officers])
    target = x.mean(axis=0)
    left = list(range(len(officers)))
    counts = np.zeros(x.shape[1])
    order: list[int] = []
    for p in range(1, len(officers) + 1):
        miss = ((counts + x[left] - p * target) ** 2).sum(axis=1)
        pick = left[int(np.argmin(miss))]  # argmin takes the first of equals: list order
        order.append(pick)
        counts += x[pick]
        left.remove(pick)
    return order


def roster(order: Sequence[int], k: int) -> list[int]:
    """Which of a team's officers each of ``k`` officers is (or is a clone of): the
    first ``k`` of ``order`` repeated. An officer's second and later picks are clones
    (``order`` may name an officer twice: :func:`scheduler.staffing.reach.reach_order`)."""
    return [order[i % len(order)] for i in range(k)] if order else []


def _team_officers(
    team: str, current: list[Officer], k: int, taken: set[str], order: Sequence[int]
) -> list[Officer]:
    """``k`` officers for a team by :func:`roster` over ``order``: the officers it keeps
    (each picked at least once, in their list order), then a clone (same shifts, base,
    visit hours, cap and gender, a new id) for each further pick of an officer."""
    picks = roster(order, k)
    kept = sorted(set(picks))
    out = [current[i] for i in kept]
    seen: set[int] = set()
    repeats = [i for i in picks if i in seen or seen.add(i)]  # type: ignore[func-returns-value]
    stem = _id_stem(team)
    n = 0
    for i in repeats:
        while True:
            n += 1
            oid = f"{stem}-{ADDED_OFFICER_TAG}{n:03d}"
            if oid not in taken:
                break
        taken.add(oid)
        out.append(current[i].model_copy(update={"id": oid, "absent": ()}))
    return out


def team_order(
    officers: Sequence[Officer],
    policy: Policy,
    order: RosterOrder,
    offenders: Sequence[Offender] = (),
    visit_hours: float | None = None,
    reach: Reach | None = None,
) -> list[int]:
    """The order :func:`restaff` takes a team's officers in: first those whose shifts
    reach offenders (the team's ``offenders``) that no officer before them can visit,
    then the rest in :func:`balanced_order` (``"reach"``); :func:`balanced_order` alone
    (``"balanced"``); or the list order (``"listed"``: the original rule, kept for
    ``*-cuts20@1``). ``reach``: :func:`scheduler.staffing.reach.team_reach` of the team's
    active offenders, when the caller already has it (the workload bound)."""
    if order == "listed":
        return list(range(len(officers)))
    if order == "balanced":
        return balanced_order(officers, policy)
    if order == "reach":
        then = balanced_order(officers, policy)
        return reach_order(officers, offenders, policy, then, visit_hours=visit_hours, reach=reach)
    raise StaffingError(f"unknown roster order {order!r} (reach, balanced or listed)")


def restaff(
    register: Register,
    officers: int,
    policy: Policy | None = None,
    *,
    caseload_cap: int | None = None,
    visit_hours: float | None = None,
    order: RosterOrder = "reach",
    split: Callable[[dict[str, int], int], dict[str, int]] | None = None,
) -> Register:
    """The same offenders with ``officers`` officers, caseloads re-allocated.

    Officers are spread over the teams in proportion to the current team sizes
    (:func:`team_counts`, at least one per team; ``split`` replaces it). Within a team
    the officers are taken in ``order`` (:func:`team_order`: by default the reach order,
    then :func:`balanced_order`), cycling: a team
    cut to ``k`` keeps the first ``k``, a team that grows keeps everyone and adds clones
    of them in that order (same shifts, base, visit hours and gender; ids
    ``<TEAM>-S001``...), so the shifts the offenders need come first and then the team's
    own mix (``order="balanced"``: the mix alone; ``"listed"``: the list order, the
    first ``k`` or clones round-robin from the top). Caseloads are then re-allocated with the exact
    allocation (:func:`scheduler.allocation.solve.allocate`, continuity kept where it can be).

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
    counts = (split or team_counts)({t: len(v) for t, v in by_team.items()}, officers)
    team_of = {o.id: o.team for o in register.officers}
    team_load = Counter(team_of[o.manager_id] for o in register.offenders)
    caseload: dict[str, list[Offender]] = defaultdict(list)
    for off in register.offenders:
        caseload[team_of[off.manager_id]].append(off)
    update: dict[str, Any] = {}
    if visit_hours is not None:
        update["visit_hours"] = float(visit_hours)
    taken = {o.id for o in register.officers}
    kept: list[Officer] = []
    added: list[Officer] = []
    for team in sorted(by_team):
        mates = by_team[team]
        ranked = team_order(mates, policy, order, caseload[team], visit_hours)
        chosen = _team_officers(team, mates, counts[team], taken, ranked)
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
# The sweep
# --------------------------------------------------------------------------------------
=======
from scheduler.staffing.restaff import MAX_OFFICERS, RosterOrder, StaffingError, restaff
from scheduler.staffing.result import TIERS, Measure, WeekRow
from scheduler.staffing.simulate import simulate
>>>>>>> split-staffing


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
