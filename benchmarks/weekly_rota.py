"""Weekly-rota benchmark: planner speed and travel quality on the bundled scenarios.

Run::

    python -m benchmarks.weekly_rota [--scenarios borough,met,national] [--seed N]
        [--time-limit S] [--workers N] [--out benchmarks/results/weekly_rota.csv]
        [--per-visit S] [--team-floor S] [--no-serial] [--profile N]
        [--baseline REV|none]

For each scenario, in one run:

* wall-clock time (``time.perf_counter``) of scenario generation and of ``plan_week``,
  each measured on its own, against the targets in :data:`TARGET_PLAN_S` (2-core machine),
  and CPU time (this process and its worker processes: on a shared machine wall time
  depends on the neighbours, CPU time much less); ``plan_week``'s stages (due selection,
  problem building, solving with repair, merging) and the CPU seconds spent inside
  OR-Tools' search;
* **the serial engine in the same run** (skip with ``--no-serial``): ``plan_week`` in one
  process, as it ran before teams went to worker processes, timed the same way; the
  speed-up is its wall time over the parallel run's, and the two plans must be equal
  (``same_plan_as_serial``): the parallel engine is a pure speed-up;
* **the previous engine in the same run** (``--baseline REV``, default
  :data:`DEFAULT_BASELINE`, the planner as it landed before issue 27's speed work; ``none``
  skips it): the code at git revision ``REV`` is extracted to a temporary directory
  (``git archive``) and this benchmark, as it was at that revision, plans the same
  scenarios with the same seed and workers in a subprocess (``--no-serial``); its plan
  time, visits scheduled and travel are printed beside this run's, with the ratios;
* visits due, scheduled, shortfall by tier, total travel hours, ``rota.is_feasible()``
  and mean travel per scheduled visit;
* **same-assignment baselines.** Every officer-day keeps exactly the visits the planner
  gave it (the partner's half of a two-officer visit included). Its stops are re-ordered
  (a) by nearest neighbour from the officer's base and back, and (b) optimally, by brute
  force over all orders when the day has at most :data:`BRUTE_FORCE_MAX_STOPS` stops.
  Both ignore time windows, joint-visit times and the offender's availability, which the
  planner must respect, so ``planner / NN`` can exceed 1 and ``planner / optimal`` is at
  least 1: the latter measures how much travel the planner's *ordering* costs on top of
  the best possible order for its own assignment (a lower bound on routing travel for
  that assignment);
* **whole-planner greedy baseline** on the same register and the same due visits
  (``scheduler.plan.due.select_due``): visits in order of earliest due date (then urgency),
  each given to its *own manager's* first day of the week on which (i) the manager is on
  shift, (ii) the offender can be visited at some time within that shift (day-level
  check only, using the same policy slots and unavailability as the planner) and (iii)
  the day's visit hours still hold it, counting service plus the nearest-neighbour round
  trip from base. A two-officer visit also needs a teammate (nearest base first) for whom
  the same holds on that day; both officer-days carry it. There is no cover, no
  time-of-day sequencing and no joint-time alignment. Its travel is the nearest-neighbour
  round trip of every officer-day.

Travel everywhere uses the planner's default model, ``GreatCircleTravel(policy.speed_kmh,
policy.circuity)``. As an independent check, the planner's travel is also recomputed
from its visit order (by arrival time) and compared with the rota's ``OfficerDay``
totals; any mismatch is reported.

Results are printed as a table and written to a CSV (``benchmarks/results/`` is
git-ignored). ``--profile N`` additionally runs ``plan_week`` once more under cProfile
per scenario and prints the top N entries (solver work in worker processes, when
``--workers`` > 1, is not visible to the profiler).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import itertools
import os
import platform
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from data.scenarios import DEFAULT_SEED, SCENARIOS, generate
from models import Offender, Officer, Policy, Register, RiskTier, Rota
from scheduler.core.travel import GreatCircleTravel
from scheduler.core.windows import intersect, offender_windows, officer_window
from scheduler.plan.due import DueVisit
from scheduler.plan.planner import plan_week, week_due
from scheduler.timing.randomness import draw_generators

#: The planner as it landed before issue 27's speed work (stop 32): what ``--baseline``
#: compares with unless told otherwise.
DEFAULT_BASELINE = "8f54e2c"
#: The previous engine's figures read back from its benchmark's CSV.
BASELINE_FIELDS = ("plan_s", "plan_cpu_s", "search_cpu_s", "scheduled", "travel_h")

#: Plan-time targets (seconds, wall clock, 2-core machine).
TARGET_PLAN_S = {"borough": 1.0, "met": 3.0, "national": 30.0}
#: Largest officer-day re-ordered optimally by brute force (8! = 40,320 orders).
BRUTE_FORCE_MAX_STOPS = 8
#: Tier order for shortfall columns, most urgent first.
TIER_ORDER = (RiskTier.VERY_HIGH, RiskTier.HIGH, RiskTier.MEDIUM, RiskTier.LOW)
DEFAULT_OUT = Path("benchmarks/results/weekly_rota.csv")


# --------------------------------------------------------------------------------------
# Tours on one officer-day. Node 0 is the officer's base, nodes 1..m the visits.
# --------------------------------------------------------------------------------------


def _day_matrix(
    travel: GreatCircleTravel, base: tuple[float, float], homes: Sequence[tuple[float, float]]
) -> np.ndarray:
    pts = [base, *homes]
    return travel.matrix_s(np.array([p[0] for p in pts]), np.array([p[1] for p in pts]))


def tour_s(d: np.ndarray, order: Sequence[int]) -> int:
    """Base -> stops in ``order`` -> base."""
    if not order:
        return 0
    path = [0, *order, 0]
    return int(sum(int(d[a, b]) for a, b in itertools.pairwise(path)))


def nearest_neighbour_order(d: np.ndarray) -> list[int]:
    """Greedy order from the base (node 0); ties go to the lower index."""
    left = list(range(1, len(d)))
    order: list[int] = []
    here = 0
    while left:
        nxt = min(left, key=lambda j: (int(d[here, j]), j))
        order.append(nxt)
        left.remove(nxt)
        here = nxt
    return order


_PERMS: dict[int, np.ndarray] = {}


def optimal_tour_s(d: np.ndarray) -> int:
    """Shortest base-to-base tour through every stop, by brute force (all m! orders)."""
    m = len(d) - 1
    if m == 0:
        return 0
    if m > BRUTE_FORCE_MAX_STOPS:
        raise ValueError(f"{m} stops is too many for brute force")
    if m not in _PERMS:
        _PERMS[m] = np.array(list(itertools.permutations(range(1, m + 1))), dtype=np.int64)
    p = _PERMS[m]
    cost = d[0, p[:, 0]] + d[p[:, -1], 0]
    for i in range(m - 1):
        cost = cost + d[p[:, i], p[:, i + 1]]
    return int(cost.min())


# --------------------------------------------------------------------------------------
# Same-assignment baselines
# --------------------------------------------------------------------------------------


@dataclass
class SameAssignment:
    days: int = 0  # officer-days with at least one visit
    planner_s: int = 0  # planner travel recomputed from its own order (by arrival)
    reported_s: int = 0  # sum of OfficerDay.travel_s
    mismatched_days: int = 0  # officer-days where the two disagree
    nn_s: int = 0
    lb_days: int = 0  # days small enough for brute force
    lb_s: int = 0
    planner_on_lb_days_s: int = 0
    max_stops: int = 0


def same_assignment(rota: Rota, register: Register, travel: GreatCircleTravel) -> SameAssignment:
    officers = {o.id: o for o in register.officers}
    homes = {o.id: (o.home.lat, o.home.lon) for o in register.offenders}
    stops: dict[tuple[str, date], list[Any]] = defaultdict(list)
    for v in rota.visits:
        for oid in v.officer_ids:
            stops[(oid, v.date)].append(v)
    reported = {(d.officer_id, d.date): d.travel_s for d in rota.officer_days}
    out = SameAssignment(reported_s=sum(reported.values()))
    for (oid, day), visits in sorted(stops.items()):
        visits.sort(key=lambda v: v.arrival)
        base = officers[oid].base
        d = _day_matrix(travel, (base.lat, base.lon), [homes[v.offender_id] for v in visits])
        planner = tour_s(d, list(range(1, len(visits) + 1)))
        out.days += 1
        out.planner_s += planner
        out.mismatched_days += planner != reported.get((oid, day))
        out.nn_s += tour_s(d, nearest_neighbour_order(d))
        out.max_stops = max(out.max_stops, len(visits))
        if len(visits) <= BRUTE_FORCE_MAX_STOPS:
            out.lb_days += 1
            out.lb_s += optimal_tour_s(d)
            out.planner_on_lb_days_s += planner
    # Officer-days with travel but no visit would be a planner bug; count them too.
    out.mismatched_days += sum(1 for k, s in reported.items() if s and k not in stops)
    return out


# --------------------------------------------------------------------------------------
# Whole-planner greedy baseline
# --------------------------------------------------------------------------------------


@dataclass
class _Day:
    officer: Officer
    budget_s: int
    stops: list[tuple[float, float]] = field(default_factory=list)
    service_s: int = 0
    travel_s: int = 0


@dataclass
class GreedyResult:
    due: int
    scheduled: int
    travel_s: int
    shortfall: Counter[RiskTier]
    seconds: float


def _can_visit(officer: Officer, off: Offender, policy: Policy, day: date, service: int) -> bool:
    """Day-level check: on shift with visit hours, and some arrival fits both the
    offender's available slot times and the shift."""
    if officer.visit_hours <= 0 or officer.shift_on(day) is None:
        return False
    return bool(
        intersect(
            offender_windows(off, policy, day, service), officer_window(officer, day, service)
        )
    )


