"""Field parsers for rows read from CSV/JSON files: each takes a row (a dict of strings)
or one value, and raises :class:`FieldError` naming the field, so a loader can add the
file and row and report every bad field of a row in one pass (:func:`collect_fields`).
Shared by the register, outcome and visit-history readers."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from pydantic import ValidationError


class FieldError(ValueError):
    """A single field failed to parse; the loader adds file and row."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def field_text(rec: dict[str, str], field: str) -> str:
    return (rec.get(field) or "").strip()


def required_field(rec: dict[str, str], field: str) -> str:
    value = field_text(rec, field)
    if not value:
        raise FieldError(field, "is empty but required")
    return value


_PSEUDO_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def id_field(rec: dict[str, str], field: str) -> str:
    """A required pseudonymous id, checked here so a bad one is reported with the row's
    other problems, in plain words."""
    value = required_field(rec, field)
    if not _PSEUDO_ID.match(value):
        raise FieldError(
            field,
            f"{value!r} may contain only letters, digits, '-' and '_' (up to 64 characters): "
            "use the pseudonymous id, never a name",
        )
    return value


def float_field(rec: dict[str, str], field: str) -> float:
    raw = required_field(rec, field)
    try:
        return float(raw)
    except ValueError:
        raise FieldError(field, f"{raw!r} is not a number") from None


def optional_field(rec: dict[str, str], field: str, parse: Callable[[str], Any]) -> Any:
    raw = field_text(rec, field)
    if not raw:
        return None
    try:
        return parse(raw)
    except ValueError as exc:
        raise FieldError(field, f"{raw!r}: {short_message(exc)}") from None


def parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError("not a whole number") from None


def parse_bool(text: str) -> bool:
    low = text.lower()
    if low in {"true", "yes", "y", "1"}:
        return True
    if low in {"false", "no", "n", "0"}:
        return False
    raise ValueError("expected true or false")


def enum_parser(kind: type[Any]) -> Callable[[str], Any]:
    """Parse a value of an enum as spreadsheets write it: any case, spaces or hyphens for
    underscores (``'Very High'`` -> ``very_high``); a near miss gets a "did you mean"."""

    def parse(text: str) -> Any:
        value = re.sub(r"[\s-]+", "_", text.strip().lower())
        try:
            return kind(value)
        except ValueError:
            allowed = [str(m.value) for m in kind]
            near = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
            hint = f"did you mean '{near[0]}'? " if near else ""
            raise ValueError(
                f"unknown value ({hint}expected one of {', '.join(allowed)})"
            ) from None

    return parse


_UK_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:[ T]00:00(?::00)?)?$")


def parse_iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("not a date YYYY-MM-DD") from None


def parse_date(text: str) -> date:
    """A date as ISO ``YYYY-MM-DD`` or as UK spreadsheets write it, day first
    (``07/12/2026``, ``7.12.2026``; a midnight time after it is dropped). A two-digit
    year or a date that only reads month first is refused, saying what to write."""
    text = text.strip()
    try:
        return date.fromisoformat(
            text[:10] if re.match(r"^\d{4}-\d\d-\d\d[ T]00:00", text) else text
        )
    except ValueError:
        pass
    m = _UK_DATE.match(text)
    if m is None:
        raise ValueError("not a date (write YYYY-MM-DD or DD/MM/YYYY)")
    day, month, year = (int(g) for g in m.groups())
    if len(m.group(3)) == 2:
        raise ValueError(
            f"two-digit year; write the year in full, e.g. {day:02d}/{month:02d}/20{year:02d}"
        )
    if month > 12 >= day:
        raise ValueError(
            "reads as month/day/year; write dates day first (DD/MM/YYYY) or as YYYY-MM-DD"
        )
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"no such date ({exc})") from None


_HOURS = re.compile(r"^(\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hour|hours)?$", re.IGNORECASE)
_HOURS_MINUTES = re.compile(r"^(\d{1,2}):([0-5]\d)$")


def parse_hours(text: str) -> float:
    """Hours as a number, with or without a unit (``4``, ``4.5``, ``4h``, ``4 hours``) or
    as ``H:MM`` (``4:30`` = 4.5)."""
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if math.isfinite(value):
            return value
        raise ValueError("not a number of hours (write e.g. 4, 4.5 or 4:30)")
    if m := _HOURS.match(text):
        return float(m.group(1))
    if m := _HOURS_MINUTES.match(text):
        return int(m.group(1)) + int(m.group(2)) / 60
    raise ValueError("not a number of hours (write e.g. 4, 4.5 or 4:30)")


def parse_number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError("not a number") from None


class RowErrors(Exception):
    """Every field error found in one row."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


def collect_fields(parsers: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run every field parser, so one pass reports all the row's bad fields."""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name, parse in parsers.items():
        try:
            values[name] = parse()
        except FieldError as exc:
            errors.append(exc)
    if errors:
        raise RowErrors(errors)
    return values


def plain_error(err: Any) -> str:
    """A pydantic error in plain words: no regular expressions or Python type names."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "string_pattern_mismatch":
        return "may contain only letters, digits, '-' and '_' (use the pseudonymous id)"
    if kind == "string_too_long":
        return f"is longer than {ctx.get('max_length')} characters"
    if kind == "string_too_short":
        return "is empty but required"
    if kind in {"float_parsing", "float_type"}:
        return "is not a number"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return "is not a whole number"
    return str(err["msg"]).removeprefix("Value error, ")


def short_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(plain_error(e) for e in exc.errors())
    return str(exc).removeprefix("Value error, ")


# ---------------------------------------------------------------- files
