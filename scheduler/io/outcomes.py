"""Visit outcomes as users give them: a CSV/JSON file or one on the command line.

This module checks each row on its own (types, allowed values, dates that make sense);
:meth:`scheduler.history.store.HistoryStore.import_outcomes` then checks the rows against the
store (the planned visit exists, nothing recorded differently before) inside the import
transaction. Every problem names the file, the row and the field.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from models import Rota, VisitOutcome
from scheduler.history.rows import OutcomeRow
from scheduler.io.fields import (
    FieldError,
    RowErrors,
    collect_fields,
    enum_parser,
    field_text,
    optional_field,
    parse_bool,
    parse_date,
    required_field,
)
from scheduler.io.loaders import csv_text
from scheduler.io.records import parse_rows

OUTCOME_COLUMNS: dict[str, str] = {
    "offender_id": "pseudonymous offender id, as in visits.csv",
    "date": "date of the attempt YYYY-MM-DD",
    "outcome": "completed, no_answer, refused_entry, not_at_address, in_custody, "
    "in_hospital, abroad or cancelled_by_police",
    "visit_date": "planned date of the visit this records, if the attempt was on another "
    "day (blank = date)",
    "time": "time of the attempt HH:MM (blank = the planned time of day)",
    "arms_done": "true/false: ARMS assessment done (completed visits only; blank = unknown)",
    "recheck_date": "in_custody/in_hospital/abroad: date to re-check whereabouts "
    "(blank = date + policy recheck_days)",
    "unplanned": "true for a visit that was in no plan (e.g. on new information)",
    "notes": "free text, kept in the store only (never printed); no names or addresses",
}
#: Columns of the outcomes template (and of officers' visit files) that say which visit a
#: row is, for the person filling it in; read past, never recorded.
REFERENCE_COLUMNS: dict[str, str] = {
    "officer_ids": "for reference: the visit's officer(s)",
    "tier": "for reference: the offender's risk tier",
    "slot": "for reference: the planned time slot",
    "arrival": "for reference: the planned arrival",
    "window_end": "for reference: the latest planned arrival",
}
TEMPLATE_COLUMNS = (
    "offender_id",
    "date",
    "outcome",
    "time",
    "arms_done",
    "recheck_date",
    "visit_date",
    "notes",
    *REFERENCE_COLUMNS,
)
OUTCOME_REQUIRED = ("offender_id", "date", "outcome")
MAX_NOTES = 2000
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _time(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise ValueError("not a time HH:MM") from None


def offender_id_field(rec: dict[str, str]) -> str:
    value = required_field(rec, "offender_id")
    if not _ID.match(value):
        raise FieldError("offender_id", f"{value!r}: not a pseudonymous id (letters, digits, -, _)")
    return value


def outcome_from_record(
    rec: dict[str, str], today: dt.date, source: str, row: int | None
) -> OutcomeRow:
    """Build one outcome; raises :class:`RowErrors` naming every field at fault."""
    values = collect_fields(
        {
            "offender_id": lambda: offender_id_field(rec),
            "date": lambda: optional_field(rec, "date", parse_date) or required_field(rec, "date"),
            "outcome": lambda: (
                optional_field(rec, "outcome", enum_parser(VisitOutcome))
                or required_field(rec, "outcome")
            ),
            "visit_date": lambda: optional_field(rec, "visit_date", parse_date),
            "time": lambda: optional_field(rec, "time", _time),
            "arms_done": lambda: optional_field(rec, "arms_done", parse_bool),
            "recheck_date": lambda: optional_field(rec, "recheck_date", parse_date),
            "unplanned": lambda: bool(optional_field(rec, "unplanned", parse_bool)),
            "notes": lambda: field_text(rec, "notes"),
        }
    )
    errors: list[FieldError] = []
    day: dt.date = values["date"]
    outcome: VisitOutcome = values["outcome"]
    if day > today:
        errors.append(FieldError("date", f"{day} is in the future (today is {today})"))
    visit_day: dt.date | None = values["visit_date"]
    if visit_day is not None:
        if values["unplanned"]:
            errors.append(FieldError("visit_date", "an unplanned visit has no planned date"))
        elif day < visit_day:
            errors.append(
                FieldError("date", f"outcome dated {day} is before the planned visit ({visit_day})")
            )
    if values["arms_done"] and outcome is not VisitOutcome.COMPLETED:
        errors.append(
            FieldError("arms_done", f"ARMS cannot be done on a visit that was {outcome.value}")
        )
    recheck: dt.date | None = values["recheck_date"]
    if recheck is not None:
        if not outcome.is_away:
            errors.append(
                FieldError("recheck_date", "only for in_custody, in_hospital or abroad outcomes")
            )
        elif recheck <= day:
            errors.append(FieldError("recheck_date", f"{recheck} is not after the visit ({day})"))
    if len(values["notes"]) > MAX_NOTES:
        errors.append(FieldError("notes", f"longer than {MAX_NOTES} characters"))
    if errors:
        raise RowErrors(errors)
    return OutcomeRow(source=source, row=row, **values)


def read_outcomes(path: Path, today: dt.date, notes: list[str] | None = None) -> list[OutcomeRow]:
    """Every outcome in a CSV or JSON file; all problems (up to a limit) in one error.

    Columns that are not outcome columns (an officer's visits file with an outcome column
    added) are ignored and listed in ``notes``; so are rows whose outcome is still blank
    (a template filled in part-way: those visits are recorded later)."""
    blank: list[int] = []

    def build(rec: dict[str, str], row: int) -> OutcomeRow | None:
        if not field_text(rec, "outcome") and field_text(rec, "offender_id"):
            blank.append(row)
            return None
        return outcome_from_record(rec, today, str(path), row)

    rows = parse_rows(
        path,
        build,
        {**OUTCOME_COLUMNS, **REFERENCE_COLUMNS},
        OUTCOME_REQUIRED,
        id_field="offender_id",
        kind="outcomes",
        notes=notes,
    )
    if blank and notes is not None:
        notes.append(
            f"{path}: {len(blank)} row(s) without an outcome left for later "
            f"(rows {', '.join(map(str, blank[:5]))}{', ...' if len(blank) > 5 else ''})"
        )
    return [r for _, r in rows if r is not None]


def template_text(rota: Rota) -> str:
    """The outcomes template: a comment naming every outcome value, then one row per
    planned visit in date and arrival order with the outcome blank."""
    values = ", ".join(o.value for o in VisitOutcome)
    head = (
        f"# Outcomes of the week of {rota.week_start}: fill in 'outcome' ({values}) and "
        "record with: rota record --store STORE outcomes.csv\n"
        "# date = the day of the attempt (put the planned day in visit_date if it "
        "differs); rows left blank are recorded later. Columns: 'rota formats'.\n"
    )
    rows = [
        {
            "offender_id": v.offender_id,
            "date": v.date.isoformat(),
            "officer_ids": ";".join(v.officer_ids),
            "tier": v.tier.value,
            "slot": v.slot,
            "arrival": f"{v.arrival:%H:%M}",
            "window_end": f"{v.window_end:%H:%M}",
        }
        for v in sorted(rota.visits, key=lambda v: (v.date, v.arrival, v.offender_id))
    ]
    return head + csv_text(rows, TEMPLATE_COLUMNS)
