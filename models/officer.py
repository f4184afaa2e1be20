"""Offender managers: where they start from and when they can visit."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.common import ClockWindow, Location, PseudoId, Weekday
from models.offender import Gender

DEFAULT_CASELOAD_CAP = 50
CASELOAD_ALARM = 100


class Shift(BaseModel):
    """One working day in the officer's weekly pattern."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: Weekday
    window: ClockWindow


class Officer(BaseModel):
    """An offender manager. ``visit_hours`` is the time per working day they can give to
    visits (travel included); the rest of their day goes to other duties."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: PseudoId
    team: Annotated[str, Field(min_length=1, max_length=64)] = "team"
    base: Location
    shifts: tuple[Shift, ...]
    visit_hours: Annotated[float, Field(ge=0, le=24)] = 4.0
    caseload_cap: Annotated[int, Field(ge=1, le=1000)] = DEFAULT_CASELOAD_CAP
    gender: Gender | None = None
    absent: tuple[date, ...] = ()
    #: Teams in the same cover group are planned together: cover and the second officer
    #: of a joint visit may come from a neighbouring team of the group (e.g. the
    #: boroughs of a Met basic command unit). None: the team plans on its own.
    cover_group: Annotated[str, Field(min_length=1, max_length=64)] | None = None

    @property
    def planning_unit(self) -> str:
        """The unit the weekly planner solves this officer's week in: the cover group,
        else the team."""
        return f"group:{self.cover_group}" if self.cover_group else self.team

    @model_validator(mode="after")
    def _one_shift_per_day(self) -> Officer:
        days = [s.day for s in self.shifts]
        if len(days) != len(set(days)):
            raise ValueError("more than one shift on the same weekday")
        return self

    def shift_on(self, day: date) -> Shift | None:
        """The shift worked on ``day``, or None (rest day or absence)."""
        if day in self.absent:
            return None
        wd = Weekday(day.weekday())
        return next((s for s in self.shifts if s.day == wd), None)
