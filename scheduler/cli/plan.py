"""``rota plan``: plan a week's visits for a register and print the summary; with
``--out`` write the rota, with ``--store`` plan from and save to the history store."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from models import Policy, Register, Rota
from scheduler.cli.common import (
    StoreOption,
    bundled_scenario,
    errors_to_exit,
    load_policy,
    load_unit_register,
    next_monday,
    now,
    parse_date,
    parse_week,
    register_source_options,
    unit_addresses,
)
from scheduler.cli.travel_options import travel_from_options, travel_options
from scheduler.core.travel import TravelModel
from scheduler.io.export import check_output, write_rota, written_note
from scheduler.io.report import EXIT_HIGH_RISK_LEFT_OUT, fit, format_summary, rota_summary, wrap
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
@click.option(
    "--engine",
    type=click.Choice(["ortools", "pyvrp"]),
    help="Routing engine (default: the policy's solver.engine, ortools); pyvrp routes "
    "with PyVRP every team whose rules it can state.",
)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Build and solve the teams on an existing Dask cluster, e.g. tcp://host:8786 "
    "(its workers need rota-planner installed); the plan is the local one.",
)
@click.option("--out", type=click.Path(path_type=Path), help="Directory to write the rota to.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output directory.")
@click.option(
    "--day",
    help="With --out: officers' files (CSV and .ics) hold only this day's visits "
    "(YYYY-MM-DD, a day of the planned week); manager/ keeps the whole week.",
)
@click.option(
    "--with-addresses",
    is_flag=True,
    help="With --out: officers' files give each offender's address, from the offenders "
    "file's 'address' column. Default: no address in any output.",
)
@click.option(
    "--report",
    type=click.Path(path_type=Path),
    help="Also write the plan's HTML report to this file (as 'rota report' would; "
    "owner-only; --overwrite replaces it).",
)
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
@click.option(
    "--replace",
    is_flag=True,
    help="With --store: save this plan although the week has one (the old plan is kept, "
    "superseded; outcomes then go to this one).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="With --store: plan from the store's history and show the plan, but save "
    "nothing and write no files.",
)
@click.option(
    "--quiet", "-q", is_flag=True, help="No progress bar on stderr (it shows on a terminal)."
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
    engine: str | None,
    cluster: str | None,
    out: Path | None,
    overwrite: bool,
    day: str | None,
    with_addresses: bool,
    report: Path | None,
    as_json: bool,
    reallocate: bool,
    store: Path | None,
    travel_provider: str | None,
    travel_url: str | None,
    travel_fallback: bool | None,
    osrm_url: str | None,
    replace: bool,
    dry_run: bool,
    quiet: bool,
) -> None:
    """Plan next week's visits and print a summary (writes files with --out).

    Exits 3 when the plan was made (and written) but high or very-high risk visits
    were left out: they are listed first, and in unscheduled.csv.
    """
    if (replace or dry_run) and store is None:
        raise click.UsageError("--replace and --dry-run go with --store")
    if workers is not None and cluster is not None:
        raise click.UsageError("--workers and --cluster are alternatives: give one")
    if (offenders is None) != (officers is None):
        raise click.UsageError("--offenders and --officers go together")
    policy = _with_solver_options(load_policy(policy_path), time_limit, workers, engine)
    register, week_start = _load_week(scenario, offenders, officers, week)
    export = _officer_export(out, day, with_addresses, offenders, week_start)
    if out is not None:
        check_output(out, overwrite)
    _check_report(report, overwrite)
    if reallocate:
        register = _reallocated(register, policy, week_start)
    policy, travel = travel_from_options(
        policy, travel_provider, travel_url, travel_fallback, osrm_url
    )
    if store is not None:
        summary = _plan_with_store(
            store,
            register,
            policy,
            week_start,
            seed,
            travel,
            out,
            overwrite,
            as_json,
            export,
            replace=replace,
            dry_run=dry_run,
            cluster=cluster,
            report=report,
            quiet=quiet,
        )
        _exit_for(summary)
        return
    rota = _planned(register, policy, week_start, seed, travel, cluster, quiet)
    summary = _print_summary(rota, register, as_json)
    if out is not None:
        write_rota(rota, register, out, overwrite=overwrite, **export.write_args())
        click.echo("\n" + wrap(export.note(out)), err=as_json)  # stdout: the JSON alone
    _write_report(rota, register, report, overwrite, as_json)
    _exit_for(summary)


@dataclass(frozen=True)
class OfficerExport:
    """What officers' files hold: one day's visits or the week's; addresses or none."""

    day: date | None = None
    addresses: dict[str, str] | None = None

    def write_args(self) -> dict[str, Any]:
        """:func:`write_rota`'s officer-file arguments, issued now."""
        return {"issued": now().astimezone(UTC), "day": self.day, "addresses": self.addresses}

    def note(self, out: Path) -> str:
        return written_note(out, self.day, self.addresses is not None)


