"""``rota staffing``: how many officers keep the visits on time?

A thin layer over :mod:`scheduler.staffing.study`: resolve the benchmark scenario
(``borough@1``...), read the policy and event rates, run the sweep (simulations at each
staffing level, several replications) on local processes or a Dask cluster, narrow the
minimum down to one officer by bisection, then print compliance against staffing with
bands (on time and attempted on time), the minimum staffing meeting the target and the
workload lower bound, and write the tables and plots privately (all files or none).
Every input is checked before the first simulation starts, so a bad option never costs
a sweep and never leaves an output directory.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import click

from scheduler.cli.common import errors_to_exit, load_policy, load_rates
from scheduler.io.export import check_output, write_private_tree
from scheduler.io.loaders import csv_text
from scheduler.io.report import fit, wrap
from scheduler.staffing.curve import CURVE_COLUMNS, Band, StaffingCurve, Target, summarise
from scheduler.staffing.lower_bound import LowerBound
from scheduler.staffing.restaff import RosterOrder, StaffingError
from scheduler.staffing.result import Measure
from scheduler.staffing.study import (
    Study,
    StudySettings,
    prepare_study,
    run_study,
    scenario_key,
)
from scheduler.staffing.sweep import SWEEP_COLUMNS, SweepRow, parse_levels

#: Most staffing levels a default range (no ``--officers``) sweeps.
DEFAULT_LEVELS = 8


def default_levels(bound: int, current: int) -> list[int]:
    """From the lower bound up to the larger of the current staffing and 1.5 x the
    bound, at most :data:`DEFAULT_LEVELS` levels."""
    top = max(current, math.ceil(1.5 * bound), bound + 1)
    step = max(1, math.ceil((top - bound) / (DEFAULT_LEVELS - 1)))
    levels = list(range(bound, top + 1, step))
    if levels[-1] != top:
        levels.append(top)
    return levels


def _officers(n: int) -> str:
    return f"{n} officer" + ("" if n == 1 else "s")


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _band(b: Band, fmt: Any = _pct) -> str:
    if b.low == b.high:
        return fmt(b.mean)
    return f"{fmt(b.mean)} ({fmt(b.low)}-{fmt(b.high)})"


def _num(x: float) -> str:
    return f"{100 * x:.1f}"


def format_curve(curve: StaffingCurve, current: int) -> str:
    """The printed table, the minimum found and the bound, within 80 columns: the
    target's measure as mean (min-max) percentages, the other measure, overdue and
    utilisation as means (curve.csv has every band)."""
    t = curve.target
    measure = Measure(t.measure)
    other = Measure.ON_TIME if measure is Measure.ATTEMPTED else Measure.ATTEMPTED
    names = {Measure.ON_TIME: "on time", Measure.ATTEMPTED: "attempted"}
    lines = [
        wrap(
            f"Staffing sweep of {curve.scenario} (now {_officers(current)}); compliance = "
            "offender-weeks after the warm-up, in %, mean (min-max). On time: a successful "
            "visit within the interval; attempted: an attempt at the door by the due date, "
            "failed ones followed up within the re-attempt window. Then the other measure "
            "(high+vh/all), overdue offenders a week and officers' utilisation in %, means."
        ),
        "",
        f"{'officers':>8} {'high+vh ' + names[measure]:<19}{'all ' + names[measure]:<19}"
        f"{names[other]:<12}{'overdue':>7}{'util':>6} target",
    ]
    for lv in curve.levels:
        hv, al = lv.bands(measure)
        try:
            o_hv, o_al = lv.bands(other)
            second = f"{_num(o_hv.mean)}/{_num(o_al.mean)}"
        except StaffingError:
            second = "-"
        lines.append(
            f"{lv.officers:>8} {_band(hv, _num):<19}{_band(al, _num):<19}{second:<12}"
            f"{lv.overdue.mean:>7.1f}{_num(lv.utilisation.mean):>6} "
            + ("met" if lv.meets_target else "-")
        )
    lines.append("")
    goal = f"({t.describe()})."
    if curve.minimum is None:
        lines.append(fit("Minimum staffing: not met at any level swept", goal))
    else:
        below = curve.failing_below
        exact = (
            " (exact: one fewer fails)"
            if below == curve.minimum - 1
            else f" (between {below + 1} and {curve.minimum})"
            if below is not None
            else " (or fewer: the smallest level swept meets it)"
        )
        lines.append(fit(f"Minimum staffing: {_officers(curve.minimum)}{exact}", goal))
    lb = curve.lower_bound
    if lb is not None:
        lines.append(
            wrap(
                f"Lower bound: {_officers(lb.officers)} for the visit workload (visits "
                f"{lb.visit_hours_per_week:.1f} h + least travel "
                f"{lb.travel_hours_per_week:.1f} h a week, {lb.hours_per_officer_week:.1f} "
                "visit hours per officer-week, and the evening/weekend work within the "
                f"shifts that can do it; {lb.officers_any_split} with officers placed where "
                f"needed, {lb.officers_hours} on hours alone); every high/very-high visit "
                f"possible from {lb.reach_high}, every visit from {lb.reach_all}"
                + (
                    f"; {lb.unservable} offender(s) no officer can ever visit"
                    if lb.unservable
                    else ""
                )
                + "."
            )
        )
        if curve.bound is None:
            lines.append(
                wrap(
                    f"Bound for this target: none: {lb.unservable_high} high/very-high and "
                    f"{lb.unservable} offender(s) in all no officer of their team can ever "
                    "visit, so no staffing level meets it:"
                )
            )
            lines += [wrap(line, "    ", first="  ") for line in lb.unservable_list(high_only=True)]
        else:
            cap = t.caseload_cap
            if cap is not None and lb.team_sizes:
                lines.append(
                    wrap(
                        f"Caseloads of at most {cap}: {_officers(lb.caseload_floor(cap))} at "
                        "least (every team ceil(its offenders / cap))."
                    )
                )
            lines.append(
                wrap(
                    f"Bound for this target: {_officers(curve.bound)}"
                    + (f"; found / bound = {curve.ratio:.2f}" if curve.ratio is not None else "")
                    + "."
                )
            )
    return "\n".join(lines)


def representative(curve: StaffingCurve) -> int:
    """The level the time-series and utilisation plots show: the minimum found, else
    the largest level swept."""
    return curve.minimum if curve.minimum is not None else curve.levels[-1].officers


def output_files(
    rows: list[SweepRow],
    curve: StaffingCurve,
    bound: LowerBound,
    info: dict[str, Any],
) -> dict[str, str | bytes]:
    """sweep.csv, curve.csv, weeks.csv, lower_bound.json and the three PNGs."""
    from scheduler.io import plots

    rows = sorted(rows, key=lambda r: (r.officers, r.replication))
    level = representative(curve)
    at_level = [r for r in rows if r.officers == level]
    first = min(at_level, key=lambda r: r.replication)
    weeks = [
        {"scenario": r.scenario, "officers": r.officers, "replication": r.replication, **w.flat()}
        for r in rows
        for w in r.week_rows
    ]
    summary = {**info, **curve.summary(), "lower_bound": bound.to_dict()}
    return {
        "sweep.csv": csv_text((r.flat() for r in rows), SWEEP_COLUMNS),
        "curve.csv": csv_text(curve.rows(), CURVE_COLUMNS),
        "weeks.csv": csv_text(weeks, list(weeks[0]) if weeks else ["scenario"]),
        "lower_bound.json": json.dumps(summary, indent=1, default=str),
        "compliance_vs_staffing.png": plots.compliance_vs_staffing(curve),
        "overdue_by_tier.png": plots.overdue_by_tier(
            list(first.week_rows),
            title=f"{curve.scenario}, {level} officers, replication {first.replication}: "
            "overdue by tier",
            warmup_weeks=first.warmup_weeks,
        ),
        "utilisation.png": plots.utilisation_distribution(
            [u for r in at_level for u in r.utilisation_sample],
            title=f"{curve.scenario}, {level} officers: utilisation per officer-week",
        ),
    }


@click.command("staffing")
@click.option(
    "--scenario",
    default="borough@1",
    show_default=True,
    help="Benchmark scenario NAME[@VERSION]: borough, met, national, borough-growth10, "
    "borough-growth25, met-growth10, met-growth25, borough-cuts20, met-cuts20, "
    "borough-small, met-bcu (no version: the latest).",
)
@click.option(
    "--officers",
    "levels_text",
    metavar="LO:HI[:STEP] | N,N,...",
    help="Staffing levels (officers in total, spread over the teams in proportion to "
    "their sizes). Default: from the lower bound to the current staffing.",
)
@click.option(
    "--replications",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Seeded runs per staffing level (every one must meet a target).",
)
@click.option(
    "--weeks",
    type=click.IntRange(min=1),
    default=26,
    show_default=True,
    help="Weeks simulated per run.",
)
@click.option(
    "--warmup",
    type=click.IntRange(min=0),
    default=8,
    show_default=True,
    help="Weeks left out of compliance (the scenario starts with a backlog).",
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="Sweep seed: the same seed gives the same results.",
)
@click.option(
    "--target-high",
    type=click.FloatRange(0, 1),
    default=1.0,
    show_default=True,
    help="Share of high and very-high offender-weeks that must be on time.",
)
@click.option(
    "--target-all",
    type=click.FloatRange(0, 1),
    default=0.95,
    show_default=True,
    help="Share of all offender-weeks that must be on time.",
)
@click.option(
    "--target-measure",
    type=click.Choice(["attempted", "on-time"]),
    default="attempted",
    show_default=True,
    help="What the target counts: 'attempted' = an attempt at the door by the due date "
    "(failed ones followed up within the re-attempt window), what staffing controls; "
    "'on-time' = a successful visit within the interval (failed entries keep it below "
    "100% at any staffing).",
)
@click.option(
    "--target-mean",
    is_flag=True,
    help="Hold the mean of the replications to the target (default: every replication).",
)
@click.option(
    "--refine/--no-refine",
    default=True,
    show_default=True,
    help="Bisect between the last failing and the first passing level, so the minimum "
    "is exact to one officer (same replications and seeds).",
)
@click.option(
    "--roster",
    type=click.Choice(["reach", "balanced", "listed"]),
    default="reach",
    show_default=True,
    help="Which officers a team of each size has: reach takes first the shifts its "
    "offenders need (late, Saturday, a second late shift for evening joint visits, a "
    "woman for female-officer visits), then the team's own mix; balanced keeps the "
    "team's own mix of shifts at every size; listed takes the officers in list order.",
)
@click.option(
    "--caseload-cap",
    type=click.IntRange(1, 1000),
    help="Caseload cap for every officer; a level with a larger caseload fails the target.",
)
@click.option(
    "--visit-hours",
    type=click.FloatRange(0, 24, min_open=True),
    help="Visit hours per working day for every officer (default: each officer's own).",
)
@click.option(
    "--rates",
    "rates_path",
    type=click.Path(path_type=Path),
    help="Event rates TOML (failures, register events, absences).",
)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(path_type=Path),
    help="Policy TOML overriding the defaults.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Local processes (default: one per CPU; 1 runs in this process).",
)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Run on an existing Dask cluster, e.g. tcp://host:8786 (its workers need "
    "rota-planner installed).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Directory for the CSVs, lower_bound.json and the PNG plots.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing output directory.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option(
    "--quiet", "-q", "--no-progress", "no_progress", is_flag=True, help="No progress bar on stderr."
)
@errors_to_exit
def staffing_cmd(
    scenario: str,
    levels_text: str | None,
    replications: int,
    weeks: int,
    warmup: int,
    seed: int,
    target_high: float,
    target_all: float,
    target_measure: str,
    target_mean: bool,
    refine: bool,
    roster: RosterOrder,
    caseload_cap: int | None,
    visit_hours: float | None,
    rates_path: Path | None,
    policy_path: Path | None,
    workers: int | None,
    cluster: str | None,
    out: Path,
    overwrite: bool,
    as_json: bool,
    no_progress: bool,
) -> None:
    """Simulate a range of staffing levels and find the fewest officers that keep the
    visits on time; compare with the workload lower bound. Writes sweep.csv, curve.csv,
    weeks.csv, lower_bound.json and PNG plots to --out."""
    if workers is not None and cluster is not None:
        raise click.UsageError("--workers and --cluster are alternatives: give one")
    key = scenario_key(scenario)
    if warmup >= weeks:
        raise StaffingError(
            f"the warm-up ({warmup} weeks) must be shorter than the run ({weeks} weeks)"
        )
    levels = parse_levels(levels_text) if levels_text is not None else None
    settings = StudySettings(
        replications,
        weeks,
        warmup,
        seed,
        load_policy(policy_path),
        load_rates(rates_path),
        caseload_cap,
        visit_hours,
        roster,
    )
    study = prepare_study(key, settings)
    measure = Measure.ON_TIME if target_measure == "on-time" else Measure.ATTEMPTED
    target = Target(target_high, target_all, not target_mean, measure, caseload_cap)
    levels = _checked_levels(study, target, levels)
    check_output(out, overwrite)
    lanes = 1 if cluster else max(1, (workers or os.cpu_count() or 1) // replications)
    rows = run_study(
        study,
        levels,
        [target],
        workers=workers,
        cluster=cluster,
        refine=refine,
        per_round=lanes,
        progress=not no_progress,
    )
    curve = summarise(rows, target, study.bound)
    info = study_info(study)
    if as_json:
        summary = {**info, **curve.summary(), "lower_bound": study.bound.to_dict()}
        click.echo(json.dumps({**summary, "curve": curve.rows()}, indent=1, default=str))
    else:
        click.echo(format_curve(curve, len(study.register.officers)))
    files = output_files(rows, curve, study.bound, info)
    write_private_tree(files, out, overwrite=overwrite)
    if not as_json:
        click.echo("\n" + wrap(f"Wrote {', '.join(sorted(files))} to {out}/"))


def _checked_levels(study: Study, target: Target, levels: list[int] | None) -> list[int]:
    """The levels to sweep (default: :func:`default_levels` from the target's bound),
    each with at least one officer per team."""
    teams = study.teams
    if levels is None:
        start = target.bound(study.bound) or study.bound.officers
        levels = default_levels(max(start, teams), len(study.register.officers))
    if levels[0] < teams:
        raise StaffingError(
            f"--officers: {levels[0]} officer(s) cannot staff the {teams} teams of "
            f"{study.scenario}: at least one per team"
        )
    return levels


def study_info(study: Study) -> dict[str, Any]:
    """The study's inputs, as ``lower_bound.json`` and ``--json`` report them."""
    s = study.settings
    return {
        "scenario": study.scenario,
        "description": study.description,
        "register_sha256": study.register_sha256,
        "offenders": len(study.register.offenders),
        "officers_now": len(study.register.officers),
        "teams": study.teams,
        "replications": s.replications,
        "weeks": s.weeks,
        "warmup_weeks": s.warmup_weeks,
        "seed": s.seed,
        "caseload_cap": s.caseload_cap,
        "visit_hours": s.visit_hours,
        "roster": s.roster,
        "rates": s.rates.model_dump(mode="json"),
    }
