"""Read and write the register as CSV or JSON, turning every defect into a message that
names the file, the row and the field.

The loaders are the only place that knows the file formats; everything downstream gets
validated :mod:`models` objects.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from models import (
    ClockWindow,
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
from scheduler.io.fields import (
    FieldError,
    RowErrors,
    collect_fields,
    enum_parser,
    field_text,
    float_field,
    optional_field,
    parse_bool,
    parse_int,
    parse_iso_date,
    required_field,
    short_message,
)

MAX_PROBLEMS = 50

OFFENDER_COLUMNS: dict[str, str] = {
    "id": "pseudonymous id (letters, digits, - and _)",
    "lat": "home latitude, decimal degrees (inside the UK)",
    "lon": "home longitude, decimal degrees (inside the UK)",
    "tier": "risk tier: low, medium, high or very_high",
    "manager_id": "id of the offender manager (must be in the officers file)",
    "interval_days": "optional per-person maximum visit interval in days (blank = tier default)",
    "mappa_level": "MAPPA management level 1, 2 or 3 (blank = 1)",
    "last_visit": "date of last successful visit YYYY-MM-DD (blank = never visited)",
    "two_officers": "true if the visit needs two officers (blank = false)",
    "officer_gender": "female or male if the lead officer must be of that gender (blank = any)",
    "status": "active, in_custody, in_hospital, abroad, missing or reactive (blank = active)",
    "unavailable": "';'-separated: YYYY-MM-DD, YYYY-MM-DD/YYYY-MM-DD, or 'mon-fri 09:00-17:00'",
}
OFFENDER_REQUIRED = ("id", "lat", "lon", "tier", "manager_id")

OFFICER_COLUMNS: dict[str, str] = {
    "id": "pseudonymous officer id",
    "team": "team or unit (visits are only covered within a team or its cover group; "
    "blank = 'team')",
    "cover_group": "teams planned together: cover and joint-visit partners may come from "
    "any team of the group (blank = the team alone)",
    "base_lat": "latitude of the base (station) each day starts and ends at",
    "base_lon": "longitude of the base",
    "shifts": "working pattern, ';'-separated, e.g. 'mon-fri 08:00-16:00; sat 10:00-18:00'",
    "visit_hours": "hours per working day available for visits incl. travel (blank = 4)",
    "caseload_cap": "maximum offenders managed (blank = 50)",
    "gender": "female or male (blank = not recorded)",
    "absent": "';'-separated dates or ranges of leave/sickness: YYYY-MM-DD[/YYYY-MM-DD]",
}
OFFICER_REQUIRED = ("id", "base_lat", "base_lon", "shifts")


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
    first, _, last = text.partition("/")
    return DateRange(first=parse_iso_date(first), last=parse_iso_date(last or first))


def parse_unavailability(text: str) -> Unavailability:
    """``'2026-12-01; 2026-12-05/2026-12-09; mon-fri 09:00-17:00'``."""
    dates: list[DateRange] = []
    weekly: list[WeeklyWindow] = []
    for item in filter(None, (p.strip() for p in text.split(";"))):
        if item[:1].isdigit():
            dates.append(_date_range(item))
        else:
            days, window = _weekly(item)
            weekly.append(WeeklyWindow(days=days, window=window))
    return Unavailability(dates=tuple(dates), weekly=tuple(weekly))


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
    out: list[date] = []
    for item in filter(None, (p.strip() for p in text.split(";"))):
        r = _date_range(item)
        out.extend(date.fromordinal(o) for o in range(r.first.toordinal(), r.last.toordinal() + 1))
    return tuple(sorted(set(out)))


# ---------------------------------------------------------------- record -> model


def offender_from_record(rec: dict[str, str], as_of: date | None) -> Offender:
    """Build one offender; raises FieldErrors naming every field at fault."""

    def last_visit() -> date | None:
        value = optional_field(rec, "last_visit", parse_iso_date)
        if value is not None and as_of is not None and value > as_of:
            raise FieldError("last_visit", f"{value} is in the future (planning from {as_of})")
        return value

    values = collect_fields(
        {
            "id": lambda: required_field(rec, "id"),
            "home": lambda: _location(rec, "lat", "lon"),
            "tier": lambda: (
                optional_field(rec, "tier", enum_parser(RiskTier)) or required_field(rec, "tier")
            ),
            "manager_id": lambda: required_field(rec, "manager_id"),
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
        }
    )
    # a blank optional field takes the model's default (None, or 1 for mappa_level)
    return _validated(Offender, {k: v for k, v in values.items() if v is not None})


def officer_from_record(rec: dict[str, str]) -> Officer:
    values = collect_fields(
        {
            "id": lambda: required_field(rec, "id"),
            "team": lambda: field_text(rec, "team") or "team",
            "cover_group": lambda: field_text(rec, "cover_group") or None,
            "base": lambda: _location(rec, "base_lat", "base_lon"),
            "shifts": lambda: (
                optional_field(rec, "shifts", parse_shifts) or required_field(rec, "shifts")
            ),
            "visit_hours": lambda: optional_field(rec, "visit_hours", float),
            "caseload_cap": lambda: optional_field(rec, "caseload_cap", parse_int),
            "gender": lambda: optional_field(rec, "gender", enum_parser(Gender)),
            "absent": lambda: optional_field(rec, "absent", parse_absences) or (),
        }
    )
    return _validated(Officer, {k: v for k, v in values.items() if v is not None})


def _location(rec: dict[str, str], lat_field: str, lon_field: str) -> Location:
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


def read_records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(row, record)`` from CSV or JSON; ``row`` as a spreadsheet shows it."""
    if path.suffix.lower() == ".json":
        yield from _json_records(path)
        return
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        msg = "is not UTF-8 text (save it as 'CSV UTF-8')"
        raise InputFileError([InputProblem(str(path), line, None, msg)]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    # A spreadsheet shows each record as one row however many lines its cells span, and a
    # blank line as an empty row: count records, not lines.
    for row, values in enumerate(reader, start=2):
        if not values:
            continue
        if header is None or len(values) > len(header):
            msg = "more values than header columns"
            raise InputFileError([InputProblem(str(path), row, None, msg)])
        yield row, dict(zip(header, values + [""] * (len(header) - len(values)), strict=True))


def _json_records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError(
            [InputProblem(str(path), None, None, f"not valid JSON: {exc}")]
        ) from None
    if isinstance(data, dict) and len(data) == 1:
        data = next(iter(data.values()))
    if not isinstance(data, list):
        raise InputFileError([InputProblem(str(path), None, None, "expected a list of records")])
    for i, rec in enumerate(data, start=1):
        if not isinstance(rec, dict):
            raise InputFileError([InputProblem(str(path), i, None, "record is not an object")])
        yield i, {str(k): _json_text(v) for k, v in rec.items()}


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _header_problems(
    path: Path, fields: Iterable[str], known: dict[str, str], required: tuple[str, ...]
) -> list[InputProblem]:
    fields = list(fields)
    problems = [
        InputProblem(str(path), 1, f, "required column is missing")
        for f in required
        if f not in fields
    ]
    problems += [
        InputProblem(str(path), 1, f, f"unknown column (known: {', '.join(known)})")
        for f in fields
        if f not in known
    ]
    return problems


def parse_rows(
    path: Path,
    build: Callable[[dict[str, str], int], Any],
    known: dict[str, str],
    required: tuple[str, ...],
    id_field: str = "id",
    accept: Callable[[Any, int], str | None] | None = None,
) -> list[tuple[int, Any]]:
    """Parse every row of a CSV/JSON file, collecting problems rather than stopping at the
    first; ``accept`` may refuse a built record (e.g. a duplicate id) with a message."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError([InputProblem(str(path), None, None, "file not found")])
    problems: list[InputProblem] = []
    rows: list[tuple[int, Any]] = []
    header_checked = False
    for row, rec in read_records(path):
        rid = field_text(rec, id_field) or None
        if not header_checked:
            problems += _header_problems(path, rec.keys(), known, required)
            header_checked = True
            if problems:
                raise InputFileError(problems)
        else:  # JSON records each carry their own keys: a misspelt one must not be ignored
            problems += [
                InputProblem(str(path), row, f, f"unknown column (known: {', '.join(known)})", rid)
                for f in rec
                if f not in known
            ]
        try:
            obj = build(rec, row)
        except RowErrors as exc:
            problems += [InputProblem(str(path), row, e.field, str(e), rid) for e in exc.errors]
        except FieldError as exc:
            problems.append(InputProblem(str(path), row, exc.field, str(exc), rid))
        else:
            refusal = accept(obj, row) if accept is not None else None
            if refusal is None:
                rows.append((row, obj))
            else:
                problems.append(InputProblem(str(path), row, id_field, refusal, rid))
        if len(problems) >= MAX_PROBLEMS:
            break
    if not header_checked:
        problems.append(InputProblem(str(path), None, None, "file has no records"))
    if problems:
        raise InputFileError(problems)
    return rows


def _load(
    path: Path,
    build: Callable[[dict[str, str]], Any],
    known: dict[str, str],
    required: tuple[str, ...],
) -> list[tuple[int, Any]]:
    """Parse a register file, refusing a second record with an id already seen."""
    seen_ids: dict[str, int] = {}

    def first_time(obj: Any, row: int) -> str | None:
        if obj.id in seen_ids:
            return f"duplicate id (first on row {seen_ids[obj.id]})"
        seen_ids[obj.id] = row
        return None

    return parse_rows(path, lambda rec, _row: build(rec), known, required, accept=first_time)


def load_officers(path: Path) -> list[Officer]:
    """Read officers from CSV or JSON."""
    return [o for _, o in _load(path, officer_from_record, OFFICER_COLUMNS, OFFICER_REQUIRED)]


def load_offenders(path: Path, officer_ids: Iterable[str], as_of: date | None) -> list[Offender]:
    """Read offenders; ``manager_id`` must name one of ``officer_ids``; last visits after
    ``as_of`` (the planning date) are rejected as future dates."""
    known = set(officer_ids)

    def build(rec: dict[str, str]) -> Offender:
        # checked row by row, so unknown managers are reported with every other problem
        offender = offender_from_record(rec, as_of)
        if offender.manager_id not in known:
            msg = f"officer {offender.manager_id!r} is not in the officers file"
            raise FieldError("manager_id", msg)
        return offender

    return [o for _, o in _load(path, build, OFFENDER_COLUMNS, OFFENDER_REQUIRED)]


def load_register(offenders_path: Path, officers_path: Path, as_of: date | None) -> Register:
    """Read both files and check them together."""
    officers = load_officers(officers_path)
    offenders = load_offenders(offenders_path, [o.id for o in officers], as_of)
    return Register(offenders=tuple(offenders), officers=tuple(officers))


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
        "absent": "; ".join(d.isoformat() for d in o.absent),
    }


def _window(w: ClockWindow) -> str:
    return f"{w.start:%H:%M}-{w.end:%H:%M}"


def format_unavailability(u: Unavailability) -> str:
    items = [r.first.isoformat() if r.first == r.last else f"{r.first}/{r.last}" for r in u.dates]
    items += [
        ",".join(d.name.lower() for d in sorted(w.days)) + " " + _window(w.window) for w in u.weekly
    ]
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
