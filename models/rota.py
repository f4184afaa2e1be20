"""The weekly rota: every offender of the register appears once, as a visit or with a
reason for not being visited."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.common import PseudoId
from models.offender import RiskTier


class UnscheduledReason(StrEnum):
    """Why an offender has no visit this week. Every value is a state a manager can act on."""

    NOT_DUE = "not_due"
    REACTIVE = "reactive_management"
    IN_CUSTODY = "in_custody"
    IN_HOSPITAL = "in_hospital"
    ABROAD = "abroad"
    MISSING = "missing_escalate"
    UNAVAILABLE_ALL_WEEK = "unavailable_all_week"
    NO_OFFICER = "no_officer_available"
    NEEDS_TWO_OFFICERS = "needs_two_officers"
    CAPACITY = "capacity"

    @property
    def is_shortfall(self) -> bool:
        """True when a due visit was not planned: the manager must act."""
        return self in _SHORTFALL


_SHORTFALL = {
    UnscheduledReason.UNAVAILABLE_ALL_WEEK,
    UnscheduledReason.NO_OFFICER,
    UnscheduledReason.NEEDS_TWO_OFFICERS,
    UnscheduledReason.CAPACITY,
}


class Visit(BaseModel):
    """One planned unannounced home visit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    offender_id: PseudoId
    officer_ids: tuple[PseudoId, ...] = Field(min_length=1, max_length=2)
    tier: RiskTier
    date: dt.date
    slot: str
    arrival: dt.datetime
    window_end: dt.datetime
    departure: dt.datetime
    sequence: Annotated[int, Field(ge=1)]
    travel_to_s: Annotated[int, Field(ge=0)]
    due_date: dt.date
    urgency: float
    cover: bool = False
    #: A short-notice revisit after this offender's first visit of the week: the next
    #: secret gap ended inside the week, so a visit never buys a safe rest of the week.
    short_notice: bool = False
    #: Rebooked after this offender's earlier visit this week was called off by the
    #: police (:func:`scheduler.plan.rebook.rebook`).
    rebooked: bool = False
    #: The household (offenders at one address) whose members share this stop: the
    #: same officers, arrival and departure, each with their own visit and record.
    #: Left out of dumps when unset.
    household: PseudoId | None = Field(default=None, exclude_if=lambda v: v is None)

    @property
    def follows_earlier_visit(self) -> bool:
        """A revisit or a rebooking: the offender's first visit of the week came before."""
        return self.short_notice or self.rebooked

    @model_validator(mode="after")
    def _consistent(self) -> Visit:
        if len(set(self.officer_ids)) != len(self.officer_ids):
            raise ValueError("the same officer is listed twice on a visit")
        if not self.arrival <= self.window_end:
            raise ValueError("arrival window ends before it starts")
        if self.departure <= self.arrival or self.arrival.date() != self.date:
            raise ValueError("visit times are inconsistent with its date")
        return self

    def same_stop(self, other: Visit) -> bool:
        """Both visits are one household stop (not a double booking)."""
        return (
            self.household is not None
            and self.household == other.household
            and (self.arrival, self.officer_ids) == (other.arrival, other.officer_ids)
        )

    @property
    def days_overdue(self) -> int:
        """Days past the due date on the visit day (0 when on time)."""
        return max(0, (self.date - self.due_date).days)


class Unscheduled(BaseModel):
    """An offender with no visit this week, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    offender_id: PseudoId
    tier: RiskTier
    reason: UnscheduledReason
    detail: str = ""
    due_date: dt.date | None = None


class OfficerDay(BaseModel):
    """Totals for one officer on one day, for checking the visit-hour budget."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    officer_id: PseudoId
    date: dt.date
    visits: int
    travel_s: int
    busy_s: int
    budget_s: int


class AuditRecord(BaseModel):
    """What is needed to replay and account for a plan. The seed is secret: it goes in the
    manager's audit file, never in officers' exports."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    inputs_sha256: str
    seed: int
    policy: dict[str, object]
    week_start: dt.date
    created_by: str = ""
    software_version: str = ""


class Rota(BaseModel):
    """A week's plan. ``visits`` and ``unscheduled`` together hold every offender once,
    apart from short-notice revisits and rebookings, which follow a visit to the same
    offender."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    week_start: dt.date
    visits: tuple[Visit, ...]
    unscheduled: tuple[Unscheduled, ...]
    officer_days: tuple[OfficerDay, ...] = ()
    audit: AuditRecord | None = None

    def offender_ids(self) -> list[str]:
        """Each offender's first visit or reason, once (revisits and rebookings left
        out)."""
        first = [v.offender_id for v in self.visits if not v.follows_earlier_visit]
        return first + [u.offender_id for u in self.unscheduled]

    def stray_revisits(self) -> list[Visit]:
        """Short-notice revisits and rebookings not on a later day than the offender's
        first visit of the week (an offender is never visited twice on one day)."""
        first = {v.offender_id: v.date for v in self.visits if not v.follows_earlier_visit}
        return [
            v
            for v in self.visits
            if v.follows_earlier_visit
            and not (v.offender_id in first and first[v.offender_id] < v.date)
        ]

    def is_feasible(self) -> bool:
        """No offender twice, no officer double-booked, no officer-day over budget."""
        return not self.violations()

    def violations(self) -> list[str]:
        """Human-readable list of broken hard rules (empty for a valid rota)."""
        out: list[str] = []
        ids = self.offender_ids()
        if len(ids) != len(set(ids)):
            out.append("an offender appears more than once")
        for v in self.stray_revisits():
            out.append(f"revisit of {v.offender_id} on {v.date} follows no earlier visit")
        by_officer: dict[str, list[Visit]] = {}
        for v in self.visits:
            for oid in v.officer_ids:
                by_officer.setdefault(oid, []).append(v)
        for oid, visits in by_officer.items():
            visits = sorted(visits, key=lambda v: v.arrival)
            for a, b in zip(visits, visits[1:], strict=False):
                if b.arrival < a.departure and not a.same_stop(b):
                    out.append(f"officer {oid} is double-booked at {b.arrival:%a %H:%M}")
        for day in self.officer_days:
            if day.busy_s > day.budget_s:
                out.append(f"officer {day.officer_id} over visit hours on {day.date}")
        return out
