"""Officer availability for the planning week, from a CSV or iCalendar files.

Leave, training, court, rest days and part-time patterns are kept in calendars, not in
the register. Each entry takes an officer off for a whole day (an all-day event, or a row
without times) or for part of one (court 10:00-13:00): the planner then uses the longest
stretch of that shift left free and shrinks the visit hours with it
(:meth:`models.Officer.shift_on`). Recurring events (RRULE) are expanded with
``recurring_ical_events``; every problem names the file, the row or event, and the field.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from models import Away, ClockWindow, Officer, Register
from scheduler.core.exceptions import InputFileError, InputProblem
from scheduler.io.fields import (
    FieldError,
    collect_fields,
    field_text,
    id_field,
    optional_field,
    parse_date,
    required_field,
)
from scheduler.io.records import FileSpec, read_rows

AVAILABILITY_COLUMNS: dict[str, str] = {
    "officer_id": "the officer's id, as in the officers file",
    "date": "the first (or only) day away, YYYY-MM-DD or DD/MM/YYYY",
    "until": "the last day away, for a run of days (blank = date)",
    "start": "HH:MM the time away starts (blank with end blank = the whole day)",
    "end": "HH:MM the time away ends",
    "reason": "leave, training, court, sick, rest day, ... (for the summary; optional)",
}
SPEC = FileSpec("availability", AVAILABILITY_COLUMNS, ("officer_id", "date"), id_field="officer_id")
#: How far ahead recurring events are expanded from the planning date.
HORIZON_DAYS = 56
#: The event properties that place it in time: one the parser could not read would make
#: the expansion fail as a whole, so each is reported under its own name first.
TIME_FIELDS = ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE")


@dataclasses.dataclass(frozen=True)
class TimeOff:
    """One officer's time away: whole days, or a window on each of those days."""

    officer_id: str
    first: date
    last: date
    window: ClockWindow | None = None
    reason: str = ""

    def days(self) -> list[date]:
        return [self.first + timedelta(d) for d in range((self.last - self.first).days + 1)]


def _clock(text: str) -> time:
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("not a time HH:MM") from None


def _row(rec: dict[str, str]) -> TimeOff:
    values = collect_fields(
        {
            "officer_id": lambda: id_field(rec, "officer_id"),
            "date": lambda: optional_field(rec, "date", parse_date) or required_field(rec, "date"),
            "until": lambda: optional_field(rec, "until", parse_date),
            "start": lambda: optional_field(rec, "start", _clock),
            "end": lambda: optional_field(rec, "end", _clock),
        }
    )
    first, last = values["date"], values["until"] or values["date"]
    if last < first:
        raise FieldError("until", f"{last} is before the first day ({first})")
    start, end = values["start"], values["end"]
    if (start is None) != (end is None):
        raise FieldError("end" if end is None else "start", "give both start and end, or neither")
    window = None
    if start is not None and end is not None:
        if end <= start:
            raise FieldError("end", f"{end:%H:%M} is not after the start ({start:%H:%M})")
        window = ClockWindow(start=start, end=end)
    return TimeOff(values["officer_id"], first, last, window, field_text(rec, "reason")[:64])


def read_availability_csv(
    path: Path, officer_ids: Iterable[str] | None = None
) -> tuple[list[TimeOff], list[InputProblem]]:
    """Every row of an availability CSV/JSON, with every problem found; with
    ``officer_ids``, a row naming another officer is one of them."""
    known = None if officer_ids is None else set(officer_ids)

    def build(rec: dict[str, str], _line: int) -> TimeOff:
        entry = _row(rec)
        if known is not None and entry.officer_id not in known:
            raise FieldError("officer_id", f"{entry.officer_id!r} is not in the officers file")
        return entry

    result = read_rows(path, SPEC, build)
    return [t for _, t in result.rows], result.problems


def _uk_wall_clock(moment: datetime) -> datetime:
    """An event time as a UK wall-clock time (the planner's clock): a UTC or other zone's
    time is converted; a floating time is taken as it is."""
    if moment.tzinfo is None:
        return moment
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/London")).replace(tzinfo=None)


def _reason(event: Any) -> str:
    """The event's categories (one or several CATEGORIES lines), else its summary."""
    get = event.get
    cats = get("CATEGORIES")
    items = cats if isinstance(cats, list) else [cats] if cats is not None else []
    names = [c.to_ical().decode() for c in items]
    return (", ".join(names) or str(get("SUMMARY", ""))).replace(";", ",")[:64]


