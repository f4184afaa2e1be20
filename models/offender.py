"""The registered offender as the planner sees them: pseudonymous, no address text."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.common import ClockWindow, Location, PseudoId, Weekday


class RiskTier(StrEnum):
    """RM2000-style static risk tier; drives the default visit interval."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"

    @property
    def rank(self) -> int:
        """0 for low .. 3 for very high: higher is more urgent."""
        return list(RiskTier).index(self)

    @property
    def is_high(self) -> bool:
        """High or very high: the tiers a 100% compliance target and the high-risk
        flags cover."""
        return self in (RiskTier.HIGH, RiskTier.VERY_HIGH)


class OffenderStatus(StrEnum):
    """Where the offender is in the management process."""

    ACTIVE = "active"
    IN_CUSTODY = "in_custody"
    IN_HOSPITAL = "in_hospital"
    ABROAD = "abroad"
    MISSING = "missing"
    REACTIVE = "reactive"  # reactive management: no scheduled visits


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"


class DateRange(BaseModel):
    """Whole days (inclusive) on which the offender cannot be visited: custody, hospital."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first: date
    last: date

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.last < self.first:
            raise ValueError(f"date range ends ({self.last}) before it starts ({self.first})")
        return self

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


class WeeklyWindow(BaseModel):
    """A recurring window on some weekdays, e.g. known work hours ``mon-fri 09:00-17:00``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: frozenset[Weekday]
    window: ClockWindow


class DatedWindow(BaseModel):
    """Hours on one date the offender is known to be out: an appointment, a shift."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: date
    window: ClockWindow


class Unavailability(BaseModel):
    """When a visit would be futile. Dates block whole days; weekly windows block hours
    every week (work); dated windows block hours on one day (an appointment)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dates: tuple[DateRange, ...] = ()
    weekly: tuple[WeeklyWindow, ...] = ()
    timed: tuple[DatedWindow, ...] = ()

    def blocked_windows(self, day: date) -> list[tuple[int, int]]:
        """Blocked ``(start_s, end_s)`` intervals on ``day`` (seconds of day)."""
        if any(r.covers(day) for r in self.dates):
            return [(0, 86400)]
        wd = Weekday(day.weekday())
        return [(w.window.start_s, w.window.end_s) for w in self.weekly if wd in w.days] + [
            (t.window.start_s, t.window.end_s) for t in self.timed if t.day == day
        ]


class Offender(BaseModel):
    """One registered offender. ``id`` is a pseudonym; nothing here identifies a person."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: PseudoId
    home: Location
    tier: RiskTier
    interval_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    mappa_level: Annotated[int, Field(ge=1, le=3)] = 1
    manager_id: PseudoId
    last_visit: date | None = None
    two_officers: bool = False
    officer_gender: Gender | None = None
    unavailable: Unavailability = Unavailability()
    status: OffenderStatus = OffenderStatus.ACTIVE
    #: Pseudonymous id shared by offenders living at one address, flagged in the input:
    #: visited together where the policy allows (``[households]``), each keeping their
    #: own visit and record. Left out of dumps when unset, so an unflagged register's
    #: fingerprint is as it was.
    household: PseudoId | None = Field(default=None, exclude_if=lambda v: v is None)


def at(day: date, clock: time) -> datetime:
    """Combine a date and a clock time (naive local time, as rotas are read)."""
    return datetime.combine(day, clock)
