"""Read and write the register as CSV or JSON, turning every defect into a message that
names the file, the row and the field.

The loaders are the only place that knows the file formats; everything downstream gets
validated :mod:`models` objects.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from models import (
    Away,
    ClockWindow,
    DatedWindow,
    DateRange,
    Location,
    Offender,
    Officer,
    Register,
    Shift,
    Unavailability,
    Weekday,
    WeeklyWindow,
    parse_clock_window,
)
from models.offender import Gender, OffenderStatus, RiskTier
from scheduler.core.exceptions import InputFileError, InputProblem
from scheduler.io.columns import ColumnAliases, suggestion
from scheduler.io.fields import (
    FieldError,
    RowErrors,
    collect_fields,
    enum_parser,
    field_text,
    float_field,
    id_field,
    optional_field,
    parse_bool,
    parse_date,
    parse_hours,
    parse_int,
    required_field,
    short_message,
)
from scheduler.io.locate import Locator
from scheduler.io.records import (
    FileRead,
    FileSpec,
    read_rows,
    record_ids,
    unique_ids,
)

OFFENDER_COLUMNS: dict[str, str] = {
    "id": "pseudonymous id (letters, digits, - and _)",
    "lat": "home latitude, decimal degrees (inside the UK); or give postcode",
    "lon": "home longitude, decimal degrees (inside the UK)",
    "postcode": "home postcode instead of lat/lon, located offline from the index that "
    "'rota postcodes import' builds",
    "address": "free-text address instead of lat/lon or postcode: geocoded ONLY when a "
    "geocoder is configured (--geocoder), else refused; never stored or printed",
    "tier": "risk tier: low, medium, high or very_high",
    "manager_id": "id of the offender manager (must be in the officers file)",
    "interval_days": "optional per-person maximum visit interval in days (blank = tier default)",
    "mappa_level": "MAPPA management level 1, 2 or 3 (blank = 1)",
    "last_visit": "date of last successful visit, YYYY-MM-DD or DD/MM/YYYY (blank = never visited)",
    "two_officers": "true if the visit needs two officers (blank = false)",
    "officer_gender": "female or male if the lead officer must be of that gender (blank = any)",
    "status": "active, in_custody, in_hospital, abroad, missing or reactive (blank = active)",
    "unavailable": "known times out, ';'-separated: days YYYY-MM-DD or ranges "
    "YYYY-MM-DD/YYYY-MM-DD, weekly hours 'mon-fri 09:00-17:00' (work), or hours on a date "
    "'2026-12-03 10:00-12:00' (an appointment)",
    "household": "pseudonymous id shared by offenders at one address (blank = none): "
    "visited together where the policy's [households] allows, each keeping their own record",
}
OFFENDER_REQUIRED = ("id", "tier", "manager_id")
#: Where a home is: any one of these column sets.
OFFENDER_LOCATION = (("lat", "lon"), ("postcode",), ("address",))

OFFICER_COLUMNS: dict[str, str] = {
    "id": "pseudonymous officer id",
    "team": "team or unit (visits are only covered within a team or its cover group; "
    "blank = 'team')",
    "cover_group": "teams planned together: cover and joint-visit partners may come from "
    "any team of the group (blank = the team alone)",
    "base_lat": "latitude of the base (station) each day starts and ends at",
    "base_lon": "longitude of the base",
    "base_postcode": "postcode of the base instead of base_lat/base_lon",
    "shifts": "working pattern, ';'-separated, e.g. 'mon-fri 08:00-16:00; sat 10:00-18:00'",
    "visit_hours": "hours per working day available for visits incl. travel, e.g. 4, 4.5, 4h "
    "or 4:30 (blank = 4)",
    "caseload_cap": "maximum offenders managed (blank = 50)",
    "gender": "female or male (blank = not recorded)",
    "absent": "';'-separated days or ranges away (leave, sickness), e.g. '2026-12-02; "
    "07/12/2026 to 11/12/2026', and parts of days: '2026-12-03 10:00-13:00 court'",
}
OFFICER_REQUIRED = ("id", "shifts")
OFFICER_LOCATION = (("base_lat", "base_lon"), ("base_postcode",))


def _weekdays(text: str) -> frozenset[Weekday]:
    days: set[Weekday] = set()
    for part in text.split(","):
        if "-" in part:
            first, last = (Weekday.parse(p) for p in part.split("-"))
            if last < first:
                raise ValueError(f"weekday range {part!r} runs backwards")
            days.update(Weekday(d) for d in range(first, last + 1))
        else:
            days.add(Weekday.parse(part))
    return frozenset(days)


def _weekly(text: str) -> tuple[frozenset[Weekday], ClockWindow]:
    try:
        day_txt, window_txt = text.split()
    except ValueError:
        raise ValueError(f"expected 'DAYS HH:MM-HH:MM', got {text!r}") from None
    return _weekdays(day_txt), parse_clock_window(window_txt)


def _date_range(text: str) -> DateRange:
    """``2026-12-01/2026-12-05`` (ISO), ``01/12/2026 to 05/12/2026`` or
    ``01/12/2026 - 05/12/2026`` (day first), or one date."""
    parts = re.split(r"\s+(?:to|-|\u2013)\s+", text.strip())
    if len(parts) == 1 and text.count("/") == 1:
        parts = text.split("/")
    if len(parts) > 2:
        raise ValueError(f"expected one date or a range FIRST to LAST, got {text!r}")
    first, last = parts[0], parts[-1]
    return DateRange(first=parse_date(first), last=parse_date(last))


_PART_DAY = re.compile(r"^(\S+)\s+(\d{1,2}:\d\d\s*-\s*\d{1,2}:\d\d)(?:\s+(.+))?$")


def parse_unavailability(text: str) -> Unavailability:
    """``'2026-12-01; 2026-12-05/2026-12-09; mon-fri 09:00-17:00; 2026-12-03 10:00-12:00'``:
    whole days, recurring weekly hours (work) and hours on one date (an appointment)."""
    dates: list[DateRange] = []
    weekly: list[WeeklyWindow] = []
    timed: list[DatedWindow] = []
    for item in filter(None, (p.strip() for p in text.split(";"))):
        part = _PART_DAY.match(item)
        if part is not None and item[:1].isdigit():
            window = parse_clock_window(part.group(2).replace(" ", ""))
            timed.append(DatedWindow(day=parse_date(part.group(1)), window=window))
        elif item[:1].isdigit():
            dates.append(_date_range(item))
        else:
            days, window = _weekly(item)
            weekly.append(WeeklyWindow(days=days, window=window))
    return Unavailability(dates=tuple(dates), weekly=tuple(weekly), timed=tuple(timed))


def parse_shifts(text: str) -> tuple[Shift, ...]:
    """``'mon-fri 08:00-16:00; sat 10:00-18:00'``; a later item for a day replaces an earlier."""
    by_day: dict[Weekday, Shift] = {}
    for item in filter(None, (p.strip() for p in text.split(";"))):
        days, window = _weekly(item)
        for d in days:
            by_day[d] = Shift(day=d, window=window)
    if not by_day:
        raise ValueError("no shifts given")
    return tuple(by_day[d] for d in sorted(by_day))


def parse_absences(text: str) -> tuple[date, ...]:
    """Whole days absent: ``'2026-12-02; 2026-12-07/2026-12-11'`` (part days ignored)."""
    return parse_time_off(text)[0]


def parse_time_off(text: str) -> tuple[tuple[date, ...], tuple[Away, ...]]:
    """``'2026-12-02; 07/12/2026 to 11/12/2026; 2026-12-03 10:00-13:00 court'``: whole
    days (dates or ranges) and parts of days (a date, a window and an optional reason)."""
    days: list[date] = []
    away: list[Away] = []
    for item in filter(None, (p.strip() for p in text.split(";"))):
        part = _PART_DAY.match(item)
        if part is not None:
            window = parse_clock_window(part.group(2).replace(" ", ""))
            away.append(
                Away(day=parse_date(part.group(1)), window=window, reason=part.group(3) or "")
            )
            continue
        r = _date_range(item)
        days.extend(date.fromordinal(o) for o in range(r.first.toordinal(), r.last.toordinal() + 1))
    return tuple(sorted(set(days))), tuple(away)


# ---------------------------------------------------------------- record -> model


def offender_from_record(
    rec: dict[str, str],
    as_of: date | None,
    locator: Locator | None = None,
    managers: frozenset[str] | None = None,
) -> Offender:
    """Build one offender; raises FieldErrors naming every field at fault. ``managers``:
    the officer ids ``manager_id`` must name (unchecked when None or empty)."""

    def manager_id() -> str:
        value = id_field(rec, "manager_id")
        if managers and value not in managers:
            msg = f"officer {value!r} is not in the officers file"
            near = suggestion(value, sorted(managers))
            raise FieldError("manager_id", msg + (f"; did you mean {near!r}?" if near else ""))
        return value

    def last_visit() -> date | None:
        value = optional_field(rec, "last_visit", parse_date)
        if value is not None and as_of is not None and value > as_of:
            raise FieldError("last_visit", f"{value} is in the future (planning from {as_of})")
        return value

    values = collect_fields(
        {
            "id": lambda: id_field(rec, "id"),
            "home": lambda: _location(rec, "lat", "lon", locator, "postcode", "address"),
            "tier": lambda: (
                optional_field(rec, "tier", enum_parser(RiskTier)) or required_field(rec, "tier")
            ),
            "manager_id": manager_id,
            "interval_days": lambda: optional_field(rec, "interval_days", parse_int),
            "mappa_level": lambda: optional_field(rec, "mappa_level", parse_int),
            "last_visit": last_visit,
            "two_officers": lambda: bool(optional_field(rec, "two_officers", parse_bool)),
            "officer_gender": lambda: optional_field(rec, "officer_gender", enum_parser(Gender)),
            "status": lambda: (
                optional_field(rec, "status", enum_parser(OffenderStatus)) or OffenderStatus.ACTIVE
            ),
            "unavailable": lambda: (
                optional_field(rec, "unavailable", parse_unavailability) or Unavailability()
            ),
            "household": lambda: (
                id_field(rec, "household") if field_text(rec, "household") else None
            ),
        }
    )
    # a blank optional field takes the model's default (None, or 1 for mappa_level)
    return _validated(Offender, {k: v for k, v in values.items() if v is not None})


def officer_from_record(rec: dict[str, str], locator: Locator | None = None) -> Officer:
    values = collect_fields(
        {
            "id": lambda: id_field(rec, "id"),
            "team": lambda: field_text(rec, "team") or "team",
            "cover_group": lambda: field_text(rec, "cover_group") or None,
            "base": lambda: _location(rec, "base_lat", "base_lon", locator, "base_postcode"),
            "shifts": lambda: (
                optional_field(rec, "shifts", parse_shifts) or required_field(rec, "shifts")
            ),
            "visit_hours": lambda: optional_field(rec, "visit_hours", parse_hours),
            "caseload_cap": lambda: optional_field(rec, "caseload_cap", parse_int),
            "gender": lambda: optional_field(rec, "gender", enum_parser(Gender)),
            "absent": lambda: optional_field(rec, "absent", parse_time_off) or ((), ()),
        }
    )
    values["absent"], values["away"] = values["absent"]
    return _validated(Officer, {k: v for k, v in values.items() if v is not None})


def _location(
    rec: dict[str, str],
    lat_field: str,
    lon_field: str,
    locator: Locator | None = None,
    postcode_field: str | None = None,
    address_field: str | None = None,
) -> Location:
    """The row's coordinates if given, else its postcode located offline, else its address
    geocoded (only with a configured geocoder)."""
    given = field_text(rec, lat_field) or field_text(rec, lon_field)
    postcode = field_text(rec, postcode_field) if postcode_field else ""
    address = field_text(rec, address_field) if address_field else ""
    if not given and postcode:
        return (locator or Locator()).postcode(postcode_field or "postcode", postcode)
    if not given and address:
        return (locator or Locator()).address(address_field or "address", address)
    if not given and (postcode_field or address_field):
        where = " or ".join(f for f in (postcode_field, address_field) if f)
        raise FieldError(lat_field, f"is empty: give {lat_field} and {lon_field}, or {where}")
    lat, lon = float_field(rec, lat_field), float_field(rec, lon_field)
    try:
        return Location(lat=lat, lon=lon)
    except ValidationError as exc:
        field = lat_field if exc.errors()[0]["loc"][0] == "lat" else lon_field
        raise FieldError(field, short_message(exc)) from None


def _validated(model: type[Any], values: dict[str, Any]) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        fields = {"home": "lat", "base": "base_lat"}
        errors = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "?"
            errors.append(FieldError(fields.get(name, name), err["msg"]))
        raise RowErrors(errors) from None


#: Columns read but never written back: where a home is, when coordinates are not given.
INPUT_ONLY = frozenset({"postcode", "address", "base_postcode"})

OFFENDERS = FileSpec("offenders", OFFENDER_COLUMNS, OFFENDER_REQUIRED, OFFENDER_LOCATION)
OFFICERS = FileSpec("officers", OFFICER_COLUMNS, OFFICER_REQUIRED, OFFICER_LOCATION)


def _prepare_postcodes(
    locator: Locator, field_name: str
) -> Callable[[Sequence[dict[str, str]]], list[tuple[str, str]]]:
    """Look up all of a file's postcodes at once; no index is one problem for the file."""

    def prepare(records: Sequence[dict[str, str]]) -> list[tuple[str, str]]:
        error = locator.prepare(p for r in records if (p := field_text(r, field_name)))
        return [(field_name, error)] if error else []

    return prepare