def _nn_tour_with(travel: GreatCircleTravel, day: _Day, home: tuple[float, float]) -> int:
    base = day.officer.base
    d = _day_matrix(travel, (base.lat, base.lon), [*day.stops, home])
    return tour_s(d, nearest_neighbour_order(d))


def greedy_baseline(
    register: Register,
    policy: Policy,
    week_start: date,
    travel: GreatCircleTravel,
    due: list[DueVisit],
) -> GreedyResult:
    t0 = time.perf_counter()
    officers = {o.id: o for o in register.officers}
    team: dict[str, list[Officer]] = defaultdict(list)
    for o in register.officers:
        team[o.team].append(o)
    dates = [week_start + timedelta(days=i) for i in range(7)]
    days: dict[tuple[str, int], _Day] = {}

    def day_of(o: Officer, i: int) -> _Day:
        key = (o.id, i)
        if key not in days:
            days[key] = _Day(o, int(round(o.visit_hours * 3600)))
        return days[key]

    def try_fit(o: Officer, off: Offender, i: int, service: int) -> int | None:
        """New NN travel of that officer-day with the visit added, or None."""
        if not _can_visit(o, off, policy, dates[i], service):
            return None
        day = day_of(o, i)
        new_travel = _nn_tour_with(travel, day, (off.home.lat, off.home.lon))
        if day.service_s + service + new_travel > day.budget_s:
            return None
        return new_travel

    def add(o: Officer, off: Offender, i: int, service: int, new_travel: int) -> None:
        day = day_of(o, i)
        day.stops.append((off.home.lat, off.home.lon))
        day.service_s += service
        day.travel_s = new_travel

    scheduled = 0
    shortfall: Counter[RiskTier] = Counter()
    for dv in sorted(due, key=lambda x: (x.due_date, -x.urgency, x.offender_id)):
        off = register.offenders[dv.index]
        mgr = officers[off.manager_id]
        service = policy.visit_minutes[off.tier] * 60
        placed = False
        if off.officer_gender is None or mgr.gender == off.officer_gender:
            for i in range(7):
                lead = try_fit(mgr, off, i, service)
                if lead is None:
                    continue
                if not off.two_officers:
                    add(mgr, off, i, service, lead)
                    placed = True
                    break
                mates = sorted(
                    (o for o in team[mgr.team] if o.id != mgr.id),
                    key=lambda o: (_km2(o, off), o.id),
                )
                for mate in mates:
                    second = try_fit(mate, off, i, service)
                    if second is not None:
                        add(mgr, off, i, service, lead)
                        add(mate, off, i, service, second)
                        placed = True
                        break
                if placed:
                    break
        if placed:
            scheduled += 1
        else:
            shortfall[off.tier] += 1
    return GreedyResult(
        due=len(due),
        scheduled=scheduled,
        travel_s=sum(d.travel_s for d in days.values()),
        shortfall=shortfall,
        seconds=time.perf_counter() - t0,
    )


