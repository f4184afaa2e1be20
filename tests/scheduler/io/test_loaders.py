"""Loading the register from CSV and JSON: valid files load, every defect in a broken file
is reported with its file, spreadsheet row (header = row 1) and field, and writing a
register and reading it back loses nothing.

The files are the hand-made fixtures in ``tests/data/inputs`` (see ``tests/conftest.py``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import (
    ClockWindow,
    DateRange,
    Gender,
    Location,
    Offender,
    OffenderStatus,
    Officer,
    Register,
    RiskTier,
    Shift,
    Unavailability,
    Weekday,
    WeeklyWindow,
)
from scheduler.core.exceptions import InputFileError, InputProblem
from scheduler.io.loaders import (
    INPUT_ONLY,
    OFFENDER_COLUMNS,
    OFFICER_COLUMNS,
    load_offenders,
    load_officers,
    load_register,
    offender_from_record,
    offender_record,
    officer_from_record,
    officer_record,
    register_files,
)
from scheduler.io.records import MAX_PROBLEMS
from tests.conftest import WEEK

# ---- valid files --------------------------------------------------------------------------


def test_valid_csv_files_load(valid_register: Register) -> None:
    offenders = {o.id: o for o in valid_register.offenders}
    officers = {o.id: o for o in valid_register.officers}
    assert len(offenders) == 8
    assert sorted(officers) == ["OM-A", "OM-B", "OM-C"]
    assert {o.team for o in officers.values()} == {"croydon"}
    assert {o.tier for o in offenders.values()} == set(RiskTier)

    a = officers["OM-A"]
    assert [s.day for s in a.shifts] == [
        Weekday.MON,
        Weekday.TUE,
        Weekday.WED,
        Weekday.THU,
        Weekday.FRI,
        Weekday.SAT,
    ]
    assert a.shifts[-1].window == ClockWindow(start=time(10), end=time(18))
    assert a.shifts[0].window == ClockWindow(start=time(8), end=time(16))
    assert a.gender is Gender.FEMALE
    assert officers["OM-B"].absent == (date(2026, 12, 2),)
    assert officers["OM-B"].shift_on(date(2026, 12, 2)) is None
    assert officers["OM-C"].visit_hours == 3.5
    assert officers["OM-C"].gender is None

    assert offenders["RSO-000003"].two_officers
    assert offenders["RSO-000005"].last_visit is None  # never visited
    assert offenders["RSO-000006"].status is OffenderStatus.REACTIVE
    assert offenders["RSO-000007"].interval_days == 90
    assert offenders["RSO-000001"].interval_days is None
    assert offenders["RSO-000001"].status is OffenderStatus.ACTIVE
    very_high = offenders["RSO-000004"]
    assert very_high.mappa_level == 3
    assert very_high.officer_gender is Gender.FEMALE
    assert very_high.unavailable == Unavailability(
        dates=(DateRange(first=date(2026, 12, 1), last=date(2026, 12, 1)),),
        weekly=(
            WeeklyWindow(
                days=frozenset(Weekday(d) for d in range(5)),
                window=ClockWindow(start=time(9), end=time(17)),
            ),
        ),
    )
    assert very_high.unavailable.blocked_windows(date(2026, 12, 1)) == [(0, 86400)]
    assert very_high.unavailable.blocked_windows(date(2026, 12, 2)) == [(9 * 3600, 17 * 3600)]
    assert very_high.unavailable.blocked_windows(date(2026, 12, 5)) == []


def test_json_files_load_the_same_register(
    valid_register: Register,
    offenders_json: Path,
    officers_json: Path,
    offenders_csv: Path,
    officers_csv: Path,
) -> None:
    # offenders.json is a bare list; officers.json wraps its list in {"officers": [...]}
    assert load_register(offenders_json, officers_json, as_of=WEEK) == valid_register
    assert load_register(offenders_json, officers_csv, as_of=WEEK) == valid_register
    assert load_register(offenders_csv, officers_json, as_of=WEEK) == valid_register


def test_load_offenders_and_officers_separately(
    offenders_csv: Path, officers_csv: Path, valid_register: Register
) -> None:
    officers = load_officers(officers_csv)
    assert tuple(officers) == valid_register.officers
    offenders = load_offenders(offenders_csv, [o.id for o in officers], as_of=None)
    assert tuple(offenders) == valid_register.offenders


def test_last_visit_on_the_planning_day_is_not_future(offenders_csv: Path) -> None:
    # the latest last visit in the file is 2026-11-20: planning from that day is fine
    load_offenders(offenders_csv, ["OM-A", "OM-B", "OM-C"], as_of=date(2026, 11, 20))
    with pytest.raises(InputFileError) as info:
        load_offenders(offenders_csv, ["OM-A", "OM-B", "OM-C"], as_of=date(2026, 11, 19))
    assert [(p.row, p.field) for p in info.value.problems] == [(9, "last_visit")]


# ---- broken files -------------------------------------------------------------------------


@dataclass(frozen=True)
class Broken:
    """A fixture file with a defect and every problem the loader must report for it."""

    file: str
    #: ``(row, field, phrase)``: row as a spreadsheet shows it (header = 1), or the record
    #: number for JSON; ``phrase`` must appear in the message.
    expected: tuple[tuple[int | None, str | None, str], ...]
    record_id: str | None = None

    @property
    def is_officers(self) -> bool:
        return self.file.startswith("officers")

    def __str__(self) -> str:
        return self.file


BROKEN = [
    Broken("offenders_missing_tier_column.csv", ((1, "tier", "required column is missing"),)),
    Broken("offenders_unknown_column.csv", ((1, "tierr", "did you mean 'tier'"),)),
    Broken(
        "offenders_unknown_tier.csv",
        ((4, "tier", "'extreme': unknown value (expected one of low, medium, high, very_high)"),),
        "RSO-000003",
    ),
    Broken(
        "offenders_outside_uk.csv",
        ((3, "lat", "latitude 48.8566 is outside the UK"),),
        "RSO-000002",
    ),
    Broken(
        "offenders_lon_outside_uk.csv",
        ((6, "lon", "longitude -10.5 is outside the UK"),),
        "RSO-000005",
    ),
    Broken(
        "offenders_duplicate_id.csv", ((6, "id", "duplicate id (first on row 3)"),), "RSO-000002"
    ),
    Broken(
        "offenders_future_last_visit.csv",
        ((5, "last_visit", "2026-12-15 is in the future (planning from 2026-11-30)"),),
        "RSO-000004",
    ),
    Broken(
        "offenders_unknown_manager.csv",
        ((7, "manager_id", "officer 'OM-Z' is not in the officers file"),),
        "RSO-000006",
    ),
    Broken(
        "offenders_bad_date.csv",
        ((2, "last_visit", "not a date (write YYYY-MM-DD or DD/MM/YYYY)"),),
        "RSO-000001",
    ),
    Broken("offenders_non_numeric_lon.csv", ((9, "lon", "'west' is not a number"),), "RSO-000008"),
    Broken(
        "offenders_missing_manager.csv", ((8, "manager_id", "is empty but required"),), "RSO-000007"
    ),
    Broken(
        "offenders_bad_two_officers.csv",
        ((4, "two_officers", "expected true or false"),),
        "RSO-000003",
    ),
    Broken(
        "offenders_bad_unavailable.csv",
        ((5, "unavailable", "ends before it starts"),),
        "RSO-000004",
    ),
    Broken(
        "offenders_bad_id.csv", ((3, "id", "may contain only letters, digits"),), "RSO 2 J Smith"
    ),
    Broken(
        "offenders_mappa_level_zero.csv",
        ((6, "mappa_level", "greater than or equal to 1"),),
        "RSO-000005",
    ),
    Broken(
        "offenders_bad_interval.csv", ((8, "interval_days", "not a whole number"),), "RSO-000007"
    ),
    Broken("offenders_extra_values.csv", ((5, None, "more values than header columns"),)),
    Broken("offenders_multiline_cell.csv", ((4, "tier", "unknown value"),), "RSO-000003"),
    Broken("offenders_header_only.csv", ((None, None, "file has no records"),)),
    Broken("offenders_empty.csv", ((None, None, "file has no records"),)),
    Broken("offenders_bad_json.json", ((None, None, "not valid JSON"),)),
    Broken("offenders_not_a_list.json", ((None, None, "expected a list of records"),)),
    Broken("offenders_json_misspelt_key.json", ((3, "last_vist", "unknown"),), "RSO-000003"),
    Broken("officers_bad_shift.csv", ((3, "shifts", "ends before it starts"),), "OM-B"),
    Broken("officers_unknown_weekday.csv", ((2, "shifts", "unknown weekday 'fry'"),), "OM-A"),
    Broken("officers_missing_shifts_column.csv", ((1, "shifts", "required column is missing"),)),
    Broken("officers_duplicate_id.csv", ((4, "id", "duplicate id (first on row 2)"),), "OM-A"),
    Broken(
        "officers_bad_visit_hours.csv", ((4, "visit_hours", "less than or equal to 24"),), "OM-C"
    ),
    Broken("officers_bad_absent.csv", ((3, "absent", "before it starts"),), "OM-B"),
    Broken("officers_empty.csv", ((None, None, "file has no records"),)),
    Broken("officers_not_utf8.csv", ((3, None, "UTF-8"),)),
]


def load_broken(case: Broken, path: Path, offenders_csv: Path, officers_csv: Path) -> None:
    """Load the broken file with the valid file of the other kind, as the CLI does."""
    if case.is_officers:
        load_register(offenders_csv, path, as_of=WEEK)
    else:
        load_register(path, officers_csv, as_of=WEEK)


def test_every_broken_fixture_is_in_the_table(inputs_dir: Path) -> None:
    on_disk = {
        p.name for p in inputs_dir.iterdir() if p.name.startswith(("offenders_", "officers_"))
    }
    assert on_disk - {"offenders_multiple_problems.csv"} == {c.file for c in BROKEN}


@pytest.mark.parametrize("case", BROKEN, ids=str)
def test_broken_input_names_file_row_and_field(
    case: Broken, input_path: Callable[[str], Path], offenders_csv: Path, officers_csv: Path
) -> None:
    path = input_path(case.file)
    with pytest.raises(InputFileError) as info:
        load_broken(case, path, offenders_csv, officers_csv)
    # both files are checked in one pass: the other (valid) file may only show what follows
    # from this one's defect (an offender whose manager's row is a duplicate)
    problems = [p for p in info.value.problems if p.file == str(path)]
    others = [p for p in info.value.problems if p.file != str(path)]
    assert all(p.field == "manager_id" for p in others)
    assert info.value.problems[: len(problems)] == problems
    assert [(p.row, p.field) for p in problems] == [(row, field) for row, field, _ in case.expected]
    for problem, (_, _, phrase) in zip(problems, case.expected, strict=True):
        assert phrase in problem.message
        assert problem.record_id == case.record_id
    # the one-line message carries the first problem's whereabouts
    text = str(info.value)
    assert text.startswith(str(path))
    row, field, phrase = case.expected[0]
    if row is not None:
        assert f"row {row}" in text
    if field is not None:
        assert f"field '{field}'" in text
    assert phrase in text


def test_multiple_problems_are_all_reported(
    offenders_multiple_problems_csv: Path, officers_csv: Path
) -> None:
    with pytest.raises(InputFileError) as info:
        load_register(offenders_multiple_problems_csv, officers_csv, as_of=WEEK)
    err = info.value
    got = [(p.row, p.field) for p in err.problems]
    assert got == [
        (3, "lat"),  # 'north'
        (3, "tier"),  # 'extreme', same row
        (5, "last_visit"),  # 2026-02-30 does not exist
        (7, "interval_days"),  # 0
        (7, "mappa_level"),  # 5
        (8, "manager_id"),  # OM-Z
    ]
    assert all(p.file == str(offenders_multiple_problems_csv) for p in err.problems)
    assert "(and 5 more problems)" in str(err)
    report = err.report().splitlines()
    assert len(report) == 6
    assert report[0].startswith(
        f"{offenders_multiple_problems_csv}, row 3, id RSO-000002, field 'lat': "
    )


def test_problem_count_is_capped(tmp_path: Path, offenders_csv: Path) -> None:
    header, first = offenders_csv.read_text().splitlines()[:2]
    bad = first.replace(",low,", ",extreme,")
    path = tmp_path / "offenders.csv"
    path.write_text(
        "\n".join(
            [header] + [bad.replace("RSO-000001", f"RSO-{i:06d}") for i in range(MAX_PROBLEMS + 30)]
        )
        + "\n"
    )
    with pytest.raises(InputFileError) as info:
        load_offenders(path, ["OM-A"], as_of=WEEK)
    assert len(info.value.problems) == MAX_PROBLEMS
    assert [p.row for p in info.value.problems] == list(range(2, MAX_PROBLEMS + 2))


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(InputFileError) as info:
        load_officers(path)
    assert [(p.file, p.row, p.field, p.message) for p in info.value.problems] == [
        (str(path), None, None, "file not found")
    ]


def test_blank_lines_count_as_spreadsheet_rows(tmp_path: Path, offenders_csv: Path) -> None:
    # a spreadsheet shows a blank line as an empty row, so later rows keep their numbers
    lines = offenders_csv.read_text().splitlines()
    lines[3] = lines[3].replace(",high,", ",extreme,")  # row 4
    path = tmp_path / "offenders.csv"
    path.write_text("\n".join(lines[:2] + [""] + lines[2:]) + "\n")
    with pytest.raises(InputFileError) as info:
        load_offenders(path, ["OM-A", "OM-B", "OM-C"], as_of=WEEK)
    assert [(p.row, p.field) for p in info.value.problems] == [(5, "tier")]


def test_byte_order_mark_is_ignored(tmp_path: Path, officers_csv: Path) -> None:
    path = tmp_path / "officers.csv"
    path.write_bytes(b"\xef\xbb\xbf" + officers_csv.read_bytes().replace(b"\n", b"\r\n"))
    assert load_officers(path) == load_officers(officers_csv)


def test_problem_text() -> None:
    p = InputProblem("offenders.csv", 4, "tier", "bad", "RSO-1")
    assert str(p) == "offenders.csv, row 4, id RSO-1, field 'tier': bad"
    assert str(InputProblem("offenders.csv", None, None, "empty")) == "offenders.csv: empty"


# ---- round trip ---------------------------------------------------------------------------
# The file format stores coordinates to 6 decimals (~0.1 m) and clock times to the minute,
# and lists shifts by weekday and absences by date; generated objects use those canonical
# forms, and everything else the models allow.

ids = st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True)
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31))


def coordinate(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.integers(round(lo * 1e6), round(hi * 1e6)).map(lambda n: n / 1e6)


locations = st.builds(Location, lat=coordinate(49.8, 60.95), lon=coordinate(-8.7, 1.8))


@st.composite
def clock_windows(draw: st.DrawFn) -> ClockWindow:
    start, end = sorted(
        draw(st.lists(st.integers(0, 24 * 60 - 1), min_size=2, max_size=2, unique=True))
    )
    return ClockWindow(start=time(*divmod(start, 60)), end=time(*divmod(end, 60)))


@st.composite
def date_ranges(draw: st.DrawFn) -> DateRange:
    first = draw(dates)
    return DateRange(
        first=first, last=draw(st.dates(min_value=first, max_value=date(2040, 12, 31)))
    )


weekday_sets = st.frozensets(st.sampled_from(Weekday), min_size=1)
unavailability = st.builds(
    Unavailability,
    dates=st.lists(date_ranges(), max_size=3).map(tuple),
    weekly=st.lists(
        st.builds(WeeklyWindow, days=weekday_sets, window=clock_windows()), max_size=3
    ).map(tuple),
)
# Team names are free text (commas, quotes, line breaks, non-ASCII) but the loader trims
# surrounding blanks, so generated names have none. A lone carriage return is left out:
# the CSV writer ends lines with "\n" and does not quote a bare "\r", which a reader then
# takes as a line break (known limitation of csv_text, reported, not fixed here).
teams = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\r"), min_size=1, max_size=64
).filter(lambda s: s == s.strip())


@st.composite
def officers(draw: st.DrawFn, officer_id: str) -> Officer:
    shifts = draw(st.dictionaries(st.sampled_from(Weekday), clock_windows(), min_size=1))
    return Officer(
        id=officer_id,
        team=draw(teams),
        base=draw(locations),
        shifts=tuple(Shift(day=d, window=w) for d, w in sorted(shifts.items())),
        visit_hours=draw(st.floats(0, 24)),
        caseload_cap=draw(st.integers(1, 1000)),
        gender=draw(st.none() | st.sampled_from(Gender)),
        absent=tuple(sorted(draw(st.sets(dates, max_size=4)))),
        cover_group=draw(st.none() | teams),
    )


@st.composite
def offenders(draw: st.DrawFn, offender_id: str, manager_ids: list[str]) -> Offender:
    return Offender(
        id=offender_id,
        home=draw(locations),
        tier=draw(st.sampled_from(RiskTier)),
        interval_days=draw(st.none() | st.integers(1, 3650)),
        mappa_level=draw(st.integers(1, 3)),
        manager_id=draw(st.sampled_from(manager_ids)),
        last_visit=draw(st.none() | dates),
        two_officers=draw(st.booleans()),
        officer_gender=draw(st.none() | st.sampled_from(Gender)),
        unavailable=draw(unavailability),
        status=draw(st.sampled_from(OffenderStatus)),
    )


@st.composite
def registers(draw: st.DrawFn) -> Register:
    officer_ids = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    offender_ids = draw(st.lists(ids, min_size=1, max_size=6, unique=True))
    staff = [draw(officers(i)) for i in officer_ids]
    group: dict[str, str | None] = {}
    for o in staff:  # a team is in one cover group
        group.setdefault(o.team, o.cover_group)
    return Register(
        officers=tuple(o.model_copy(update={"cover_group": group[o.team]}) for o in staff),
        offenders=tuple(draw(offenders(i, officer_ids)) for i in offender_ids),
    )


ROUND_TRIP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@ROUND_TRIP
@given(register=registers())
def test_register_files_round_trip(register: Register) -> None:
    files = register_files(register)
    assert set(files) == {"offenders.csv", "officers.csv"}
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8", newline="")
        loaded = load_register(Path(tmp) / "offenders.csv", Path(tmp) / "officers.csv", as_of=None)
    assert loaded == register


@ROUND_TRIP
@given(offender=offenders("RSO-1", ["OM-1"]))
def test_offender_record_round_trip(offender: Offender) -> None:
    rec = offender_record(offender)
    assert list(rec) == [c for c in OFFENDER_COLUMNS if c not in INPUT_ONLY]
    assert offender_from_record(rec, as_of=None) == offender


@ROUND_TRIP
@given(officer=officers("OM-1"))
def test_officer_record_round_trip(officer: Officer) -> None:
    rec = officer_record(officer)
    assert list(rec) == [c for c in OFFICER_COLUMNS if c not in INPUT_ONLY]
    assert officer_from_record(rec) == officer


def test_fixture_register_round_trips(valid_register: Register, tmp_path: Path) -> None:
    for name, text in register_files(valid_register).items():
        (tmp_path / name).write_text(text)
    assert (
        load_register(tmp_path / "offenders.csv", tmp_path / "officers.csv", as_of=WEEK)
        == valid_register
    )