def read_officers(
    path: Path, locator: Locator | None = None, aliases: ColumnAliases | None = None
) -> FileRead:
    """Officers of a CSV/JSON file, with every problem found."""
    locator = locator or Locator()
    return read_rows(
        path,
        OFFICERS,
        lambda rec, _row: officer_from_record(rec, locator),
        unique_ids(),
        aliases,
        _prepare_postcodes(locator, "base_postcode"),
    )


def read_offenders(
    path: Path,
    officer_ids: Iterable[str],
    as_of: date | None,
    locator: Locator | None = None,
    aliases: ColumnAliases | None = None,
) -> FileRead:
    """Offenders of a CSV/JSON file, with every problem found; ``manager_id`` must name one
    of ``officer_ids`` (unchecked when there are none: the officers file could not be
    read, and that is the problem to report); last visits after ``as_of`` (the planning
    date) are refused."""
    known = frozenset(officer_ids)
    locator = locator or Locator()

    def build(rec: dict[str, str], _row: int) -> Offender:
        return offender_from_record(rec, as_of, locator, known)

    return read_rows(
        path, OFFENDERS, build, unique_ids(), aliases, _prepare_postcodes(locator, "postcode")
    )


def load_officers(path: Path, locator: Locator | None = None) -> list[Officer]:
    """Read officers from CSV or JSON; every problem in one :class:`InputFileError`."""
    result = read_officers(path, locator)
    if result.problems:
        raise InputFileError(result.problems)
    return [o for _, o in result.rows]


