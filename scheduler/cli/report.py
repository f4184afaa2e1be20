"""``rota report``: one self-contained HTML page of a week's rota (what ``rota plan
--out`` wrote, with the register for the maps), or of a simulation's or staffing sweep's
output folder with its charts. The page loads nothing from anywhere and holds
pseudonymous ids only."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from models import Policy, Register, Rota
from scheduler.cli.common import (
    STORE_HELP,
    StoreOption,
    bundled_scenario,
    errors_to_exit,
    load_unit_register,
    parse_date,
    register_source_options,
)
from scheduler.core.exceptions import RotaError
from scheduler.io.export import write_private_file
from scheduler.io.report import wrap

if TYPE_CHECKING:
    from scheduler.history.compliance import ComplianceReport


@click.command("report")
@click.argument("folder", type=click.Path(path_type=Path))
@register_source_options("report", default=None)
@click.option(
    "--store",
    type=StoreOption(),
    help=f"Add compliance counts by tier, as 'rota status' gives them. {STORE_HELP}",
)
@click.option(
    "--as-of", help="Date of the compliance counts, YYYY-MM-DD (default: the rota's first day)."
)
@click.option(
    "--audit",
    "audit_dir",
    type=click.Path(path_type=Path),
    help="Folder 'rota audit --out' wrote: adds the predictability scores and their chart.",
)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="HTML file to write.")
@click.option("--overwrite", is_flag=True, help="Replace an existing report file.")
@errors_to_exit
def report_cmd(
    folder: Path,
    scenario: str | None,
    offenders: Path | None,
    officers: Path | None,
    store: Path | None,
    as_of: str | None,
    audit_dir: Path | None,
    out: Path,
    overwrite: bool,
) -> None:
    """Write an HTML report of FOLDER: a plan's (rota plan --out; give the register it
    was planned from, for the maps), a simulation's or a staffing sweep's. One file,
    owner-only, that fetches nothing; pseudonymous ids only, no addresses, no seed."""
    from scheduler.io.run_report import FolderKind, folder_kind, run_folder_report

    if (offenders is None) != (officers is None):
        raise click.UsageError("--offenders and --officers go together")
    if out.exists() and not overwrite:
        raise RotaError(f"{out} already exists; choose another --out or pass --overwrite")
    kind, folder = folder_kind(folder)
    plan_only = {"--scenario": scenario, "--offenders": offenders, "--store": store}
    plan_only |= {"--audit": audit_dir, "--as-of": as_of}
    if kind is not FolderKind.PLAN:
        given = [name for name, value in plan_only.items() if value is not None]
        if given:
            raise click.UsageError(f"{', '.join(given)}: only for a plan's folder")
        html = run_folder_report(kind, folder)
        note = f"{kind.value} folder {folder}"
    else:
        html, note = _plan_page(folder, scenario, offenders, officers, store, as_of, audit_dir)
    write_private_file(html, out, overwrite=overwrite)
    click.echo(wrap(f"Wrote {out} ({len(html) // 1024 + 1} KB): the report of {note}"))


def _plan_page(
    folder: Path,
    scenario: str | None,
    offenders: Path | None,
    officers: Path | None,
    store: Path | None,
    as_of: str | None,
    audit_dir: Path | None,
) -> tuple[str, str]:
    """The plan folder's page and a few words on what it holds."""
    from scheduler.io.html_report import plan_report
    from scheduler.io.run_report import read_audit, read_plan

    rota = read_plan(folder)
    register = _register(rota, scenario, offenders, officers)
    status = None
    if store is not None:
        day = parse_date(as_of, "--as-of") or rota.week_start
        status = _status(store, register, day)
    audit = read_audit(audit_dir) if audit_dir is not None else None
    html = plan_report(rota, register, status=status, audit=audit)
    extras = "".join(
        f", {word}" for word, given in (("compliance", status), ("audit", audit)) if given
    )
    note = (
        f"the week of {rota.week_start}: {len(rota.visits)} visits, "
        f"{len(rota.unscheduled)} offenders not visited{extras}"
    )
    return html, note


def _register(
    rota: Rota, scenario: str | None, offenders: Path | None, officers: Path | None
) -> Register:
    """The register the rota was planned from: every offender and officer of the rota on
    it (the maps need their coordinates), and no offender more (a rota accounts for
    every offender of its register once)."""
    if offenders is not None and officers is not None:
        register = load_unit_register(offenders, officers, as_of=rota.week_start)
    elif scenario is not None:
        register = bundled_scenario(scenario, 20261130).register
    else:
        raise click.UsageError(
            "give the register the rota was planned from (--scenario, or --offenders and "
            "--officers): the maps need its coordinates"
        )
    on_register = {o.id for o in register.offenders}
    staff = {o.id for o in register.officers}
    stray = sorted(i for i in rota.offender_ids() if i not in on_register)
    stray += sorted({o for v in rota.visits for o in v.officer_ids if o not in staff})
    if stray:
        raise RotaError(
            f"{len(stray)} offender(s) or officer(s) of the rota are not on this register "
            f"(first: {stray[0]}): give the register the rota was planned from"
        )
    planned = len(set(rota.offender_ids()))
    if planned != len(on_register):
        raise RotaError(
            f"the rota accounts for {planned} offenders, this register has "
            f"{len(on_register)}: give the register the rota was planned from"
        )
    return register


def _status(store: Path, register: Register, day: date) -> ComplianceReport:
    """Compliance on ``day`` from the store's history, as ``rota status`` assesses it."""
    from scheduler.history.compliance import assess
    from scheduler.history.store import HistoryStore

    if not store.is_file():
        raise click.ClickException(f"{store}: no history store here (rota plan --store creates it)")
    with HistoryStore(store) as db:
        policy = db.latest_policy() or Policy()
        history = db.history(policy)
    return assess(register, policy, day, history)
