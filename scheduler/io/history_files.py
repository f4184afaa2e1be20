"""Visit-history files for the audit: one visit attempt a row (offender, tier, date, slot,
outcome), as ``rota simulate`` writes them or a unit exports them. Every problem names
the file, the row and the field."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from models import Policy, RiskTier, VisitOutcome
from scheduler.io.fields import (
    FieldError,
    collect_fields,
    enum_parser,
    field_text,
    optional_field,
    parse_int,
    parse_iso_date,
    required_field,
)
from scheduler.io.outcomes import offender_id_field
from scheduler.io.records import parse_rows
from scheduler.timing.visits import VisitRecord

HISTORY_COLUMNS: dict[str, str] = {
    "offender_id": "pseudonymous offender id",
    "tier": "risk tier: low, medium, high or very_high",
    "date": "date of the visit attempt YYYY-MM-DD",
    "slot": "time slot of the attempt: a policy slot name, or 'other' (blank = unknown)",
    "outcome": "completed, no_answer, refused_entry, not_at_address, in_custody, "
    "in_hospital, abroad or cancelled_by_police",
    "interval_days": "optional per-person maximum interval in days (blank = tier default)",
}
HISTORY_REQUIRED = ("offender_id", "tier", "date", "slot", "outcome")
#: The slot name the store gives an attempt outside every policy slot.
OTHER_SLOT = "other"


def _interval(text: str) -> int:
    value = parse_int(text)
    if not 1 <= value <= 3650:
        raise ValueError("must be between 1 and 3650 days")
    return value


def _slot(rec: dict[str, str], slots: Sequence[str]) -> str | None:
    value = field_text(rec, "slot").lower()
    if value and value not in slots and value != OTHER_SLOT:
        raise FieldError(
            "slot", f"{value!r}: unknown slot (policy slots: {', '.join(slots)}, or other)"
        )
    return value or None


def history_record(rec: dict[str, str], slots: Sequence[str]) -> VisitRecord:
    """One visit of a history file; raises naming every field at fault."""
    values = collect_fields(
        {
            "offender_id": lambda: offender_id_field(rec),
            "tier": lambda: (
                optional_field(rec, "tier", enum_parser(RiskTier)) or required_field(rec, "tier")
            ),
            "date": lambda: (
                optional_field(rec, "date", parse_iso_date) or required_field(rec, "date")
            ),
            "slot": lambda: _slot(rec, slots),
            "outcome": lambda: (
                optional_field(rec, "outcome", enum_parser(VisitOutcome))
                or required_field(rec, "outcome")
            ),
            "interval_days": lambda: optional_field(rec, "interval_days", _interval),
        }
    )
    return VisitRecord(**values)


def read_history(path: Path, policy: Policy) -> list[VisitRecord]:
    """Every visit of a history CSV/JSON; all problems (up to a limit) in one error that
    names the file, the row and the field."""
    slots = [s.name for s in policy.slots]
    rows = parse_rows(
        path,
        lambda rec, _row: history_record(rec, slots),
        HISTORY_COLUMNS,
        HISTORY_REQUIRED,
        id_field="offender_id",
    )
    return [r for _, r in rows]
