"""Staffing curves of the benchmark scenarios: the minimum staffing the simulated planner
needs against the workload lower bound, and how long a year's simulation takes.

Run::

    python -m benchmarks.staffing --scenarios borough,met [--replications 3] [--weeks 26]
        [--warmup 8] [--workers N] [--max-levels 9] [--generous 1.5] [--timing-weeks 52]
        [--no-timing]
        [--target-high 1.0] [--target-all 0.95] [--plateau 0.01] [--seed 1]
        [--out benchmarks/results/staffing]

For each scenario (a named, versioned benchmark scenario, ``data.benchmark_scenarios``):

1. the workload lower bound (``scheduler.staffing.workload_lower_bound``);
2. the time of one ``--timing-weeks``-week simulation at today's staffing, in this
   process (target: met within 5 minutes);
3. the staffing sweep over levels from the bound up to twice the bound or today's
   staffing (every level when there are few, else ``--max-levels`` levels spaced
   geometrically), plus today's staffing and ``--generous`` x today's staffing (where
   officers are not short), ``--replications`` each, over local processes;
4. the minimum staffing for the issue's target (high + very high 100% and all tiers 95%
   of offender-weeks on time, every replication) and its ratio to the bound (target:
   within 5%, ratio <= 1.05);
5. the compliance ceiling (the mean compliance of the best-staffed level): what the
   planner reaches when officers are not short. Failed visits late in an interval,
   offenders back from custody or abroad and visits that cannot be made for structural
   reasons (two officers, gender, availability) make some offender-weeks late at any
   staffing, so the ceiling can sit below 100% and the issue's target is then not met at
   any level. The *capacity minimum* is the smallest level whose mean compliance (high
   + very high and all) is within ``--plateau`` of the ceiling, and every larger level's
   too: the staffing beyond which more officers no longer help. Its ratio to the bound
   is printed as well.

Printed per scenario and written under ``--out``: ``summary.csv`` (one row per
scenario) and, per scenario, ``sweep.csv``, ``curve.csv``, ``lower_bound.json`` and the
plots (``compliance_vs_staffing.png``, ``overdue_by_tier.png``, ``utilisation.png``).
``benchmarks/results/`` is git-ignored.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from data.benchmark_scenarios import build, fingerprint, resolve
from models import Policy
from models.simulation import EventRates
from scheduler import plots
from scheduler.export import write_private_tree
from scheduler.loaders import csv_text
from scheduler.simulate import simulate
from scheduler.staffing import (
    CURVE_COLUMNS,
    SWEEP_COLUMNS,
    StaffingCurve,
    SweepRow,
    Target,
    make_tasks,
    run_sweep,
    summarise,
    sweep_executor,
    workload_lower_bound,
)

DEFAULT_OUT = Path("benchmarks/results/staffing")
SUMMARY_COLUMNS = [
    "scenario",
    "register_sha256",
    "offenders",
    "officers_now",
    "teams",
    "lower_bound",
    "lower_bound_pooled",
    "workload_h_per_week",
    "hours_per_officer_week",
    "levels",
    "replications",
    "weeks",
    "minimum_target",
    "ratio_target",
    "ceiling_high_and_very_high",
    "ceiling_all",
    "capacity_minimum",
    "ratio_capacity",
    "utilisation_at_capacity_minimum",
    "timing_weeks",
    "timing_s",
    "sweep_s",
]


def sweep_levels(
    bound: int, current: int, teams: int, max_levels: int, generous: float = 1.5
) -> list[int]:
    """From the bound up to twice the bound or today's staffing, whichever is more:
    every level when that is at most ``max_levels``, else ``max_levels`` levels spaced
    geometrically; plus ``generous`` x today's staffing, where officers are not short
    (the compliance ceiling). Never below one officer per team."""
    lo = max(bound, teams)
    hi = max(2 * lo, current, lo + 1)
    if hi - lo + 1 <= max_levels:
        levels = set(range(lo, hi + 1))
    else:
        ratio = (hi / lo) ** (1 / (max_levels - 1))
        levels = {round(lo * ratio**k) for k in range(max_levels)}
    levels |= {current, max(hi, math.ceil(generous * current))}
    return sorted(levels)


def capacity_minimum(curve: StaffingCurve, tolerance: float) -> tuple[int | None, float, float]:
    """The smallest level from which every level's mean compliance is within
    ``tolerance`` of the best-staffed level's (the ceiling); and the ceiling."""
    top = curve.levels[-1]
    ceiling_hi, ceiling_all = top.high_and_very_high.mean, top.all.mean
    found: int | None = None
    for lv in reversed(curve.levels):
        if (
            lv.high_and_very_high.mean < ceiling_hi - tolerance
            or lv.all.mean < ceiling_all - tolerance
        ):
            break
        found = lv.officers
    return found, ceiling_hi, ceiling_all


