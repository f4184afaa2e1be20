"""``rota simulate``: run the real weekly planner week after week on a scenario, with
drawn failed visits, register changes and officer absence, and report per week and in
total. The visit history it writes is what ``rota audit --history`` reads."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from models import Policy, Register
from scheduler.cli.common import (
    bundled_scenario,
    errors_to_exit,
    load_policy,
    load_rates,
    load_unit_register,
    next_monday,
    register_source_options,
)
from scheduler.io.export import check_output, write_private_tree
from scheduler.io.loaders import csv_text
from scheduler.io.report import wrap
from scheduler.staffing.result import (
    TIERS,
    WEEK_COLUMNS,
    SimulationResult,
    WeekRow,
    visit_rows,
)
from scheduler.staffing.simulate import simulate
from scheduler.timing.randomness import new_secret_seed

VISIT_COLUMNS = ("offender_id", "tier", "date", "slot", "outcome", "interval_days")
OFFICER_COLUMNS = ("week", "officer_id", "team", "caseload", "busy_h", "budget_h", "utilisation")


def format_weeks(weeks: list[WeekRow]) -> str:
    """The per-week table within 80 columns (weekly.csv has every column)."""
    head = (
        f"{'week':>4} {'start':>10} {'offndr':>6} {'due':>5} {'plan':>5} {'done':>5} "
        f"{'fail':>4} {'short':>5} {'overdue l/m/h/vh':>16} {'trav h':>6} {'util':>4}"
    )
    lines = [head]
    for r in weeks:
        od = "/".join(str(r.overdue[t]) for t in TIERS)
        lines.append(
            f"{r.week:>4} {r.week_start.isoformat():>10} {r.offenders:>6} {r.due:>5} "
            f"{r.planned:>5} {r.completed:>5} {r.failed:>4} {r.shortfall:>5} {od:>16} "
            f"{r.travel_h:>6.1f} {r.utilisation:>4.2f}"
        )
    return "\n".join(lines)


def simulation_files(result: SimulationResult, summary: dict[str, Any]) -> dict[str, str | bytes]:
    officers = [
        {
            "week": o.week + 1,
            "officer_id": o.officer_id,
            "team": o.team,
            "caseload": o.caseload,
            "busy_h": round(o.busy_h, 2),
            "budget_h": round(o.budget_h, 2),
            "utilisation": round(o.utilisation, 4),
        }
        for o in result.officer_weeks
    ]
    files: dict[str, str | bytes] = {
        "weekly.csv": csv_text((w.flat() for w in result.weeks), WEEK_COLUMNS),
        "officer_weeks.csv": csv_text(officers, OFFICER_COLUMNS),
        "visits.csv": csv_text(visit_rows(result), VISIT_COLUMNS),
        "summary.json": json.dumps(summary, indent=1, default=str) + "\n",
    }
    try:
        from scheduler.io import plots
    except ImportError:  # plots need matplotlib
        return files
    files["overdue_by_tier.png"] = plots.overdue_by_tier(result.weeks)
    files["utilisation.png"] = plots.utilisation_distribution(result.officer_weeks)
    return files


@click.command("simulate")
@register_source_options("simulate")
@click.option(
    "--weeks",
    type=click.IntRange(1, 520),
    default=52,
    show_default=True,
    help="Weeks to simulate.",
)
@click.option(
    "--warmup",
    type=click.IntRange(0, 519),
    help="Weeks left out of the compliance figures (scenarios start with a backlog); "
    "default 8, or half of --weeks when that is fewer.",
)
@click.option("--seed", type=int, help="Replay a run (default: a fresh secret seed, printed).")
@click.option("--policy", "policy_path", type=click.Path(path_type=Path), help="Policy TOML.")
@click.option(
    "--rates",
    "rates_path",
    type=click.Path(path_type=Path),
    help="Event rates TOML (failed visits, register changes, officer absence).",
)
@click.option("--workers", type=click.IntRange(1, 256), help="Local processes per week's plan.")
@click.option(
    "--no-rebook",
    is_flag=True,
    help="Leave visits the police call off to next week's plan (default: rebooked on the "
    "rest of their week).",
)
@click.option(
    "--no-replan",
    is_flag=True,
    help="Tell the planner the week's absences when it plans the week, instead of "
    "re-planning each morning as they become known (the model of earlier releases).",
)
@click.option("--out", type=click.Path(path_type=Path), help="Directory for CSV, JSON and PNGs.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output directory.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar on stderr.")
@errors_to_exit
def simulate_cmd(
    scenario: str,
    offenders: Path | None,
    officers: Path | None,
    weeks: int,
    warmup: int | None,
    seed: int | None,
    policy_path: Path | None,
    rates_path: Path | None,
    workers: int | None,
    no_rebook: bool,
    no_replan: bool,
    out: Path | None,
    overwrite: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Simulate WEEKS weeks of planning and visiting; report per week and in total."""
    import time

    if (offenders is None) != (officers is None):
        raise click.UsageError("--offenders and --officers go together")
    if warmup is None:
        warmup = min(8, weeks // 2)
    if warmup >= weeks:
        raise click.BadParameter("must be fewer than --weeks", param_hint="--warmup")
    policy = _simulation_policy(load_policy(policy_path), workers)
    rates = load_rates(rates_path)
    register, start = _simulation_register(scenario, offenders, officers)
    if out is not None:
        check_output(out, overwrite)
    seed = new_secret_seed() if seed is None else seed

    t0 = time.perf_counter()
    with _progress_bar(weeks, quiet) as bar:

        def progress(row: WeekRow) -> None:
            bar.set_postfix(planned=row.planned, overdue=sum(row.overdue.values()), refresh=False)
            bar.update(1)

        result = simulate(
            register,
            policy,
            start,
            weeks,
            seed=seed,
            rates=rates,
            warmup_weeks=warmup,
            on_week=progress,
            rebook_cancelled=not no_rebook,
            daily_replan=not no_replan,
        )
    if not quiet and not sys.stderr.isatty():
        click.echo(f"Simulated {weeks} weeks in {time.perf_counter() - t0:.1f} s", err=True)
    summary = result.summary(time.perf_counter() - t0)
    if as_json:
        click.echo(json.dumps(summary, indent=1, default=str))
    else:
        click.echo(format_weeks(result.weeks))
        click.echo("")
        click.echo(format_summary(summary, weeks, seed))
    if out is not None:
        write_private_tree(simulation_files(result, summary), out, overwrite)
        click.echo(
            wrap(f"Wrote {out}/ (weekly.csv, officer_weeks.csv, visits.csv, summary.json, PNGs)"),
            err=as_json,
        )
    sys.stdout.flush()


def _progress_bar(weeks: int, quiet: bool) -> Any:
    """A bar with the weeks done and the time left on stderr (``tqdm``), drawn only on a
    terminal and not at all with ``--quiet``; elsewhere the command writes one final
    line instead of a line a week."""
    from tqdm import tqdm

    return tqdm(
        total=weeks,
        desc="simulate",
        unit="week",
        file=sys.stderr,
        disable=quiet or not sys.stderr.isatty(),
        dynamic_ncols=True,
    )


def _simulation_policy(policy: Policy, workers: int | None) -> Policy:
    """The sweep's search limits, so the search ends at its local optimum rather than at
    the clock and a seed replays the run on a busy machine too; ``workers`` processes
    per week's plan (default: the policy's)."""
    from scheduler.staffing.sweep import SEARCH_TIME_FACTOR, sweep_policy

    workers = policy.solver.workers if workers is None else workers
    policy = sweep_policy(policy, SEARCH_TIME_FACTOR)
    return policy.model_copy(
        update={"solver": policy.solver.model_copy(update={"workers": workers})}
    )


def _simulation_register(
    scenario: str, offenders: Path | None, officers: Path | None
) -> tuple[Register, date]:
    """The register to simulate and its first Monday: the CSVs from next Monday, else
    the bundled scenario."""
    if offenders is not None and officers is not None:
        start = next_monday(date.today())
        return load_unit_register(offenders, officers, as_of=start), start
    sc = bundled_scenario(scenario, 20261130)
    return sc.register, sc.week_start


def format_summary(summary: dict[str, Any], weeks: int, seed: int) -> str:
    """The printed totals under the weekly table, wrapped at 80 columns."""
    comp = summary["compliance"]
    lines = [
        f"{weeks} weeks in {summary['seconds']} s, seed {seed} (replay with --seed).",
        "On time after the warm-up: " + ", ".join(f"{k} {100 * v:.1f}%" for k, v in comp.items()),
        "Attempted on time (a knock at the door by the due date, failed ones "
        "followed up): "
        + ", ".join(f"{k} {100 * v:.1f}%" for k, v in summary["compliance_attempted"].items()),
    ]
    late = summary["late_causes_attempted"]
    if late["all"]:
        lines.append(
            "Not attempted on time, offender-weeks by cause (high + very high / all): "
            + ", ".join(
                f"{cause} {late['high_and_very_high'].get(cause, 0)}/{n}"
                for cause, n in late["all"].items()
            )
        )
    tot = summary["totals"]
    lines.append(
        f"Visits planned {tot['planned']}, completed {tot['completed']}, failed "
        f"{tot['failed']}, shortfall {tot['shortfall']}, short-notice revisits "
        f"{tot['revisits']}; travel {tot['travel_h']} h; utilisation "
        f"{100 * tot['utilisation']:.1f}%."
    )
    return "\n".join(map(wrap, lines))
