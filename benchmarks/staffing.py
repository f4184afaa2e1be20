"""Staffing curves of the benchmark scenarios: the minimum staffing the simulated planner
needs against the workload lower bound, and how long a year's simulation takes.

Run::

    python -m benchmarks.staffing --scenarios borough,met [--replications 3] [--weeks 26]
        [--warmup 8] [--workers N] [--max-levels 9] [--generous 1.5] [--timing-weeks 52]
        [--no-timing] [--no-refine] [--plateau 0.01] [--seed 1]
        [--out benchmarks/results/staffing]

For each scenario (a named, versioned benchmark scenario, ``scheduler.staffing.scenarios``):

1. the workload lower bound (``scheduler.staffing.bound.workload_lower_bound``: hours,
   evening/weekend windows, per team, teams split as the sweep splits them) and its
   parts, with the level from which every high/very-high visit (every visit) can be
   made at all;
2. the time of one ``--timing-weeks``-week simulation at today's staffing, in this
   process (target: met within 5 minutes);
3. the staffing sweep over levels from the bound up to twice the bound or today's
   staffing (every level when there are few, else ``--max-levels`` levels spaced
   geometrically), plus today's staffing, ``--generous`` x today's staffing, the level
   below the bound and three quarters of it (is the bound one?), ``--replications``
   each, over local processes; while the main target is not met, levels 1.25 x the top
   are added, up to ``--extend`` x today's staffing (unless the target is out of reach
   at any staffing: a high-risk offender no officer of their team can ever visit);
4. for each of :data:`TARGETS` (the issue's target, high + very high 100% and all 95%
   of offender-weeks, and 95% / 95%; each on the ``attempted`` measure, an attempt at
   the door on time, and the ``on_time`` measure, a successful visit on time; every
   replication) the minimum staffing, narrowed to one officer by bisection between the
   last failing and the first passing level (same replications and seeds), and its
   ratio to the bound for that target (``LowerBound.for_target``; the issue's target:
   within 5%, ratio <= 1.05);
5. the compliance ceiling (mean compliance of the best-staffed level, both measures)
   and the *capacity minimum*: the smallest level whose mean compliance on the main
   target's measure is within ``--plateau`` of the ceiling, and every larger level's too.

Printed per scenario and written under ``--out``: ``summary.csv`` (one row per scenario
and target) and, per scenario, ``sweep.csv``, ``curve.csv`` (``meets_target`` for the
main target), ``lower_bound.json`` (the bound, its teams, every target's result) and the
plots (``compliance_vs_staffing.png``, ``overdue_by_tier.png``, ``utilisation.png``).
``benchmarks/results/`` is git-ignored.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from models import Policy
from models.simulation import EventRates
from scheduler.io import plots
from scheduler.io.export import write_private_tree
from scheduler.io.loaders import csv_text
from scheduler.staffing.curve import CURVE_COLUMNS, StaffingCurve, Target, summarise
from scheduler.staffing.lower_bound import LowerBound
from scheduler.staffing.result import Measure
from scheduler.staffing.scenarios import build
from scheduler.staffing.simulate import simulate
from scheduler.staffing.study import Study, StudySettings, prepare_study, run_study
from scheduler.staffing.sweep import SWEEP_COLUMNS, SweepRow

DEFAULT_OUT = Path("benchmarks/results/staffing")
#: The targets every scenario is scored on; the first is the main one (the issue's
#: target on what staffing controls).
TARGETS = (
    Target(1.0, 0.95, measure=Measure.ATTEMPTED),
    Target(1.0, 0.95, measure=Measure.ON_TIME),
    Target(0.95, 0.95, measure=Measure.ATTEMPTED),
    Target(0.95, 0.95, measure=Measure.ON_TIME),
)
SUMMARY_COLUMNS = [
    "scenario",
    "register_sha256",
    "offenders",
    "officers_now",
    "teams",
    "measure",
    "target_high_and_very_high",
    "target_all",
    "minimum",
    "failing_below",
    "bound_for_target",
    "ratio",
    "lower_bound",
    "lower_bound_any_split",
    "lower_bound_hours",
    "lower_bound_pooled",
    "reach_high",
    "reach_all",
    "unservable",
    "unservable_high",
    "workload_h_per_week",
    "hours_per_officer_week",
    "levels",
    "replications",
    "weeks",
    "ceiling_high_and_very_high",
    "ceiling_all",
    "capacity_minimum",
    "utilisation_at_minimum",
    "timing_weeks",
    "timing_s",
    "sweep_s",
]


def sweep_levels(
    bound: int,
    current: int,
    teams: int,
    max_levels: int,
    generous: float = 1.5,
    reach: int = 0,
) -> list[int]:
    """From the bound (the least of the targets') up to twice the bound, today's
    staffing or 1.25 x ``reach`` (the main target's bound), whichever is most:
    every level when that is at most ``max_levels``, else ``max_levels`` levels spaced
    geometrically; plus today's staffing and ``generous`` x today's staffing, where
    officers are not short (the compliance ceiling); and, to check that the bound is
    one, the level below it and three quarters of it. Never below one officer per
    team."""
    lo = max(bound, teams)
    hi = max(2 * lo, current, lo + 1, math.ceil(1.25 * reach))
    if hi - lo + 1 <= max_levels:
        levels = set(range(lo, hi + 1))
    else:
        ratio = (hi / lo) ** (1 / (max_levels - 1))
        levels = {round(lo * ratio**k) for k in range(max_levels)}
    levels |= {current, max(lo, math.ceil(generous * current))}
    levels |= {max(teams, lo - 1), max(teams, math.floor(0.75 * lo))}
    return sorted(levels)


def capacity_minimum(curve: StaffingCurve, tolerance: float) -> tuple[int | None, float, float]:
    """The smallest level from which every level's mean compliance (on the target's
    measure) is within ``tolerance`` of the best-staffed level's (the ceiling); and the
    ceiling."""
    measure = curve.target.measure
    ceiling_hi, ceiling_all = (b.mean for b in curve.levels[-1].bands(measure))
    found: int | None = None
    for lv in reversed(curve.levels):
        hi, al = lv.bands(measure)
        if hi.mean < ceiling_hi - tolerance or al.mean < ceiling_all - tolerance:
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
    level = curve.minimum or curve.levels[-1].officers
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
    lines = [
        f"  {'officers':>8} {'attempted hv':>13} {'(min-max)':>17} {'all':>8} "
        f"{'on time hv':>11} {'(min-max)':>17} {'all':>8} {'short/wk':>8} {'util':>6}"
    ]
    for lv in curve.levels:
        a_hv, a_all = lv.bands(Measure.ATTEMPTED)
        hv, al = lv.high_and_very_high, lv.all
        short = lv.shortfall.mean if lv.shortfall is not None else math.nan
        lines.append(
            f"  {lv.officers:>8} {a_hv.mean:>13.2%} ({a_hv.low:>6.2%}-{a_hv.high:>6.2%}) "
            f"{a_all.mean:>8.2%} {hv.mean:>11.2%} ({hv.low:>6.2%}-{hv.high:>6.2%}) "
            f"{al.mean:>8.2%} {short:>8.1f} {lv.utilisation.mean:>6.1%}"
        )
    return lines


def fmt_bound(bound: LowerBound) -> str:
    return (
        f"lower bound {bound.officers} officers (hours and evening/weekend windows, teams "
        f"split as the sweep splits them; {bound.officers_any_split} placed where needed, "
        f"{bound.officers_hours} on hours alone, {bound.officers_pooled} pooled): visits "
        f"{bound.visit_hours_per_week:.1f} h + least travel "
        f"{bound.travel_hours_per_week:.1f} h a week over "
        f"{bound.hours_per_officer_week:.2f} h per officer-week; every high/very-high "
        f"visit possible from {bound.reach_high}, every visit from {bound.reach_all}; "
        f"{bound.unservable} offender(s) ({bound.unservable_high} high/very-high) no officer "
        "of their team can ever visit"
        + "".join(f"\n  {line}" for line in bound.unservable_list(high_only=True))
    )


def _late_causes(rows: Sequence[SweepRow], level: int) -> str:
    """High and very high offender-weeks not attempted on time at ``level``, summed over
    its replications, by cause: what more staff could and could not change."""
    total: Counter[str] = Counter()
    for r in rows:
        if r.officers == level:
            total.update(r.late_high)
    return ", ".join(f"{k} {v}" for k, v in total.most_common())


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
    ap.add_argument("--no-refine", action="store_true")
    ap.add_argument("--extend", type=float, default=3.0)
    ap.add_argument("--plateau", type=float, default=0.01)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)

    policy, rates = Policy(), EventRates()
    settings = StudySettings(args.replications, args.weeks, args.warmup, args.seed, policy, rates)
    summary_rows: list[dict[str, object]] = []
    for name in [s.strip() for s in args.scenarios.split(",") if s.strip()]:
        summary_rows += run_scenario(name, settings, args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.csv").write_text(csv_text(summary_rows, SUMMARY_COLUMNS))
    print(f"\nWrote {args.out}/summary.csv and one directory per scenario")
    return 0


def run_scenario(
    name: str, settings: StudySettings, args: argparse.Namespace
) -> list[dict[str, object]]:
    """Bound, timing, sweep and every target's minimum for one scenario: printed, its
    files written, and its rows of ``summary.csv`` returned."""
    study = prepare_study(name, settings)
    reg, bound, teams = study.register, study.bound, study.teams
    print(
        f"\n== {study.scenario}: {len(reg.offenders):,} offenders, {len(reg.officers)} "
        f"officers in {teams} team(s)",
        flush=True,
    )
    print(fmt_bound(bound), flush=True)
    timing = None
    if not args.no_timing:
        timing = time_simulation(study.scenario, args.timing_weeks, settings.policy, settings.rates)
        print(f"{args.timing_weeks}-week simulation at today's staffing: {timing:.1f} s")
    levels = sweep_levels(
        min(t.bound(bound) or bound.officers for t in TARGETS),
        len(reg.officers),
        teams,
        args.max_levels,
        args.generous,
        reach=TARGETS[0].bound(bound) or max(bound.officers, bound.reach_high),
    )
    print(f"sweeping {levels} x {args.replications} replications, {args.weeks} weeks")
    started = time.perf_counter()
    rows = run_study(
        study,
        levels,
        TARGETS,
        workers=args.workers,
        refine=not args.no_refine,
        extend_to=args.extend * len(reg.officers),
        on_extend=lambda top: print(
            f"main target not met yet: extending the sweep to {top}", flush=True
        ),
        progress=sys.stderr.isatty(),
    )
    sweep_s = time.perf_counter() - started
    rows.sort(key=lambda r: (r.officers, r.replication))
    curves = [summarise(rows, target, bound) for target in TARGETS]
    main_curve = curves[0]
    cap_min, ceil_hi, ceil_all = capacity_minimum(main_curve, args.plateau)
    print("\n".join(fmt_curve(main_curve)))
    base = base_row(study, args, main_curve, (ceil_hi, ceil_all), cap_min, timing, sweep_s)
    results = [target_result(curve, bound) for curve in curves]
    print(
        f"ceiling (at {main_curve.levels[-1].officers} officers, attempted): high+vh "
        f"{ceil_hi:.2%}, all {ceil_all:.2%}; capacity minimum (within "
        f"{args.plateau:.0%} of it): {cap_min}"
    )
    run = {r.officers for r in rows}
    for level in sorted({TARGETS[0].bound(bound) or 0, cap_min or 0} & run):
        print(
            f"high/very-high offender-weeks late at {level} officers, by cause: "
            f"{_late_causes(rows, level) or 'none'}"
        )
    print(f"sweep: {len(rows)} simulations in {sweep_s:.0f} s", flush=True)
    info = {**base, "targets": results, "bound": bound.to_dict(), **main_curve.summary()}
    files = scenario_files(rows, main_curve, info)
    write_private_tree(files, args.out / study.scenario.replace("@", "_v"), overwrite=True)
    return [{**base, **result} for result in results]


def base_row(
    study: Study,
    args: argparse.Namespace,
    main_curve: StaffingCurve,
    ceiling: tuple[float, float],
    cap_min: int | None,
    timing: float | None,
    sweep_s: float,
) -> dict[str, object]:
    """The scenario's columns of ``summary.csv`` (the same for every target)."""
    reg, bound, teams = study.register, study.bound, study.teams
    ceil_hi, ceil_all = ceiling
    return {
        "scenario": study.scenario,
        "register_sha256": study.register_sha256,
        "offenders": len(reg.offenders),
        "officers_now": len(reg.officers),
        "teams": teams,
        "lower_bound": bound.officers,
        "lower_bound_any_split": bound.officers_any_split,
        "lower_bound_hours": bound.officers_hours,
        "lower_bound_pooled": bound.officers_pooled,
        "reach_high": bound.reach_high,
        "reach_all": bound.reach_all,
        "unservable": bound.unservable,
        "unservable_high": bound.unservable_high,
        "workload_h_per_week": round(bound.workload_hours_per_week, 2),
        "hours_per_officer_week": round(bound.hours_per_officer_week, 3),
        "levels": " ".join(str(lv.officers) for lv in main_curve.levels),
        "replications": args.replications,
        "weeks": args.weeks,
        "ceiling_high_and_very_high": round(ceil_hi, 4),
        "ceiling_all": round(ceil_all, 4),
        "capacity_minimum": cap_min,
        "timing_weeks": args.timing_weeks if timing is not None else None,
        "timing_s": round(timing, 1) if timing is not None else None,
        "sweep_s": round(sweep_s, 1),
    }


def target_result(curve: StaffingCurve, bound: LowerBound) -> dict[str, object]:
    """One target's minimum, its bound and ratio (printed, and a row of the summary)."""
    t = curve.target
    util = next(
        (lv.utilisation.mean for lv in curve.levels if lv.officers == curve.minimum),
        None,
    )
    result: dict[str, object] = {
        "measure": Measure(t.measure).value,
        "target_high_and_very_high": t.high_and_very_high,
        "target_all": t.all,
        "minimum": curve.minimum,
        "failing_below": curve.failing_below,
        "bound_for_target": curve.bound,
        "ratio": round(curve.ratio, 4) if curve.ratio is not None else None,
        "utilisation_at_minimum": round(util, 4) if util is not None else None,
    }
    found = (
        f"{curve.minimum} officers (one fewer fails: {curve.failing_below}), bound "
        f"{curve.bound}, ratio {curve.ratio:.2f}"
        if curve.minimum is not None and curve.ratio is not None
        else f"not met at any level (bound {curve.bound})"
        if curve.bound is not None
        else f"out of reach at any staffing: {bound.unservable_high} high/very-high "
        f"offender(s) ({bound.unservable} in all) no officer of their team can visit"
    )
    print(f"minimum for {t.describe()}: {found}")
    return result


if __name__ == "__main__":
    sys.exit(main())