def time_simulation(name: str, weeks: int, policy: Policy, rates: EventRates) -> float:
    sc = build(name)
    started = time.perf_counter()
    simulate(sc.register, policy, sc.week_start, weeks, seed=1, rates=rates, warmup_weeks=0)
    return time.perf_counter() - started


def scenario_files(
    rows: list[SweepRow], curve: StaffingCurve, info: dict[str, object]
) -> dict[str, str | bytes]:
    level = curve.minimum or info.get("capacity_minimum") or curve.levels[-1].officers
    at = [r for r in rows if r.officers == level] or rows
    first = min(at, key=lambda r: r.replication)
    return {
        "sweep.csv": csv_text((r.flat() for r in rows), SWEEP_COLUMNS),
        "curve.csv": csv_text(curve.rows(), CURVE_COLUMNS),
        "lower_bound.json": json.dumps(info, indent=1, default=str),
        "compliance_vs_staffing.png": plots.compliance_vs_staffing(curve),
        "overdue_by_tier.png": plots.overdue_by_tier(
            list(first.week_rows),
            title=f"{curve.scenario}, {first.officers} officers: overdue by tier",
            warmup_weeks=first.warmup_weeks,
        ),
        "utilisation.png": plots.utilisation_distribution(
            [u for r in at for u in r.utilisation_sample],
            title=f"{curve.scenario}, {first.officers} officers: utilisation per officer-week",
        ),
    }