def load_offenders(
    path: Path, officer_ids: Iterable[str], as_of: date | None, locator: Locator | None = None
) -> list[Offender]:
    """Read offenders; every problem in one :class:`InputFileError`."""
    result = read_offenders(path, officer_ids, as_of, locator)
    if result.problems:
        raise InputFileError(result.problems)
    return [o for _, o in result.rows]


@dataclass(frozen=True)
class RegisterRead:
    """Both register files read together: the register when nothing is wrong, every
    problem of both files, and notes (columns ignored)."""

    register: Register | None
    problems: tuple[InputProblem, ...]
    notes: tuple[str, ...]


def read_register(
    offenders_path: Path,
    officers_path: Path,
    as_of: date | None,
    locator: Locator | None = None,
    aliases: ColumnAliases | None = None,
) -> RegisterRead:
    """Check both files together in one pass (what ``rota check`` reports)."""
    locator = locator or Locator()
    officers = read_officers(officers_path, locator, aliases)
    ids = record_ids(officers.records)
    offenders = read_offenders(offenders_path, ids, as_of, locator, aliases)
    problems = tuple(officers.problems + offenders.problems)
    register = None
    if not problems:
        register = Register(
            offenders=tuple(o for _, o in offenders.rows),
            officers=tuple(o for _, o in officers.rows),
        )
    return RegisterRead(register, problems, tuple(officers.notes + offenders.notes))


