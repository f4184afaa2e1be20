"""``rota``: a thin command line over the library. It loads and validates input, calls
the library, and formats; it is the only place that prints or reads the clock."""

from __future__ import annotations

import functools
import getpass
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from models import Policy, Register, Rota
from scheduler.commands import allocate_cmd, record_cmd, simulate_cmd, status_cmd
from scheduler.commands.audit import audit_cmd
from scheduler.commands.options import load_settings, register_source_options
from scheduler.commands.record import StoreOption
from scheduler.commands.staffing import staffing_cmd
from scheduler.exceptions import InputFileError, RotaError, UnknownScenarioError
from scheduler.export import check_output, write_private_tree, write_rota
from scheduler.loaders import OFFENDER_COLUMNS, OFFICER_COLUMNS, load_register, register_files
from scheduler.outcomes import OUTCOME_COLUMNS
from scheduler.planner import plan_week
from scheduler.report import format_summary, rota_summary
from scheduler.travel import OsrmTravel


def _errors_to_exit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Library errors become a clear message and exit status 1, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InputFileError as exc:
            for line in exc.report().splitlines():
                click.echo(f"Error: {line}", err=True)
            raise SystemExit(1) from None
        except RotaError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def _parse_week(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None
    if day.weekday() != 0:
        raise click.BadParameter(f"{value} is a {day:%A}; the planning week starts on a Monday")
    return day


def _next_monday(today: date) -> date:
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def load_policy(path: Path | None) -> Policy:
    return load_settings(Policy, path)


def _scenario(name: str, seed: int):
    from data.scenarios import generate

    try:
        return generate(name, seed)
    except ValueError as exc:
        raise UnknownScenarioError(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rota-planner")
def main() -> None:
    """Plan unannounced home visits to registered sex offenders."""


@main.command("plan")
@register_source_options("plan")
@click.option(
    "--week",
    help="Monday the week starts (YYYY-MM-DD). Default: the scenario's "
    "week, or next Monday for your own files.",
)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(path_type=Path),
    help="Policy TOML overriding the defaults.",
)
@click.option(
    "--seed", type=int, help="Replay a plan from its audit seed (default: a fresh secret seed)."
)
@click.option(
    "--time-limit",
    type=float,
    help="Cap on solver seconds for the whole week (default: by team size).",
)
@click.option("--workers", type=int, help="Local processes for independent teams.")
@click.option("--out", type=click.Path(path_type=Path), help="Directory to write the rota to.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output directory.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option(
    "--allocate",
    "reallocate",
    is_flag=True,
    help="Rebalance caseloads first (as 'rota allocate' would) and plan with the result.",
)
@click.option(
    "--osrm-url",
    help="Opt in to road travel times from this OSRM server (coordinates are sent to it; "
    "default: offline straight-line estimate).",
)
@click.option(
    "--store",
    type=StoreOption(),
    help="History store (SQLite file, created owner-only if missing; or a PostgreSQL URL "
    "postgresql+psycopg://USER@HOST[:PORT]/DB): plan from its last successful visits and "
    "failed attempts, then save the plan, its audit and visits in it.",
)
@_errors_to_exit
def plan_cmd(
    scenario: str,
    offenders: Path | None,
    officers: Path | None,
    week: str | None,
    policy_path: Path | None,
    seed: int | None,
    time_limit: float | None,
    workers: int | None,
    out: Path | None,
    overwrite: bool,
    as_json: bool,
    reallocate: bool,
    osrm_url: str | None,
    store: Path | None,
) -> None:
    """Plan next week's visits and print a summary (writes files with --out)."""
    if (offenders is None) != (officers is None):
        raise click.UsageError("--offenders and --officers go together")
    policy = load_policy(policy_path)
    solver = policy.solver.model_copy(
        update={
            k: v
            for k, v in {"time_limit_s": time_limit, "workers": workers}.items()
            if v is not None
        }
    )
    try:
        policy = Policy.model_validate({**policy.model_dump(), "solver": solver.model_dump()})
    except ValidationError as exc:
        e = exc.errors()[0]
        option = {"time_limit_s": "--time-limit", "workers": "--workers"}.get(str(e["loc"][-1]))
        raise click.BadParameter(e["msg"], param_hint=option) from None
    week_start = _parse_week(week)
    if offenders is not None and officers is not None:
        week_start = week_start or _next_monday(date.today())
        register: Register = load_register(offenders, officers, as_of=week_start)
    else:
        sc = _scenario(scenario, 20261130)
        register, week_start = sc.register, week_start or sc.week_start
    if out is not None:
        check_output(out, overwrite)
    if reallocate:
        register = _reallocated(register, policy, week_start)
    travel = OsrmTravel(osrm_url) if osrm_url else None
    if store is not None:
        _plan_with_store(store, register, policy, week_start, seed, travel, out, overwrite, as_json)
        return
    try:
        rota = plan_week(
            register, policy, week_start, seed=seed, travel=travel, created_by=getpass.getuser()
        )
    except (OSError, RuntimeError) as exc:
        if travel is None:
            raise
        raise click.ClickException(f"road travel times from {osrm_url} failed: {exc}") from None
    summary = rota_summary(rota, register)
    if as_json:
        click.echo(json.dumps({k: v for k, v in summary.items() if k != "per_officer"}, indent=1))
    else:
        click.echo(format_summary(summary))
    if out is not None:
        write_rota(rota, register, out, overwrite=overwrite)
        click.echo(
            f"\nWrote rota to {out}/ (visits.csv, unscheduled.csv, rota.json, "
            "summary.json, audit.json, officers/)"
        )


def _print_summary(rota: Rota, register: Register, as_json: bool) -> None:
    summary = rota_summary(rota, register)
    if as_json:
        click.echo(json.dumps({k: v for k, v in summary.items() if k != "per_officer"}, indent=1))
    else:
        click.echo(format_summary(summary))


def _plan_with_store(
    path: Path,
    register: Register,
    policy: Policy,
    week_start: date,
    seed: int | None,
    travel: OsrmTravel | None,
    out: Path | None,
    overwrite: bool,
    as_json: bool,
) -> None:
    """``rota plan --store``: plan from the stored history, then keep the plan, its audit
    and its visits in the store and write ``--out``, together (if writing fails, nothing
    is stored)."""
    from scheduler.store import HistoryStore

    try:
        with HistoryStore(path) as db:
            history = db.history(policy)
            try:
                rota = plan_week(
                    register,
                    policy,
                    week_start,
                    seed=seed,
                    travel=travel,
                    created_by=getpass.getuser(),
                    history=history,
                )
            except (OSError, RuntimeError) as exc:
                if travel is None:
                    raise
                raise click.ClickException(f"road travel times failed: {exc}") from None
            _print_summary(rota, register, as_json)
            with db.transaction():
                plan_id = db.save_plan(rota, register, datetime.now())
                if out is not None:
                    write_rota(rota, register, out, overwrite=overwrite)
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc}; the plan was not stored") from None
    reattempts = sum(bool(history.of(v.offender_id).failed_entries) for v in rota.visits)
    if not as_json:
        click.echo(
            f"\nHistory: {len(history)} offender(s) with recorded outcomes; {reattempts} "
            f"re-attempt(s) after a failed visit planned this week"
        )
    click.echo(f"Saved plan {plan_id} ({len(rota.visits)} visits, audit) to {path}")
    if out is not None:
        click.echo(
            f"Wrote rota to {out}/ (visits.csv, unscheduled.csv, rota.json, "
            "summary.json, audit.json, officers/)"
        )