def _officer_export(
    out: Path | None, day: str | None, with_addresses: bool, offenders: Path | None, week: date
) -> OfficerExport:
    """``--day`` and ``--with-addresses`` checked before planning, so a wrong one costs no
    solve and writes nothing."""
    if (day is not None or with_addresses) and out is None:
        raise click.UsageError("--day and --with-addresses go with --out")
    when = parse_date(day, "--day")
    if when is not None and not week <= when <= week + timedelta(days=6):
        raise click.BadParameter(
            f"{when} is not in the planned week ({week} to {week + timedelta(days=6)})",
            param_hint="--day",
        )
    if with_addresses and offenders is None:
        raise click.UsageError("--with-addresses needs --offenders with an 'address' column")
    addresses = unit_addresses(offenders) if with_addresses and offenders else None
    return OfficerExport(when, addresses)


@contextmanager
def _executor(cluster: str | None) -> Iterator[Executor | None]:
    """The Dask cluster's executor for ``--cluster`` (connected as ``rota staffing
    --cluster`` connects), else None: the policy's local worker processes."""
    if cluster is None:
        yield None
        return
    from scheduler.staffing.sweep import sweep_executor

    with sweep_executor(cluster=cluster) as executor:
        yield executor


def _check_report(report: Path | None, overwrite: bool) -> None:
    """Refuse ``--report`` over an existing file before planning, unless ``overwrite``."""
    if report is not None and report.exists() and not overwrite:
        raise click.ClickException(
            f"{report} already exists; choose another --report or pass --overwrite"
        )


def _write_report(
    rota: Rota, register: Register, report: Path | None, overwrite: bool, as_json: bool = False
) -> None:
    """``--report``: the plan's HTML page, owner-only and atomic."""
    if report is None:
        return
    from scheduler.io.export import write_private_file
    from scheduler.io.html_report import plan_report

    write_private_file(plan_report(rota, register), report, overwrite=overwrite)
    click.echo("\n" + wrap(f"Wrote the HTML report to {report}"), err=as_json)


def _planned(
    register: Register,
    policy: Policy,
    week_start: date,
    seed: int | None,
    travel: TravelModel | None,
    cluster: str | None,
    quiet: bool,
    history: Any = None,
) -> Rota:
    """The week's plan, on the cluster if one is named, with the progress bar; a road
    server's failure as a one-line error."""
    try:
        with _executor(cluster) as executor, _team_progress(quiet) as on_team:
            return plan_week(
                register,
                policy,
                week_start,
                seed=seed,
                travel=travel,
                created_by=getpass.getuser(),
                history=history,
                executor=executor,
                on_team=on_team,
            )
    except (OSError, RuntimeError) as exc:
        if travel is None:
            raise
        raise click.ClickException(f"road travel times failed: {exc}") from None