def load_register(
    offenders_path: Path,
    officers_path: Path,
    as_of: date | None,
    locator: Locator | None = None,
    aliases: ColumnAliases | None = None,
    notes: list[str] | None = None,
) -> Register:
    """Read both files and check them together; every problem of both in one
    :class:`InputFileError`. Ignored columns are appended to ``notes`` when given."""
    result = read_register(offenders_path, officers_path, as_of, locator, aliases)
    if notes is not None:
        notes += result.notes
    if result.register is None:
        raise InputFileError(list(result.problems))
    return result.register


# ---------------------------------------------------------------- writing


def offender_record(o: Offender) -> dict[str, str]:
    """The CSV row for an offender; inverse of :func:`offender_from_record`."""
    return {
        "id": o.id,
        "lat": f"{o.home.lat:.6f}",
        "lon": f"{o.home.lon:.6f}",
        "tier": o.tier.value,
        "manager_id": o.manager_id,
        "interval_days": "" if o.interval_days is None else str(o.interval_days),
        "mappa_level": str(o.mappa_level),
        "last_visit": o.last_visit.isoformat() if o.last_visit else "",
        "two_officers": "true" if o.two_officers else "false",
        "officer_gender": o.officer_gender.value if o.officer_gender else "",
        "status": o.status.value,
        "unavailable": format_unavailability(o.unavailable),
        "household": o.household or "",
    }


