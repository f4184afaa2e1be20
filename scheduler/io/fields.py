"""Field parsers for rows read from CSV/JSON files: each takes a row (a dict of strings)
or one value, and raises :class:`FieldError` naming the field, so a loader can add the
file and row and report every bad field of a row in one pass (:func:`collect_fields`).
Shared by the register, outcome and visit-history readers."""

from __future__ import annotations

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
    def parse(text: str) -> Any:
        try:
            return kind(text.lower())
        except ValueError:
            allowed = ", ".join(m.value for m in kind)
            raise ValueError(f"unknown value (expected one of {allowed})") from None

    return parse


def parse_iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("not a date YYYY-MM-DD") from None


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


def short_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
    return str(exc).removeprefix("Value error, ")


# ---------------------------------------------------------------- files