def _km2(o: Officer, off: Offender) -> float:
    """Squared flat-earth distance, only for ranking partners by base."""
    return (o.base.lat - off.home.lat) ** 2 + (
        (o.base.lon - off.home.lon) * np.cos(np.radians(off.home.lat))
    ) ** 2


# --------------------------------------------------------------------------------------
# One scenario
# --------------------------------------------------------------------------------------


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def _policy(
    time_limit: float | None,
    workers: int | None,
    per_visit: float | None = None,
    team_floor: float | None = None,
) -> Policy:
    base = Policy()
    solver = base.solver.model_dump()
    given = {
        "time_limit_s": time_limit,
        "workers": workers,
        "time_per_visit_s": per_visit,
        "min_team_time_s": team_floor,
    }
    solver.update({k: v for k, v in given.items() if v is not None})
    return Policy.model_validate({**base.model_dump(), "solver": solver})


@dataclass
class Timed:
    """One plan_week run: the rota, wall and CPU seconds (this process and its worker
    processes) and plan_week's stage split (wall seconds; ``search`` is CPU seconds
    inside OR-Tools summed over teams)."""

    rota: Rota
    wall_s: float
    cpu_s: float
    stages: dict[str, float]


def timed_plan(reg: Register, policy: Policy, week_start: date, seed: int) -> Timed:
    """``plan_week`` timed: wall clock, and CPU time of this process plus the worker
    processes it started (they have ended when plan_week returns)."""
    stages: dict[str, float] = {}
    cpu0 = _cpu_s()
    t0 = time.perf_counter()
    rota = plan_week(reg, policy, week_start, seed=seed, stats=stages)
    wall = time.perf_counter() - t0
    return Timed(rota, wall, _cpu_s() - cpu0, stages)