def officer_record(o: Officer) -> dict[str, str]:
    return {
        "id": o.id,
        "team": o.team,
        "cover_group": o.cover_group or "",
        "base_lat": f"{o.base.lat:.6f}",
        "base_lon": f"{o.base.lon:.6f}",
        "shifts": "; ".join(f"{s.day.name.lower()} {_window(s.window)}" for s in o.shifts),
        "visit_hours": repr(o.visit_hours).removesuffix(".0"),  # shortest exact text
        "caseload_cap": str(o.caseload_cap),
        "gender": o.gender.value if o.gender else "",
        "absent": "; ".join(
            [d.isoformat() for d in o.absent]
            + [f"{a.day.isoformat()} {_window(a.window)} {a.reason}".rstrip() for a in o.away]
        ),
    }


def _window(w: ClockWindow) -> str:
    return f"{w.start:%H:%M}-{w.end:%H:%M}"


def format_unavailability(u: Unavailability) -> str:
    items = [r.first.isoformat() if r.first == r.last else f"{r.first}/{r.last}" for r in u.dates]
    items += [
        ",".join(d.name.lower() for d in sorted(w.days)) + " " + _window(w.window) for w in u.weekly
    ]
    items += [f"{t.day.isoformat()} {_window(t.window)}" for t in u.timed]
    return "; ".join(items)


def csv_text(rows: Iterable[dict[str, Any]], columns: Iterable[str]) -> str:
    """Rows as CSV text (written out atomically by :mod:`scheduler.io.export`)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def register_files(register: Register) -> dict[str, str]:
    """``offenders.csv`` and ``officers.csv`` texts for a register: the input format."""
    return {
        "offenders.csv": csv_text(
            (offender_record(o) for o in register.offenders), OFFENDER_COLUMNS
        ),
        "officers.csv": csv_text((officer_record(o) for o in register.officers), OFFICER_COLUMNS),
    }