def fmt_curve(curve: StaffingCurve) -> list[str]:
    lines = [f"  {'officers':>8} {'high+vh':>9} {'(min-max)':>17} {'all':>8} {'util':>6}  target"]
    for lv in curve.levels:
        hv = lv.high_and_very_high
        lines.append(
            f"  {lv.officers:>8} {hv.mean:>9.2%} ({hv.low:>6.2%}-{hv.high:>6.2%}) "
            f"{lv.all.mean:>8.2%} {lv.utilisation.mean:>6.1%}  "
            + ("met" if lv.meets_target else "-")
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--scenarios", default="borough,met")
    ap.add_argument("--replications", type=int, default=3)
    ap.add_argument("--weeks", type=int, default=26)
    ap.add_argument("--warmup", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--max-levels", type=int, default=9)
    ap.add_argument("--generous", type=float, default=1.5)
    ap.add_argument("--timing-weeks", type=int, default=52)
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--target-high", type=float, default=1.0)
    ap.add_argument("--target-all", type=float, default=0.95)
    ap.add_argument("--plateau", type=float, default=0.01)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)

    policy, rates = Policy(), EventRates()
    target = Target(args.target_high, args.target_all)
    summary_rows: list[dict[str, object]] = []
    for name in [s.strip() for s in args.scenarios.split(",") if s.strip()]:
        spec = resolve(name)
        sc = build(spec.key)
        reg = sc.register
        teams = len({o.team for o in reg.officers})
        bound = workload_lower_bound(reg, policy, rates)
        print(
            f"\n== {spec.key}: {len(reg.offenders):,} offenders, {len(reg.officers)} officers "
            f"in {teams} team(s)",
            flush=True,
        )
        print(
            f"lower bound {bound.officers} officers ({bound.officers_pooled} pooled): "
            f"visits {bound.visit_hours_per_week:.1f} h + least travel "
            f"{bound.travel_hours_per_week:.1f} h a week over "
            f"{bound.hours_per_officer_week:.2f} h per officer-week",
            flush=True,
        )
        timing = None
        if not args.no_timing:
            timing = time_simulation(spec.key, args.timing_weeks, policy, rates)
            print(f"{args.timing_weeks}-week simulation at today's staffing: {timing:.1f} s")
        levels = sweep_levels(
            bound.officers, len(reg.officers), teams, args.max_levels, args.generous
        )
        print(f"sweeping {levels} x {args.replications} replications, {args.weeks} weeks")
        tasks = make_tasks(
            spec.key,
            levels,
            replications=args.replications,
            weeks=args.weeks,
            warmup_weeks=args.warmup,
            seed=args.seed,
            policy=policy,
            rates=rates,
        )
        started = time.perf_counter()
        with sweep_executor(args.workers) as executor:
            rows = run_sweep(tasks, executor, progress=sys.stderr.isatty())
        sweep_s = time.perf_counter() - started
        curve = summarise(rows, target, bound)
        cap_min, ceil_hi, ceil_all = capacity_minimum(curve, args.plateau)
        ratio_cap = cap_min / bound.officers if cap_min is not None else None
        util = next(
            (lv.utilisation.mean for lv in curve.levels if lv.officers == cap_min), math.nan
        )
        print("\n".join(fmt_curve(curve)))
        print(
            f"minimum for the target (high+vh >= {target.high_and_very_high:.0%}, all >= "
            f"{target.all:.0%}, every replication): "
            + (
                f"{curve.minimum} officers, {curve.ratio:.2f} x the bound"
                if curve.minimum is not None and curve.ratio is not None
                else "not met at any level"
            )
        )
        print(
            f"ceiling (at {curve.levels[-1].officers} officers): high+vh {ceil_hi:.2%}, "
            f"all {ceil_all:.2%}; capacity minimum (within {args.plateau:.0%} of it): "
            + (
                f"{cap_min} officers, {ratio_cap:.2f} x the bound, utilisation {util:.0%}"
                if cap_min is not None and ratio_cap is not None
                else "none"
            )
        )
        print(f"sweep: {len(tasks)} simulations in {sweep_s:.0f} s", flush=True)
        info: dict[str, object] = {
            "scenario": spec.key,
            "register_sha256": fingerprint(reg),
            "offenders": len(reg.offenders),
            "officers_now": len(reg.officers),
            "teams": teams,
            "lower_bound": bound.officers,
            "lower_bound_pooled": bound.officers_pooled,
            "workload_h_per_week": round(bound.workload_hours_per_week, 2),
            "hours_per_officer_week": round(bound.hours_per_officer_week, 3),
            "levels": " ".join(map(str, levels)),
            "replications": args.replications,
            "weeks": args.weeks,
            "minimum_target": curve.minimum,
            "ratio_target": round(curve.ratio, 4) if curve.ratio is not None else None,
            "ceiling_high_and_very_high": round(ceil_hi, 4),
            "ceiling_all": round(ceil_all, 4),
            "capacity_minimum": cap_min,
            "ratio_capacity": round(ratio_cap, 4) if ratio_cap is not None else None,
            "utilisation_at_capacity_minimum": round(util, 4),
            "timing_weeks": args.timing_weeks if timing is not None else None,
            "timing_s": round(timing, 1) if timing is not None else None,
            "sweep_s": round(sweep_s, 1),
        }
        summary_rows.append(info)
        files = scenario_files(rows, curve, {**info, "bound": bound.to_dict(), **curve.summary()})
        write_private_tree(files, args.out / spec.key.replace("@", "_v"), overwrite=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.csv").write_text(csv_text(summary_rows, SUMMARY_COLUMNS))
    print(f"\nWrote {args.out}/summary.csv and one directory per scenario")
    return 0


if __name__ == "__main__":
    sys.exit(main())
