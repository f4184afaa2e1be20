"""Small shared value types: locations, weekdays, clock times."""

from __future__ import annotations

from datetime import time
from enum import IntEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

#: Generous bounding box of the United Kingdom (incl. Shetland, Scilly, NI).
UK_LAT = (49.8, 60.95)
UK_LON = (-8.7, 1.8)


class Weekday(IntEnum):
    """ISO weekday numbered from 0 (Monday), matching ``date.weekday()``."""

    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6

    @classmethod
    def parse(cls, text: str) -> Weekday:
        key = text.strip().lower()[:3]
        for day in cls:
            if day.name.lower() == key:
                return day
        raise ValueError(f"unknown weekday {text!r} (use mon, tue, ..., sun)")


def _in_uk_lat(value: float) -> float:
    if not UK_LAT[0] <= value <= UK_LAT[1]:
        raise ValueError(f"latitude {value} is outside the UK ({UK_LAT[0]}..{UK_LAT[1]})")
    return value


def _in_uk_lon(value: float) -> float:
    if not UK_LON[0] <= value <= UK_LON[1]:
        raise ValueError(f"longitude {value} is outside the UK ({UK_LON[0]}..{UK_LON[1]})")
    return value


UkLatitude = Annotated[float, AfterValidator(_in_uk_lat)]
UkLongitude = Annotated[float, AfterValidator(_in_uk_lon)]

#: Pseudonymous identifier: letters, digits, '-', '_' only, so ids never carry names.
PseudoId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class Location(BaseModel):
    """A point in the UK. Addresses are never stored, only coordinates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lat: UkLatitude
    lon: UkLongitude


class ClockWindow(BaseModel):
    """A window within one day, ``start`` inclusive, ``end`` exclusive."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> ClockWindow:
        if self.end <= self.start:
            raise ValueError(f"window end {self.end} must be after start {self.start}")
        return self

    @property
    def start_s(self) -> int:
        return seconds_of_day(self.start)

    @property
    def end_s(self) -> int:
        return seconds_of_day(self.end)


def seconds_of_day(t: time) -> int:
    """Seconds since midnight, the solver's unit for clock times."""
    return t.hour * 3600 + t.minute * 60 + t.second


def parse_clock_window(text: str) -> ClockWindow:
    """Parse ``HH:MM-HH:MM`` into a :class:`ClockWindow`."""
    try:
        start_txt, end_txt = text.strip().split("-")
        start, end = time.fromisoformat(start_txt.strip()), time.fromisoformat(end_txt.strip())
    except ValueError:
        raise ValueError(f"bad time window {text!r} (expected HH:MM-HH:MM)") from None
    if end <= start:
        raise ValueError(f"time window {text!r} ends before it starts")
    return ClockWindow(start=start, end=end)
