"""Field parsers as spreadsheets write values: UK dates day first, hours with units or as
H:MM, enum values in any case with spaces, pseudonymous ids; every refusal in plain words
(no regular expression, no Python type name)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.offender import Gender, OffenderStatus, RiskTier
from scheduler.io.fields import (
    FieldError,
    enum_parser,
    id_field,
    parse_date,
    parse_hours,
    plain_error,
)

# ---- parse_date -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-07", date(2026, 12, 7)),
        ("07/12/2026", date(2026, 12, 7)),  # day first, as a UK spreadsheet writes it
        ("7/12/2026", date(2026, 12, 7)),
        ("7.12.2026", date(2026, 12, 7)),
        ("07-12-2026", date(2026, 12, 7)),
        ("12/07/2026", date(2026, 7, 12)),  # never month first
        ("31/12/2026", date(2026, 12, 31)),
        (" 07/12/2026 ", date(2026, 12, 7)),
        ("07/12/2026 00:00", date(2026, 12, 7)),  # a spreadsheet's midnight time is dropped
        ("07/12/2026 00:00:00", date(2026, 12, 7)),
        ("2026-12-07 00:00:00", date(2026, 12, 7)),
        ("2026-12-07T00:00", date(2026, 12, 7)),
        ("29/02/2028", date(2028, 2, 29)),
    ],
)
def test_parse_date_accepts(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("12/25/2026", "reads as month/day/year; write dates day first (DD/MM/YYYY)"),
        ("1/13/2026", "reads as month/day/year"),
        ("07/12/26", "two-digit year; write the year in full, e.g. 07/12/2026"),
        ("31/02/2026", "no such date"),
        ("29/02/2027", "no such date"),
        ("13/13/2026", "no such date"),
        ("07/12/2026 13:45", "not a date (write YYYY-MM-DD or DD/MM/YYYY)"),
        ("7 Dec 2026", "not a date (write YYYY-MM-DD or DD/MM/YYYY)"),
        ("yesterday", "not a date"),
        ("2026/12", "not a date"),
        ("2026-02-30", "not a date"),
    ],
)
def test_parse_date_refuses(text: str, phrase: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_date(text)
    assert phrase in str(info.value)
    assert_plain(str(info.value))


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_dates_round_trip_through_day_first(day: date) -> None:
    assert parse_date(day.strftime("%d/%m/%Y")) == day
    assert parse_date(f"{day.day}/{day.month}/{day.year}") == day  # without leading zeros
    assert parse_date(day.strftime("%d.%m.%Y")) == day
    assert parse_date(day.isoformat()) == day


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_month_first_is_never_read_silently(day: date) -> None:
    # month first reads either as another day (both numbers up to 12: ambiguous, day
    # first wins) or is refused; it never reads as the date meant
    text = day.strftime("%m/%d/%Y")
    if day.day <= 12:
        assert parse_date(text) == date(day.year, day.day, day.month)
    else:
        with pytest.raises(ValueError, match="month/day/year"):
            parse_date(text)


# ---- parse_hours ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("4", 4.0),
        ("4.5", 4.5),
        (" 3.5 ", 3.5),
        ("0", 0.0),
        ("4h", 4.0),
        ("4 h", 4.0),
        ("4hrs", 4.0),
        ("4.5 hours", 4.5),
        ("4 Hours", 4.0),
        ("1 hour", 1.0),
        ("4:30", 4.5),
        ("0:45", 0.75),
        ("7:00", 7.0),
    ],
)
def test_parse_hours_accepts(text: str, hours: float) -> None:
    assert parse_hours(text) == pytest.approx(hours)


@pytest.mark.parametrize(
    "text", ["four", "", "4,5", "4:5", "4:60", "4h30", "h", "4 days", "-", "about 4"]
)
def test_parse_hours_refuses(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_hours(text)
    assert str(info.value) == "not a number of hours (write e.g. 4, 4.5 or 4:30)"


@pytest.mark.parametrize("text", ["nan", "inf"])
def test_parse_hours_refuses_non_finite(text: str) -> None:
    with pytest.raises(ValueError, match="not a number of hours"):
        parse_hours(text)


# ---- enum_parser ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        (RiskTier, "High", RiskTier.HIGH),
        (RiskTier, "HIGH", RiskTier.HIGH),
        (RiskTier, " low ", RiskTier.LOW),
        (RiskTier, "Very High", RiskTier.VERY_HIGH),
        (RiskTier, "very  high", RiskTier.VERY_HIGH),
        (RiskTier, "Very-High", RiskTier.VERY_HIGH),
        (RiskTier, "very_high", RiskTier.VERY_HIGH),
        (OffenderStatus, "In Custody", OffenderStatus.IN_CUSTODY),
        (OffenderStatus, "in-hospital", OffenderStatus.IN_HOSPITAL),
        (Gender, "Female", Gender.FEMALE),
    ],
)
def test_enum_parser_accepts(kind: type, text: str, value: object) -> None:
    assert enum_parser(kind)(text) is value


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (
            RiskTier,
            "Hihg",
            "unknown value (did you mean 'high'? expected one of low, medium, high, very_high)",
        ),
        (
            RiskTier,
            "Very Hgih",
            "unknown value (did you mean 'very_high'? "
            "expected one of low, medium, high, very_high)",
        ),
        (RiskTier, "extreme", "unknown value (expected one of low, medium, high, very_high)"),
        (RiskTier, "3", "unknown value (expected one of low, medium, high, very_high)"),
        (Gender, "f", "unknown value (expected one of female, male)"),
        (Gender, "femail", "unknown value (did you mean 'female'? expected one of female, male)"),
    ],
)
def test_enum_parser_refuses(kind: type, text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        enum_parser(kind)(text)
    assert str(info.value) == message


# ---- id_field and plain_error ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["RSO-000001", "om_a", "A", "x" * 64])
def test_id_field_accepts_pseudonymous_ids(value: str) -> None:
    assert id_field({"id": f" {value} "}, "id") == value


@pytest.mark.parametrize("value", ["John Smith", "RSO/1", "x" * 65, "Ré-1", "a.b"])
def test_id_field_refuses_in_plain_words(value: str) -> None:
    with pytest.raises(FieldError) as info:
        id_field({"manager_id": value}, "manager_id")
    assert info.value.field == "manager_id"
    assert str(info.value) == (
        f"{value!r} may contain only letters, digits, '-' and '_' (up to 64 characters): "
        "use the pseudonymous id, never a name"
    )
    assert_plain(str(info.value))


def test_id_field_refuses_an_empty_id() -> None:
    with pytest.raises(FieldError, match="is empty but required"):
        id_field({"id": "  "}, "id")


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            {"type": "string_pattern_mismatch", "msg": "String should match pattern '^[A-Z]+$'"},
            "may contain only letters, digits, '-' and '_' (use the pseudonymous id)",
        ),
        (
            {
                "type": "string_too_long",
                "msg": "String should have at most 64 characters",
                "ctx": {"max_length": 64},
            },
            "is longer than 64 characters",
        ),
        (
            {"type": "string_too_short", "msg": "String should have at least 1"},
            "is empty but required",
        ),
        (
            {"type": "float_parsing", "msg": "Input should be a valid number"},
            "is not a number",
        ),
        (
            {"type": "int_parsing", "msg": "Input should be a valid integer"},
            "is not a whole number",
        ),
        ({"type": "int_from_float", "msg": "fractional part"}, "is not a whole number"),
        (
            {"type": "value_error", "msg": "Value error, ends before it starts"},
            "ends before it starts",
        ),
    ],
)
def test_plain_error_has_no_pattern_or_type_name(error: dict, message: str) -> None:
    assert plain_error(error) == message
    assert_plain(plain_error(error))


#: What a message for a register manager must never show: a regular expression, Python's
#: own conversion error or a Python type name.
NOT_PLAIN = re.compile(
    r"[\^$]|\[A-Za-z0-9_-]+\]|\{\d|could not convert|\b(?:str|int|float|bool|NoneType|dict)\b"
)


def assert_plain(message: str) -> None:
    assert not NOT_PLAIN.search(message), f"not plain words: {message!r}"
