"""``rota status``: compliance view of the whole register from the history store.

Every offender is in exactly one state (:mod:`scheduler.history.compliance`): missing, tracked
(custody, hospital, abroad with a re-check date), s.96B warrant, reactive, escalate to
the unit manager, overdue, re-check due, re-attempt, due soon or visited. The command
prints the count per state with its action, checks that the counts add up to the
register, and lists every offender who needs action.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from models import Policy, Register
from scheduler.cli.common import STORE_HELP, StoreOption, errors_to_exit, load_policy, now
from scheduler.history.compliance import ACTIONS, ComplianceReport, ComplianceState, assess
from scheduler.io.export import check_output, write_private_tree
from scheduler.io.loaders import csv_text, load_register
from scheduler.io.report import fit, wrap

STATUS_COLUMNS = (
    "offender_id",
    "tier",
    "manager_id",
    "state",
    "action",
    "last_visit",
    "due_date",
    "days_overdue",
    "failed_in_a_row",
    "recheck_date",
    "detail",
)


def status_summary(report: ComplianceReport) -> dict[str, object]:
    counts = report.counts()
    return {
        "as_of": report.as_of.isoformat(),
        "register": report.register_size,
        "states": {s.value: counts[s] for s in ComplianceState},
        "total": sum(counts.values()),
        "balanced": report.balanced,
        "needs_action": sum(r.state.needs_action for r in report.rows),
        "with_outcomes_not_on_register": list(report.off_register),
    }


def format_status(report: ComplianceReport, header: str, list_all: bool) -> str:
    """The printed view, within 80 columns: the count and action of each state, the
    check against the register, then one line per offender (id, tier, manager, state,
    last visit, due date) with its detail wrapped below; status.csv (``--out``) has
    every column, re-check dates and counts included."""
    counts = report.counts()
    total = sum(counts.values())
    lines = [header, "", f"{'state':<18}{'count':>6}  action"]
    for state in ComplianceState:
        lines.append(wrap(ACTIONS[state], " " * 26, first=f"{state.value:<18}{counts[state]:>6}  "))
    verdict = (
        "every offender in exactly one state"
        if report.balanced
        else "MISMATCH: some offender is missing or counted twice"
    )
    lines.append(
        fit(
            f"{'total':<18}{total:>6} ",
            f"= {report.register_size} on the register: {verdict}",
        )
    )
    if report.off_register:
        lines.append(
            "\n"
            + wrap(
                f"{len(report.off_register)} offender(s) with recorded outcomes are not on "
                f"this register (deregistered or moved?): {', '.join(report.off_register[:20])}"
            )
        )
    shown = [r for r in report.rows if list_all or r.state.needs_action]
    order = {s: i for i, s in enumerate(ComplianceState)}
    shown.sort(key=lambda r: (order[r.state], -r.tier.rank, -(r.days_overdue or 0), r.offender_id))
    if shown:
        lines += [
            "",
            "Offenders" if list_all else f"Needing action ({len(shown)})",
            f"{'offender':<12}{'tier':<10}{'manager':<10}{'state':<17}{'last visit':<11}due",
        ]
        for r in shown:
            lines.append(
                f"{r.offender_id:<11} {r.tier.value:<10}{r.manager_id:<9} {r.state.value:<17}"
                f"{_d(r.last_visit):<11}{_d(r.due_date)}"
            )
            if r.detail:
                lines.append(wrap(r.detail, " " * 4, first=" " * 4))
    return "\n".join(lines)


def _d(day: date | None) -> str:
    return day.isoformat() if day else "-"


@click.command("status")
@click.option("--store", type=StoreOption(), required=True, help=STORE_HELP)
@click.option(
    "--offenders",
    type=click.Path(path_type=Path),
    help="Offenders CSV/JSON (default: the register of the latest stored plan).",
)
@click.option("--officers", type=click.Path(path_type=Path), help="Officers CSV/JSON.")
@click.option("--as-of", "--date", "as_of", help="Date to assess on, YYYY-MM-DD (default: today).")
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(path_type=Path),
    help="Policy TOML (default: the policy of the latest stored plan).",
)
@click.option("--all", "list_all", is_flag=True, help="List every offender, not only actions.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.option(
    "--out", type=click.Path(path_type=Path), help="Write status.csv and status.json here."
)
@click.option("--overwrite", is_flag=True, help="Replace an existing output directory.")
@errors_to_exit
def status_cmd(
    store: Path,
    offenders: Path | None,
    officers: Path | None,
    as_of: str | None,
    policy_path: Path | None,
    list_all: bool,
    as_json: bool,
    out: Path | None,
    overwrite: bool,
) -> None:
    """Compliance of the whole register: due soon, overdue, failed attempts and
    escalations (s.96B warrant, unit manager, missing), custody/hospital/abroad with
    re-check dates. Every offender is in exactly one state; the counts are checked
    against the register size."""
    from scheduler.history.store import HistoryStore

    if (offenders is None) != (officers is None):
        raise click.UsageError("--offenders and --officers go together")
    try:
        day = date.fromisoformat(as_of) if as_of else now().date()
    except ValueError:
        raise click.BadParameter(
            f"{as_of!r} is not a date YYYY-MM-DD", param_hint="--as-of"
        ) from None
    if out is not None:
        check_output(out, overwrite)
    if not store.is_file():
        raise click.ClickException(f"{store}: no history store here (rota plan --store creates it)")
    with HistoryStore(store) as db:
        policy = load_policy(policy_path) if policy_path else db.latest_policy() or Policy()
        register: Register
        if offenders is not None and officers is not None:
            register = load_register(offenders, officers, as_of=None)
            source = f"{offenders}"
        else:
            latest = db.latest_register()
            if latest is None:
                raise click.ClickException(
                    f"{store} holds no register yet: plan with --store, or give --offenders "
                    "and --officers"
                )
            register, planned = latest
            source = f"the register of the latest stored plan (week of {planned})"
        history = db.history(policy)
        outcomes = db.counts()["outcomes"]
    report = assess(register, policy, day, history)
    summary = status_summary(report)
    header = fit(
        f"Compliance on {day}: {report.register_size} offenders from {source};",
        f"{outcomes} outcome(s) recorded",
    )
    if as_json:
        click.echo(json.dumps(summary, indent=1))
    else:
        click.echo(format_status(report, header, list_all))
    if out is not None:
        files = {
            "status.csv": csv_text((r.record() for r in report.rows), STATUS_COLUMNS),
            "status.json": json.dumps(summary, indent=1) + "\n",
        }
        write_private_tree(files, out, overwrite=overwrite)
        click.echo(
            "\n" + wrap(f"Wrote status.csv and status.json to {out}/"), err=as_json
        )  # stdout: the JSON alone
    if not report.balanced:
        raise SystemExit(1)
