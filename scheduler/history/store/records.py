"""The store's rows as Python objects: planned visits, stored outcomes, the result of an
import, and one outcome row of an import once resolved against the store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from models import Policy, VisitOutcome
from scheduler.core.windows import slot_name
from scheduler.history.rows import OutcomeRow
from scheduler.history.state import OutcomeEvent


@dataclass(frozen=True)
class PlannedVisit:
    id: int
    plan_id: int
    offender_id: str
    date: dt.date
    slot: str
    officer_ids: tuple[str, ...]


@dataclass(frozen=True)
class StoredOutcome:
    id: int
    visit_id: int | None
    offender_id: str
    date: dt.date
    outcome: VisitOutcome
    arms_done: bool | None
    attempt_time: str | None
    slot: str | None
    recheck_date: dt.date | None
    notes: str
    recorded_at: str
    recorded_by: str

    def event(self) -> OutcomeEvent:
        return OutcomeEvent(
            self.offender_id,
            self.date,
            self.outcome,
            self.slot,
            self.recheck_date,
            self.arms_done,
            self.id,
        )


@dataclass(frozen=True)
class ImportResult:
    added: int
    duplicates: int
    amended: int

    @property
    def rows(self) -> int:
        return self.added + self.duplicates + self.amended


def _date(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


@dataclass(frozen=True)
class Step:
    row: OutcomeRow
    visit: PlannedVisit | None
    slot: str | None
    action: str  # "insert" or "duplicate"
    replaces: int | None

    def values(self) -> tuple[Any, ...]:
        """The recorded fields, in ``outcomes`` column order (date .. notes)."""
        r = self.row
        return (
            r.date.isoformat(),
            r.outcome.value,
            None if r.arms_done is None else int(r.arms_done),
            None if r.time is None else r.time.isoformat(timespec="minutes"),
            self.slot,
            None if r.recheck_date is None else r.recheck_date.isoformat(),
            r.notes,
        )


def recorded_values(o: StoredOutcome) -> tuple[Any, ...]:
    return (
        o.date.isoformat(),
        o.outcome.value,
        None if o.arms_done is None else int(o.arms_done),
        o.attempt_time,
        o.slot,
        None if o.recheck_date is None else o.recheck_date.isoformat(),
        o.notes,
    )


def attempt_slot(row: OutcomeRow, visit: PlannedVisit | None, policy: Policy) -> str | None:
    """Time of day of the attempt: from its time when given, else the planned slot."""
    if row.time is not None:
        return slot_name(policy, row.date, row.time.hour * 3600 + row.time.minute * 60)
    return visit.slot if visit is not None else None


def planned_visit(r: tuple[Any, ...]) -> PlannedVisit:
    return PlannedVisit(r[0], r[1], r[2], dt.date.fromisoformat(r[3]), r[4], tuple(r[5].split(";")))


def stored_outcome(r: tuple[Any, ...]) -> StoredOutcome:
    return StoredOutcome(
        id=r[0],
        visit_id=r[1],
        offender_id=r[2],
        date=dt.date.fromisoformat(r[3]),
        outcome=VisitOutcome(r[4]),
        arms_done=None if r[5] is None else bool(r[5]),
        attempt_time=r[6],
        slot=r[7],
        recheck_date=_date(r[8]),
        notes=r[9],
        recorded_at=r[10],
        recorded_by=r[11],
    )
