"""``rota record``: record what happened at visits, from a CSV/JSON file or one outcome
on the command line, into the history store.

The import is checked row by row (then against the store) and written in one
transaction: every problem is reported with the file, the row and the field, and either
all rows are recorded or none. Recording the same outcome again changes nothing; a
different outcome for a visit already recorded needs ``--amend``.
"""

from __future__ import annotations

import getpass
import json
from datetime import date
from pathlib import Path

import click

from models import OffenderStatus, Policy, VisitOutcome
from scheduler.cli.common import STORE_HELP, StoreOption, errors_to_exit, now
from scheduler.core.exceptions import InputFileError, InputProblem
from scheduler.history.store import HistoryStore, ImportResult
from scheduler.io.fields import FieldError, RowErrors
from scheduler.io.outcomes import OutcomeRow, outcome_from_record, read_outcomes
from scheduler.io.report import wrap


def command_line_outcome(values: dict[str, str], today: date) -> OutcomeRow:
    """One outcome from command-line options (as the strings a CSV row would hold)."""
    source = "command line"
    try:
        return outcome_from_record(values, today, source, None)
    except RowErrors as exc:
        problems = [
            InputProblem(source, None, e.field, str(e), values.get("offender_id"))
            for e in exc.errors
        ]
    except FieldError as exc:
        problems = [InputProblem(source, None, exc.field, str(exc), values.get("offender_id"))]
    raise InputFileError(problems)


def escalation_ids(
    store: HistoryStore, policy: Policy, offender_ids: set[str]
) -> dict[str, list[str]]:
    """The recorded offenders whose history now calls for action, by action: a
    re-attempt, a section 96B warrant application, or a missing-person circulation."""
    history = store.history(policy)
    warrant, missing, reattempt = [], [], []
    for oid in sorted(offender_ids):
        h = history.of(oid)
        if len(h.failed_entries) >= policy.warrant_after_failed_entries:
            warrant.append(oid)
        elif h.failed_entries:
            reattempt.append(oid)
        if h.condition is not None and h.condition.status is OffenderStatus.MISSING:
            missing.append(oid)
    return {"reattempt": reattempt, "warrant_s96b": warrant, "missing": missing}


def escalations(store: HistoryStore, policy: Policy, offender_ids: set[str]) -> list[str]:
    """Lines naming the recorded offenders whose history now calls for action."""
    due = escalation_ids(store, policy, offender_ids)
    reattempt, warrant, missing = due["reattempt"], due["warrant_s96b"], due["missing"]
    lines = []
    if reattempt:
        lines.append(
            f"Re-attempt in the next plan (another weekday and time of day, within "
            f"{policy.reattempt_within_days} days): {', '.join(reattempt)}"
        )
    if warrant:
        lines.append(
            f"Eligible for a section 96B warrant application ({policy.warrant_after_failed_entries}"
            f"+ failed attempts to gain entry in a row): {', '.join(warrant)}"
        )
    if missing:
        lines.append(
            "Not at address: possible breach of notification requirements, consider "
            f"circulating as wanted/missing: {', '.join(missing)}"
        )
    return lines


@click.command("record")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--store", type=StoreOption(), required=True, help=STORE_HELP)
@click.option("--offender", help="Record one outcome instead of a file: the offender id.")
@click.option("--date", "day", help="Date of the attempt YYYY-MM-DD (with --offender).")
@click.option(
    "--outcome",
    type=click.Choice([o.value for o in VisitOutcome]),
    help="What happened (with --offender).",
)
@click.option("--visit-date", help="Planned date of the visit, if the attempt was on another day.")
@click.option("--time", "at", help="Time of the attempt HH:MM (default: the planned time).")
@click.option("--arms-done/--no-arms-done", default=None, help="ARMS assessment done or not.")
@click.option("--recheck-date", help="Custody/hospital/abroad: date to re-check whereabouts.")
@click.option("--unplanned", is_flag=True, help="The visit was in no plan.")
@click.option("--notes", default="", help="Free text kept in the store only (no names/addresses).")
@click.option("--amend", is_flag=True, help="Replace outcomes already recorded differently.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts and actions as JSON.")
@errors_to_exit
def record_cmd(
    file: Path | None,
    store: Path,
    offender: str | None,
    day: str | None,
    outcome: str | None,
    visit_date: str | None,
    at: str | None,
    arms_done: bool | None,
    recheck_date: str | None,
    unplanned: bool,
    notes: str,
    amend: bool,
    as_json: bool,
) -> None:
    """Record visit outcomes from FILE (CSV or JSON) or one given with --offender.

    Columns: offender_id, date, outcome (completed, no_answer, refused_entry,
    not_at_address, in_custody, in_hospital, abroad, cancelled_by_police); optional
    visit_date, time, arms_done, recheck_date, unplanned, notes ('rota formats').
    All rows are recorded or none.
    """
    single = {
        "offender_id": offender,
        "date": day,
        "outcome": outcome,
        "visit_date": visit_date,
        "time": at,
        "arms_done": None if arms_done is None else str(arms_done).lower(),
        "recheck_date": recheck_date,
        "unplanned": "true" if unplanned else None,
        "notes": notes or None,
    }
    given = {k: v for k, v in single.items() if v is not None}
    if (file is None) == (offender is None):
        raise click.UsageError(
            "give either an outcomes FILE or --offender (with --date, --outcome)"
        )
    if file is not None and given:
        raise click.UsageError("outcome options go with --offender, not with a FILE")
    if not store.is_file():
        raise click.ClickException(f"{store}: no history store here (rota plan --store creates it)")
    clock = now()
    if file is not None:
        ignored: list[str] = []
        try:
            rows = read_outcomes(file, clock.date(), ignored)
        finally:
            for note in ignored:
                click.echo(f"Note: {note}", err=True)
        source = str(file)
    else:
        rows = [command_line_outcome(given, clock.date())]
        source = "the command line"
    with HistoryStore(store) as db:
        policy = db.latest_policy() or Policy()
        result: ImportResult = db.import_outcomes(
            rows, policy=policy, recorded_at=clock, recorded_by=getpass.getuser(), amend=amend
        )
        if as_json:
            actions = escalation_ids(db, policy, {r.offender_id for r in rows})
            counts = {
                "rows": result.rows,
                "added": result.added,
                "duplicates": result.duplicates,
                "amended": result.amended,
                "source": source,
                "store": str(store),
                "actions": actions,
            }
            click.echo(json.dumps(counts, indent=1))
            return
        click.echo(
            f"Recorded {result.rows} outcome(s): {result.added} new, "
            f"{result.duplicates} already recorded, {result.amended} amended"
        )
        click.echo(wrap(f"from {source} into {store}"))
        for line in escalations(db, policy, {r.offender_id for r in rows}):
            click.echo(line)
