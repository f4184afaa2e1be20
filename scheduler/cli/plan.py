"""``rota plan``: plan a week's visits for a register and print the summary; with
``--out`` write the rota, with ``--store`` plan from and save to the history store."""

from __future__ import annotations

import getpass
import json
from datetime import date, datetime
from pathlib import Path

import click
from pydantic import ValidationError

from models import Policy, Register, Rota
from scheduler.cli.common import (
    StoreOption,
    bundled_scenario,
    errors_to_exit,
    load_policy,
    next_monday,
    parse_week,
    register_source_options,
)
from scheduler.cli.travel_options import travel_from_options, travel_options
from scheduler.core.travel import TravelModel
from scheduler.io.export import check_output, write_rota
from scheduler.io.loaders import load_register
from scheduler.io.report import format_summary, rota_summary
from scheduler.plan.planner import plan_week


@click.command("plan")
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
@travel_options
@click.option(
    "--store",
    type=StoreOption(),
    help="History store (SQLite file, created owner-only if missing; or a PostgreSQL URL "
    "postgresql+psycopg://USER@HOST[:PORT]/DB): plan from its last successful visits and "
    "failed attempts, then save the plan, its audit and visits in it.",
)
@errors_to_exit
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
    store: Path | None,
    travel_provider: str | None,
    travel_url: str | None,
    travel_fallback: bool | None,
    osrm_url: str | None,
) -> None:
    """Plan next week's visits and print a summary (writes files with --out)."""
    if (offenders is None) != (officers is None):
        raise click.UsageError("--offenders and --officers go together")
    policy = _with_solver_options(load_policy(policy_path), time_limit, workers)
    register, week_start = _load_week(scenario, offenders, officers, week)
    if out is not None:
        check_output(out, overwrite)
    if reallocate:
        register = _reallocated(register, policy, week_start)
    policy, travel = travel_from_options(
        policy, travel_provider, travel_url, travel_fallback, osrm_url
    )
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
        raise click.ClickException(f"road travel times failed: {exc}") from None
    _print_summary(rota, register, as_json)
    if out is not None:
        write_rota(rota, register, out, overwrite=overwrite)
        click.echo(
            f"\nWrote rota to {out}/ (visits.csv, unscheduled.csv, rota.json, "
            "summary.json, audit.json, officers/)"
        )


def _with_solver_options(policy: Policy, time_limit: float | None, workers: int | None) -> Policy:
    """The policy with ``--time-limit`` and ``--workers`` applied, validated as a whole;
    an invalid value is reported against its option."""
    solver = policy.solver.model_copy(
        update={
            k: v
            for k, v in {"time_limit_s": time_limit, "workers": workers}.items()
            if v is not None
        }
    )
    try:
        return Policy.model_validate({**policy.model_dump(), "solver": solver.model_dump()})
    except ValidationError as exc:
        e = exc.errors()[0]
        option = {"time_limit_s": "--time-limit", "workers": "--workers"}.get(str(e["loc"][-1]))
        raise click.BadParameter(e["msg"], param_hint=option) from None


def _load_week(
    scenario: str, offenders: Path | None, officers: Path | None, week: str | None
) -> tuple[Register, date]:
    """The register to plan and the Monday its week starts: from your own files (next
    Monday by default) or the bundled scenario (its week by default)."""
    week_start = parse_week(week)
    if offenders is not None and officers is not None:
        week_start = week_start or next_monday(date.today())
        register: Register = load_register(offenders, officers, as_of=week_start)
    else:
        sc = bundled_scenario(scenario, 20261130)
        register, week_start = sc.register, week_start or sc.week_start
    return register, week_start


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
    travel: TravelModel | None,
    out: Path | None,
    overwrite: bool,
    as_json: bool,
) -> None:
    """``rota plan --store``: plan from the stored history, then keep the plan, its audit
    and its visits in the store and write ``--out``, together (if writing fails, nothing
    is stored)."""
    from scheduler.history.store import HistoryStore

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
