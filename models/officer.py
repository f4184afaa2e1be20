"""Offender managers: where they start from and when they can visit."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from models.common import ClockWindow, Location, PseudoId, Weekday
from models.offender import Gender

DEFAULT_CASELOAD_CAP = 50
CASELOAD_ALARM = 100


class Shift(BaseModel):
    """One working day in the officer's weekly pattern."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: Weekday
    window: ClockWindow


class Away(BaseModel):
    """Part of a working day the officer cannot visit: court, training, an appointment,
    a half day's leave. (Whole days off are ``Officer.absent``.)"""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: date
    window: ClockWindow
    reason: Annotated[str, Field(max_length=64)] = ""

    @field_validator("reason")
    @classmethod
    def _no_separator(cls, value: str) -> str:
        """';' separates entries in the officers file: a reason keeps a ',' instead."""
        return value.replace(";", ",").strip()


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
    #: Parts of days away (court, training, appointments): the shift that day is narrowed
    #: to its longest stretch left free, and the visit hours shrink with it.
    away: tuple[Away, ...] = ()
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

    def rostered_shift(self, day: date) -> Shift | None:
        """The weekly pattern's shift on ``day`` (None on a rest day), before absences."""
        wd = Weekday(day.weekday())
        return next((s for s in self.shifts if s.day == wd), None)

    def shift_on(self, day: date) -> Shift | None:
        """The shift available for visits on ``day``: None on a rest day or a day absent;
        with time away that day, the longest stretch of the shift left free (a visit is
        never booked across court or training)."""
        if day in self.absent:
            return None
        shift = self.rostered_shift(day)
        if shift is None or not self.away:
            return shift
        free = _free_stretches(shift.window, [a.window for a in self.away if a.day == day])
        if not free:
            return None
        start, end = max(free, key=lambda w: (w[1] - w[0], -w[0]))
        return Shift(day=shift.day, window=ClockWindow(start=_clock(start), end=_clock(end)))

    def visit_seconds_on(self, day: date) -> int:
        """Seconds for visits (travel included) on ``day``: the visit hours, in proportion
        to the part of the shift left free when the officer is away for some of it."""
        full = int(round(self.visit_hours * 3600))
        shift = self.shift_on(day)
        if shift is None:
            return 0
        rostered = self.rostered_shift(day)
        if rostered is None or rostered.window == shift.window:
            return full
        left = shift.window.end_s - shift.window.start_s
        return int(round(full * left / (rostered.window.end_s - rostered.window.start_s)))


def _clock(second_of_day: int) -> time:
    return time(second_of_day // 3600, second_of_day % 3600 // 60, second_of_day % 60)


def _free_stretches(window: ClockWindow, blocked: list[ClockWindow]) -> list[tuple[int, int]]:
    """The parts of ``window`` outside every blocked window, as (start_s, end_s)."""
    free = [(window.start_s, window.end_s)]
    for b in sorted(blocked, key=lambda w: w.start_s):
        out = []
        for s, e in free:
            if b.end_s <= s or b.start_s >= e:
                out.append((s, e))
                continue
            if s < b.start_s:
                out.append((s, b.start_s))
            if b.end_s < e:
                out.append((b.end_s, e))
        free = out
    return [(s, e) for s, e in free if e > s]