def _event_time_off(
    officer_id: str, start: date | datetime, end: date | datetime | None, reason: str
) -> list[TimeOff]:
    """An event as whole days (DATE values, end exclusive) or per-day windows."""
    if not isinstance(start, datetime):
        last = (end - timedelta(days=1)) if isinstance(end, date) and end > start else start
        return [TimeOff(officer_id, start, last, None, reason)]
    end_dt = end if isinstance(end, datetime) else start + timedelta(hours=1)
    start_dt, end_dt = _uk_wall_clock(start), _uk_wall_clock(end_dt)
    out = []
    day = start_dt.date()
    while datetime.combine(day, time()) < end_dt:
        s = max(start_dt, datetime.combine(day, time()))
        e = min(end_dt, datetime.combine(day + timedelta(days=1), time()))
        if e - s >= timedelta(days=1):
            out.append(TimeOff(officer_id, day, day, None, reason))
        elif e > s:
            last_second = time(23, 59, 59) if e.date() > day else e.time()
            out.append(
                TimeOff(officer_id, day, day, ClockWindow(start=s.time(), end=last_second), reason)
            )
        day += timedelta(days=1)
    return out


def _broken_times(file: str, calendar: Any) -> list[InputProblem]:
    """Each event's time property the parser kept as broken, named with the event's place
    in the file (1 = the first VEVENT), so a bad DTSTART is not reported as a recurrence."""
    return [
        InputProblem(file, n, name, f"cannot read {name}: {why}")
        for n, event in enumerate(calendar.walk("VEVENT"), start=1)
        for name, why in getattr(event, "errors", ())
        if name in TIME_FIELDS
    ]


def read_availability_ics(
    path: Path, officer_ids: Iterable[str], from_day: date
) -> tuple[list[TimeOff], list[InputProblem]]:
    """Busy events of an iCalendar file, each an officer's time away. The officer is the
    event's ``X-ROTA-OFFICER``, else the calendar's ``X-WR-CALNAME``, else the file name
    (``OFF-0001.ics``); free (TRANSPARENT) and cancelled events are not time away."""
    import icalendar
    import recurring_ical_events

    known = set(officer_ids)
    file = str(path)
    try:
        calendar = icalendar.Calendar.from_ical(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        return [], [InputProblem(file, None, None, f"not an iCalendar file: {exc}")]
    default = str(calendar.get("X-WR-CALNAME") or Path(path).stem).strip()
    until = from_day + timedelta(days=HORIZON_DAYS)
    broken = _broken_times(file, calendar)
    if broken:
        return [], broken
    try:
        events = recurring_ical_events.of(calendar).between(from_day, until)
    except Exception as exc:  # the library raises its own types for bad recurrences
        return [], [InputProblem(file, None, "RRULE", f"cannot expand recurrence: {exc}")]
    out: list[TimeOff] = []
    problems: list[InputProblem] = []
    for n, ev in enumerate(events, start=1):
        if str(ev.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        if str(ev.get("STATUS", "")).upper() == "CANCELLED":
            continue
        officer = str(ev.get("X-ROTA-OFFICER") or default).strip()
        if officer not in known:
            problems.append(
                InputProblem(
                    file,
                    n,
                    "X-ROTA-OFFICER",
                    f"event for {officer!r}, who is not in the officers file (name the "
                    "officer in X-ROTA-OFFICER, X-WR-CALNAME or the file name)",
                )
            )
            continue
        start = ev.decoded("DTSTART")
        end = ev.decoded("DTEND") if "DTEND" in ev else None
        out += _event_time_off(officer, start, end, _reason(ev))
    return out, problems


def read_availability(
    paths: Sequence[Path], officer_ids: Iterable[str], from_day: date
) -> list[TimeOff]:
    """Time away from every file given (CSV/JSON or .ics); every problem of every file in
    one :class:`InputFileError`."""
    ids = list(officer_ids)
    entries: list[TimeOff] = []
    problems: list[InputProblem] = []
    for path in paths:
        if Path(path).suffix.lower() in {".ics", ".ical", ".ifb"}:
            found, bad = read_availability_ics(Path(path), ids, from_day)
        else:
            found, bad = read_availability_csv(Path(path), ids)
        entries += found
        problems += bad
    if problems:
        raise InputFileError(problems)
    return entries


def with_availability(register: Register, entries: Iterable[TimeOff]) -> Register:
    """The register with each officer's time away added: whole days to ``absent``, parts
    of days to ``away``."""
    days: dict[str, set[date]] = defaultdict(set)
    away: dict[str, list[Away]] = defaultdict(list)
    for t in entries:
        for day in t.days():
            if t.window is None:
                days[t.officer_id].add(day)
            else:
                away[t.officer_id].append(Away(day=day, window=t.window, reason=t.reason))
    officers = []
    for o in register.officers:
        if o.id not in days and o.id not in away:
            officers.append(o)
            continue
        officers.append(
            o.model_copy(
                update={
                    "absent": tuple(sorted(set(o.absent) | days[o.id])),
                    "away": tuple(o.away) + tuple(away[o.id]),
                }
            )
        )
    return register.model_copy(update={"officers": tuple(officers)})


def capacity_lost_s(officers: Iterable[Officer], week: Sequence[date]) -> tuple[int, int]:
    """Visit seconds the week's rostered shifts would give, and those lost to absences and
    time away."""
    rostered = lost = 0
    for o in officers:
        for day in week:
            if o.rostered_shift(day) is None:
                continue
            full = int(round(o.visit_hours * 3600))
            rostered += full
            lost += full - o.visit_seconds_on(day)
    return rostered, lost