def _cpu_s() -> float:
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _with_workers(policy: Policy, workers: int) -> Policy:
    return policy.model_copy(
        update={"solver": policy.solver.model_copy(update={"workers": workers})}
    )


def _timing_columns(prefix: str, run: Timed) -> dict[str, Any]:
    """A run's wall and CPU seconds and its stage split, as CSV columns. The rest of the
    solve stage (model building, repair passes) is its wall time less the search's CPU
    time: meaningful for the serial run only, where one process does both."""
    st = run.stages
    return {
        f"{prefix}plan_s": round(run.wall_s, 3),
        f"{prefix}plan_cpu_s": round(run.cpu_s, 3),
        **{f"{prefix}{k}_s": round(st.get(k, 0.0), 3) for k in ("due", "build", "solve", "merge")},
        f"{prefix}search_cpu_s": round(st.get("search", 0.0), 3),
        f"{prefix}solve_other_s": round(st.get("solve", 0.0) - st.get("search", 0.0), 3),
    }


def run_scenario(
    name: str, seed: int, policy: Policy, profile_top: int = 0, reference: bool = True
) -> dict[str, Any]:
    print(f"[{name}] generating ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    sc = generate(name, seed=seed)
    gen_s = time.perf_counter() - t0
    reg = sc.register
    print(
        f"[{name}] {len(reg.offenders):,} offenders, {len(reg.officers):,} officers, "
        f"generated in {gen_s:.2f} s; planning ...",
        file=sys.stderr,
        flush=True,
    )

    serial: Timed | None = None
    if reference:
        serial = timed_plan(reg, _with_workers(policy, 1), sc.week_start, seed)
        print(
            f"[{name}] serial engine: {serial.wall_s:.2f} s; planning ...",
            file=sys.stderr,
            flush=True,
        )
    run = timed_plan(reg, policy, sc.week_start, seed)
    rota, plan_s = run.rota, run.wall_s
    print(f"[{name}] planned in {plan_s:.2f} s; baselines ...", file=sys.stderr, flush=True)

    travel = GreatCircleTravel(policy.speed_kmh, policy.circuity)
    due, _ = week_due(reg, policy, sc.week_start, draw_generators(seed)[0])
    short = Counter(u.tier for u in rota.unscheduled if u.reason.is_shortfall)
    scheduled = len(rota.visits)
    planner_travel_s = sum(d.travel_s for d in rota.officer_days)
    same = same_assignment(rota, reg, travel)
    greedy = greedy_baseline(reg, policy, sc.week_start, travel, due)

    # A short-notice revisit that cannot be made is simply not made (an extra visit,
    # not a shortfall): the due set counts it, the rota does not list it.
    revisits_unmade = sum(dv.revisit for dv in due) - sum(v.short_notice for v in rota.visits)
    if scheduled + sum(short.values()) + revisits_unmade != len(due):
        print(
            f"[{name}] WARNING: due {len(due)} != scheduled {scheduled} + shortfall "
            f"{sum(short.values())} + revisits not made {revisits_unmade}",
            file=sys.stderr,
        )
    if same.mismatched_days:
        print(
            f"[{name}] WARNING: recomputed travel differs from OfficerDay.travel_s on "
            f"{same.mismatched_days} officer-day(s)",
            file=sys.stderr,
        )

    row: dict[str, Any] = {
        "scenario": name,
        "seed": seed,
        "offenders": len(reg.offenders),
        "officers": len(reg.officers),
        "teams": len({o.team for o in reg.officers}),
        "time_limit_s": policy.solver.time_limit_s,
        "workers": policy.solver.workers,
        "gen_s": round(gen_s, 3),
        **_timing_columns("", run),
        **(_timing_columns("serial_", serial) if serial else {}),
        "same_plan_as_serial": (
            None
            if serial is None
            else rota.visits == serial.rota.visits and rota.unscheduled == serial.rota.unscheduled
        ),
        "speedup_over_serial": None if serial is None else round(serial.wall_s / plan_s, 2),
        "target_plan_s": TARGET_PLAN_S.get(name),
        "within_target": plan_s <= TARGET_PLAN_S[name] if name in TARGET_PLAN_S else None,
        "due": len(due),
        "scheduled": scheduled,
        "revisits_unmade": revisits_unmade,
        "joint_visits": sum(len(v.officer_ids) > 1 for v in rota.visits),
        "cover_visits": sum(v.cover for v in rota.visits),
        **{f"shortfall_{t.value}": short.get(t, 0) for t in TIER_ORDER},
        "feasible": rota.is_feasible(),
        "travel_h": round(planner_travel_s / 3600, 3),
        "travel_min_per_visit": round(planner_travel_s / 60 / scheduled, 2) if scheduled else None,
        "travel_check_mismatch_days": same.mismatched_days,
        "visit_days": same.days,
        "max_stops_per_day": same.max_stops,
        "nn_travel_h": round(same.nn_s / 3600, 3),
        "planner_over_nn": _round(_ratio(same.planner_s, same.nn_s)),
        "lb_days": same.lb_days,
        "lb_travel_h": round(same.lb_s / 3600, 3),
        "planner_over_lb": _round(_ratio(same.planner_on_lb_days_s, same.lb_s)),
        "greedy_scheduled": greedy.scheduled,
        **{f"greedy_shortfall_{t.value}": greedy.shortfall.get(t, 0) for t in TIER_ORDER},
        "greedy_travel_h": round(greedy.travel_s / 3600, 3),
        "greedy_travel_min_per_visit": (
            round(greedy.travel_s / 60 / greedy.scheduled, 2) if greedy.scheduled else None
        ),
        "planner_over_greedy_travel": _round(_ratio(planner_travel_s, greedy.travel_s)),
        "greedy_s": round(greedy.seconds, 3),
    }

    if profile_top:
        print(f"[{name}] profiling plan_week ...", file=sys.stderr, flush=True)
        prof = cProfile.Profile()
        prof.enable()
        plan_week(reg, policy, sc.week_start, seed=seed)
        prof.disable()
        for key in ("tottime", "cumulative"):
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats(key).print_stats(profile_top)
            print(f"\n=== cProfile plan_week [{name}] top {profile_top} by {key} ===")
            print(_trim_profile(buf.getvalue()))
    return row


def _round(x: float | None, nd: int = 3) -> float | None:
    return None if x is None else round(x, nd)


def _trim_profile(text: str) -> str:
    """Drop pstats' preamble up to the totals line; keep the table."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if "function calls" in ln), 0)
    return "\n".join(ln for ln in lines[start:] if ln.strip())


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------


def _fmt(x: Any) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, bool):
        return "yes" if x else "NO"
    if isinstance(x, float):
        return f"{x:,.3f}" if abs(x) < 100 else f"{x:,.1f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def _short(row: dict[str, Any], prefix: str) -> str:
    return "/".join(str(row[f"{prefix}{t.value}"]) for t in TIER_ORDER)


def _stages(row: dict[str, Any], prefix: str) -> str:
    keys = [f"{prefix}{k}_s" for k in ("due", "build", "solve", "merge")]
    return "n/a" if keys[0] not in row else " / ".join(f"{row[k]:.2f}" for k in keys)


def _vs(row: dict[str, Any], theirs: str, ours: str) -> str:
    """The previous engine's figure and this run's against it ('-' without one)."""
    if theirs not in row:
        return "-"
    if isinstance(row[ours], int):
        return f"{row[theirs]:,.0f} / {row[ours]:+d}"
    return f"{row[theirs]:,.2f} / {_fmt(row[ours])}"


def _pair(row: dict[str, Any], a: str, b: str) -> str:
    return "n/a" if a not in row else f"{row[a]:.2f} / {row[b]:.2f}"


def baseline_rows(
    rev: str, names: Sequence[str], seed: int, workers: int, extra: Sequence[str] = ()
) -> dict[str, dict[str, Any]]:
    """The benchmark as it was at git revision ``rev``, run on ``names`` in a subprocess
    from a temporary extract of that revision: its figures per scenario
    (:data:`BASELINE_FIELDS`), or {} (with a note) when the revision cannot be run."""
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="rota-baseline-") as tmp:
        try:
            archive = subprocess.run(
                ["git", "-C", str(root), "archive", rev], capture_output=True, check=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        except (OSError, subprocess.CalledProcessError) as err:
            print(f"baseline {rev}: cannot extract ({err}); skipped", file=sys.stderr)
            return {}
        out = Path(tmp) / "baseline.csv"
        cmd = [sys.executable, "-m", "benchmarks.weekly_rota", "--scenarios", ",".join(names)]
        cmd += ["--seed", str(seed), "--workers", str(workers), "--no-serial", *extra]
        cmd += ["--out", str(out)]
        print(f"baseline {rev}: {' '.join(cmd[1:])} ...", file=sys.stderr, flush=True)
        env = {**os.environ, "PYTHONPATH": tmp}
        done = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)
        if done.returncode != 0 or not out.exists():
            print(f"baseline {rev} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
            return {}
        with open(out, newline="", encoding="utf-8") as fh:
            return {
                r["scenario"]: {k: float(r[k]) for k in BASELINE_FIELDS if r.get(k)}
                for r in csv.DictReader(fh)
            }


def with_baseline(row: dict[str, Any], base: dict[str, Any] | None, rev: str) -> dict[str, Any]:
    """``row`` with the previous engine's figures and this run's ratios to them."""
    if not base:
        return row
    out = {**row, "baseline_rev": rev, **{f"baseline_{k}": v for k, v in base.items()}}
    out["speedup_over_baseline"] = _round(_ratio(base.get("plan_s", 0.0), row["plan_s"]), 2)
    out["scheduled_minus_baseline"] = row["scheduled"] - int(base.get("scheduled", 0))
    out["travel_over_baseline"] = _round(_ratio(row["travel_h"], base.get("travel_h", 0.0)))
    return out


def format_table(rows: list[dict[str, Any]]) -> str:
    """Metrics down, scenarios across."""
    spec: list[tuple[str, Any]] = [
        (
            "offenders / officers / teams",
            lambda r: f"{r['offenders']:,} / {r['officers']:,} / {r['teams']}",
        ),
        ("generate (s)", lambda r: f"{r['gen_s']:.2f}"),
        ("plan_week wall / CPU (s)", lambda r: f"{r['plan_s']:.2f} / {r['plan_cpu_s']:.2f}"),
        ("  due / build / solve / merge", lambda r: _stages(r, "")),
        ("  OR-Tools search CPU (s)", lambda r: f"{r['search_cpu_s']:.2f}"),
        ("serial engine wall / CPU (s)", lambda r: _pair(r, "serial_plan_s", "serial_plan_cpu_s")),
        ("  due / build / solve / merge", lambda r: _stages(r, "serial_")),
        (
            "  search / rest of solve (s)",
            lambda r: _pair(r, "serial_search_cpu_s", "serial_solve_other_s"),
        ),
        (
            "speed-up, same plan?",
            lambda r: f"{_fmt(r['speedup_over_serial'])}, {_fmt(r['same_plan_as_serial'])}",
        ),
        ("target (s) / met?", lambda r: f"<= {r['target_plan_s']:g} / {_fmt(r['within_target'])}"),
        (
            "previous engine wall / CPU (s)",
            lambda r: _pair(r, "baseline_plan_s", "baseline_plan_cpu_s"),
        ),
        ("  speed-up over it", lambda r: _fmt(r.get("speedup_over_baseline"))),
        (
            "  its scheduled / ours - its",
            lambda r: _vs(r, "baseline_scheduled", "scheduled_minus_baseline"),
        ),
        (
            "  its travel (h) / ours / its",
            lambda r: _vs(r, "baseline_travel_h", "travel_over_baseline"),
        ),
        ("visits due", lambda r: _fmt(r["due"])),
        (
            "scheduled (joint, cover)",
            lambda r: f"{r['scheduled']:,} ({r['joint_visits']}, {r['cover_visits']})",
        ),
        ("shortfall vh/h/m/l", lambda r: _short(r, "shortfall_")),
        ("revisits not made", lambda r: _fmt(r["revisits_unmade"])),
        ("feasible", lambda r: _fmt(r["feasible"])),
        ("travel (h)", lambda r: f"{r['travel_h']:.2f}"),
        ("travel per visit (min)", lambda r: _fmt(r["travel_min_per_visit"])),
        ("-- same officer-days --", lambda r: ""),
        ("visit days (max stops)", lambda r: f"{r['visit_days']:,} ({r['max_stops_per_day']})"),
        ("NN order travel (h)", lambda r: f"{r['nn_travel_h']:.2f}"),
        ("planner / NN", lambda r: _fmt(r["planner_over_nn"])),
        (
            f"optimal order, <={BRUTE_FORCE_MAX_STOPS} stops (h)",
            lambda r: f"{r['lb_travel_h']:.2f} ({r['lb_days']}/{r['visit_days']} d)",
        ),
        ("planner / optimal", lambda r: _fmt(r["planner_over_lb"])),
        ("-- greedy planner --", lambda r: ""),
        ("scheduled", lambda r: _fmt(r["greedy_scheduled"])),
        ("shortfall vh/h/m/l", lambda r: _short(r, "greedy_shortfall_")),
        ("travel (h)", lambda r: f"{r['greedy_travel_h']:.2f}"),
        ("travel per visit (min)", lambda r: _fmt(r["greedy_travel_min_per_visit"])),
        ("planner / greedy travel", lambda r: _fmt(r["planner_over_greedy_travel"])),
    ]
    label_w = max(len(s[0]) for s in spec) + 2
    cells = [[f(r) for r in rows] for _, f in spec]
    col_w = [max(len(r["scenario"]), *(len(c[j]) for c in cells)) + 2 for j, r in enumerate(rows)]
    out = [
        "".ljust(label_w)
        + "".join(r["scenario"].rjust(w) for r, w in zip(rows, col_w, strict=True))
    ]
    for (label, _), row_cells in zip(spec, cells, strict=True):
        out.append(
            label.ljust(label_w)
            + "".join(c.rjust(w) for c, w in zip(row_cells, col_w, strict=True))
        )
    return "\n".join(out)


def write_csv(rows: list[dict[str, Any]], path: Path, meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = [*meta, *dict.fromkeys(k for r in rows for k in r)]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow({**meta, **{k: "" if v is None else v for k, v in r.items()}})


def _git_state() -> str:
    """HEAD commit, with ``+dirty`` when tracked planner/model files have local edits."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                "scheduler",
                "models",
                "data",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.weekly_rota", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument(
        "--scenarios",
        default="borough,met,national",
        help="comma-separated subset of: " + ",".join(SCENARIOS),
    )
    ap.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help="seed for both the scenario generator and plan_week",
    )
    ap.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="solver time limit (s) for the week; default: the policy's",
    )
    ap.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="solver worker processes (default: one per CPU)",
    )
    ap.add_argument(
        "--per-visit",
        type=float,
        default=None,
        help="search seconds per due visit of a team (default: the policy's)",
    )
    ap.add_argument(
        "--team-floor",
        type=float,
        default=None,
        help="least search seconds per team (default: the policy's)",
    )
    ap.add_argument(
        "--no-serial",
        action="store_true",
        help="skip the serial engine's run (one process, as plan_week ran before teams "
        "went to worker processes) that the speed-up and the same-plan check compare to",
    )
    ap.add_argument(
        "--baseline",
        default=DEFAULT_BASELINE,
        metavar="REV",
        help="git revision whose engine plans the same scenarios in the same run, for "
        f"comparison (default {DEFAULT_BASELINE}: before issue 27's speed work; 'none' skips)",
    )
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="CSV to write")
    ap.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also profile plan_week (extra run) and print the top N entries",
    )
    args = ap.parse_args(argv)
    names = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    bad = [n for n in names if n not in SCENARIOS]
    if bad or not names:
        ap.error(f"unknown scenario(s) {', '.join(bad)}; valid: {', '.join(SCENARIOS)}")
    policy = _policy(args.time_limit, args.workers, args.per_visit, args.team_floor)

    import ortools

    meta = {
        "run_at_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": _git_state(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "ortools": ortools.__version__,
        "guided_local_search": policy.solver.guided_local_search,
        "min_team_time_s": policy.solver.min_team_time_s,
    }
    print(
        f"weekly_rota benchmark: seed {args.seed}, time cap {policy.solver.time_limit_s or 'none'}"
        f" ({policy.solver.time_per_visit_s:g} s per due visit, floor "
        f"{policy.solver.min_team_time_s:g} s per team)"
        f"{'' if args.time_limit is not None else ' (policy default)'}, "
        f"workers {policy.solver.workers}, GLS {policy.solver.guided_local_search}, "
        f"{os.cpu_count()} CPUs, Python {meta['python']}, OR-Tools {meta['ortools']}, "
        f"git {meta['git']}"
    )
    rows = [run_scenario(n, args.seed, policy, args.profile, not args.no_serial) for n in names]
    if args.baseline != "none":
        extra = [
            f"--{flag}={value}"
            for flag, value in (
                ("time-limit", args.time_limit),
                ("per-visit", args.per_visit),
                ("team-floor", args.team_floor),
            )
            if value is not None
        ]
        base = baseline_rows(args.baseline, names, args.seed, policy.solver.workers, extra)
        rows = [with_baseline(r, base.get(r["scenario"]), args.baseline) for r in rows]
    print()
    print(format_table(rows))
    print()
    print(
        "Ratios: planner travel over the baseline's on the same officer-days. NN and optimal "
        "ignore time windows and joint-visit times, so planner/NN may exceed 1; "
        f"planner/optimal covers days with <= {BRUTE_FORCE_MAX_STOPS} stops. Greedy: own "
        "manager, earliest due first, first day with visit hours left, NN order."
    )
    write_csv(rows, args.out, meta)
    print(f"CSV written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