@contextmanager
def _team_progress(quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A bar of planning units solved, with the time left, on stderr (``tqdm``, as
    ``rota simulate`` draws), only on a terminal and not with ``--quiet``: a national
    plan takes minutes."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    bars: list[Any] = []

    def update(solved: int, units: int) -> None:
        if not bars:
            bars.append(tqdm(total=units, desc="plan", unit="unit", file=sys.stderr, leave=False))
        bars[0].update(solved - bars[0].n)

    try:
        yield update
    finally:
        for bar in bars:
            bar.close()


def _exit_for(summary: dict[str, Any]) -> None:
    """Exit :data:`EXIT_HIGH_RISK_LEFT_OUT` when the plan left out high-risk visits, so a
    script or scheduler notices; the plan itself was made and written."""
    if summary["high_risk_left_out"]:
        raise SystemExit(EXIT_HIGH_RISK_LEFT_OUT)


def _with_solver_options(
    policy: Policy, time_limit: float | None, workers: int | None, engine: str | None = None
) -> Policy:
    """The policy with ``--time-limit``, ``--workers`` and ``--engine`` applied, validated
    as a whole; an invalid value is reported against its option."""
    given = {"time_limit_s": time_limit, "workers": workers, "engine": engine}
    solver = policy.solver.model_copy(update={k: v for k, v in given.items() if v is not None})
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
        register: Register = load_unit_register(offenders, officers, as_of=week_start)
    else:
        sc = bundled_scenario(scenario, 20261130)
        register, week_start = sc.register, week_start or sc.week_start
    return register, week_start


def _print_summary(rota: Rota, register: Register, as_json: bool) -> dict[str, Any]:
    summary = rota_summary(rota, register)
    if as_json:
        click.echo(json.dumps({k: v for k, v in summary.items() if k != "per_officer"}, indent=1))
    else:
        click.echo(format_summary(summary))
    return summary


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
    export: OfficerExport,
    replace: bool = False,
    dry_run: bool = False,
    cluster: str | None = None,
    report: Path | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """``rota plan --store``: plan from the stored history, then keep the plan, its audit
    and its visits in the store and write ``--out``, together (if writing fails, nothing
    is stored). A week that already has a plan needs ``--replace`` (the old plan stays,
    superseded) or ``--dry-run`` (show, save nothing): a second plan is never saved by
    accident."""
    from scheduler.history.store import HistoryStore

    try:
        with HistoryStore(path) as db:
            earlier = [p for p in db.plans() if p["week_start"] == week_start.isoformat()]
            if earlier and not (replace or dry_run):
                ids = ", ".join(str(p["id"]) for p in earlier)
                raise click.ClickException(
                    f"the week of {week_start} already has plan {ids} in {path}; "
                    "--dry-run shows a new plan without saving it, --replace saves it "
                    "(the old plan is kept, superseded)"
                )
            history = db.history(policy)
            rota = _planned(register, policy, week_start, seed, travel, cluster, quiet, history)
            who = _standing_who()
            standing = _standing(db, rota, register, policy, travel, who)
            final = standing.result.rota if standing and standing.result.changes else rota
            summary = _print_summary(final, register, as_json)
            _print_standing(standing, as_json)
            if dry_run:
                dry = wrap(f"Dry run: nothing saved to {path}, no files written")
                click.echo("\n" + dry, err=as_json)
                return summary
            with db.transaction():
                plan_id = db.save_plan(rota, register, datetime.now())
                plan_id = (
                    _save_standing(db, standing, plan_id, rota, register, policy, who) or plan_id
                )
                if out is not None:
                    write_rota(final, register, out, overwrite=overwrite, **export.write_args())
                _write_report(final, register, report, overwrite, as_json)
            rota = final
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc}; the plan was not stored") from None
    reattempts = sum(bool(history.of(v.offender_id).failed_entries) for v in rota.visits)
    if not as_json:
        click.echo(
            "\n"
            + fit(
                f"History: {len(history)} offender(s) with recorded outcomes;",
                f"{reattempts} re-attempt(s) after a failed visit planned this week",
            )
        )
    superseded = f", superseding plan {earlier[-1]['id']}" if earlier else ""
    click.echo(
        wrap(f"Saved plan {plan_id} ({len(rota.visits)} visits, audit{superseded}) to {path}"),
        err=as_json,
    )
    if out is not None:
        click.echo(wrap(export.note(out)), err=as_json)
    return summary


def _standing_who() -> Any:
    """Who, when and why of the re-plan with the week's standing edits, for its audit."""
    from scheduler.history.store.daily import Who

    return Who(now().replace(microsecond=0), getpass.getuser(), "standing edits of the week")


def _standing(
    db: Any,
    rota: Rota,
    register: Register,
    policy: Policy,
    travel: TravelModel | None,
    who: Any,
) -> Any:
    """The week re-planned with what the store already holds for it (absences entered
    ahead, pins, urgent requests due in the week), or None when nothing stands."""
    from scheduler.io.daily import standing_replan

    return standing_replan(db, rota, register, policy, who, travel=travel)


def _print_standing(standing: Any, as_json: bool) -> None:
    """What the store's standing edits changed in the new plan, and any urgent visit
    it could not meet (with why, and what would let it)."""
    if standing is None:
        return
    from scheduler.io.daily import describe

    r = standing.result
    lines = [f"Standing edits of the week (absences, pins, urgent): {len(r.changes)} change(s)"]
    lines += [
        wrap(
            f"{c.offender_id}: {describe(c.before)} -> {describe(c.after)} ({c.why})",
            "    ",
            80,
            "  ",
        )
        for c in r.changes
    ]
    lines += [
        wrap(f"URGENT VISIT NOT PLANNED: {oid}: {why}") for oid, why in standing.refusals.items()
    ]
    click.echo("\n" + "\n".join(lines), err=as_json)


def _save_standing(
    db: Any,
    standing: Any,
    plan_id: int,
    rota: Rota,
    register: Register,
    policy: Policy,
    who: Any,
) -> int | None:
    """Store the standing re-plan as a plan superseding the weekly one just saved (the
    weekly plan keeps its own seed, so both replay), with its audit entries."""
    if standing is None:
        return None
    from scheduler.history.store.daily import WeekPlan
    from scheduler.io.daily import save_replan

    week = WeekPlan(plan_id, rota, register, policy)
    return save_replan(db, week, rota.week_start, who, standing.result, standing.refusals)


def _reallocated(register: Register, policy: Policy, week_start: date) -> Register:
    from scheduler.allocation import allocate, apply_allocation

    allocation = allocate(register, policy, as_of=week_start)
    if not allocation.is_feasible():
        raise click.ClickException(
            "caseloads cannot be allocated within officers' caps: "
            + "; ".join(s.message for s in allocation.shortfalls)
        )
    return apply_allocation(register, allocation)
