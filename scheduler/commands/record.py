"""``rota record``: record what happened at visits, from a CSV/JSON file or one outcome
on the command line, into the history store.

The import is checked row by row (then against the store) and written in one
transaction: every problem is reported with the file, the row and the field, and either
all rows are recorded or none. Recording the same outcome again changes nothing; a
different outcome for a visit already recorded needs ``--amend``.
"""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from models import OffenderStatus, Policy, VisitOutcome
from scheduler.exceptions import InputFileError, InputProblem
from scheduler.loaders import FieldError, RowErrors
from scheduler.outcomes import OutcomeRow, outcome_from_record, read_outcomes
from scheduler.store import HistoryStore, ImportResult, StoreError, store_location

STORE_HELP = (
    "History store that 'rota plan --store' created: a SQLite file, or a PostgreSQL URL "
    "postgresql+psycopg://USER@HOST[:PORT]/DB."
)


class StoreOption(click.ParamType):
    """``--store``: a SQLite file's path (a :class:`Path`) or a database URL (a
    :class:`~scheduler.store.StoreURL`, printed with its password hidden); both answer
    ``is_file()`` and open with :class:`HistoryStore`."""

    name = "path|url"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return store_location(value)
        except StoreError as exc:
            self.fail(str(exc), param, ctx)


def _errors_to_exit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``scheduler.cli``'s error handling, looked up when the command runs so that
    ``scheduler.cli`` can import this module (database errors arrive as the store's
    ``StoreError``, a ``RotaError``)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from scheduler import cli

        return cli._errors_to_exit(fn)(*args, **kwargs)

    return wrapper


def now() -> datetime:
    """The clock, read only here (tests replace it)."""
    return datetime.now()


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


def escalations(store: HistoryStore, policy: Policy, offender_ids: set[str]) -> list[str]:
    """Lines naming the recorded offenders whose history now calls for action."""
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
@_errors_to_exit
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
        rows = read_outcomes(file, clock.date())
        source = str(file)
    else:
        rows = [command_line_outcome(given, clock.date())]
        source = "the command line"
    with HistoryStore(store) as db:
        policy = db.latest_policy() or Policy()
        result: ImportResult = db.import_outcomes(
            rows, policy=policy, recorded_at=clock, recorded_by=getpass.getuser(), amend=amend
        )
        click.echo(
            f"Recorded {result.rows} outcome(s) from {source} into {store}: {result.added} new, "
            f"{result.duplicates} already recorded, {result.amended} amended"
        )
        for line in escalations(db, policy, {r.offender_id for r in rows}):
            click.echo(line)