def _reallocated(register: Register, policy: Policy, week_start: date) -> Register:
    from scheduler.allocation import allocate, apply_allocation

    allocation = allocate(register, policy, as_of=week_start)
    if not allocation.is_feasible():
        raise click.ClickException(
            "caseloads cannot be allocated within officers' caps: "
            + "; ".join(s.message for s in allocation.shortfalls)
        )
    return apply_allocation(register, allocation)


@main.command("scenario")
@click.argument("name")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Directory for offenders.csv and officers.csv.",
)
@click.option(
    "--seed",
    type=int,
    default=20261130,
    show_default=True,
    help="Generator seed (scenarios are synthetic and reproducible).",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing output directory.")
@_errors_to_exit
def scenario_cmd(name: str, out: Path, seed: int, overwrite: bool) -> None:
    """Write a bundled synthetic scenario (borough, met, national) as CSVs."""
    sc = _scenario(name, seed)
    write_private_tree(register_files(sc.register), out, overwrite=overwrite)
    click.echo(
        f"Wrote {len(sc.register.offenders)} offenders and {len(sc.register.officers)} "
        f"officers ({sc.name}, week of {sc.week_start}) to {out}/"
    )


@main.command("formats")
def formats_cmd() -> None:
    """Describe the input CSV columns."""
    for title, cols in (
        ("offenders", OFFENDER_COLUMNS),
        ("officers", OFFICER_COLUMNS),
        ("outcomes", OUTCOME_COLUMNS),
    ):
        click.echo(f"{title}.csv")
        for name, text in cols.items():
            click.echo(f"  {name:<16}{text}")
        click.echo("")


main.add_command(allocate_cmd)
main.add_command(record_cmd)
main.add_command(status_cmd)
main.add_command(simulate_cmd)
main.add_command(audit_cmd)
main.add_command(staffing_cmd)
