"""Officer availability read from the register's ``absent`` column, an availability CSV
and iCalendar files (:mod:`scheduler.io.availability`): whole days, runs of days, parts
of days and weekly part-time patterns become ``Officer.absent`` and ``Officer.away``;
free and cancelled events are not time away; every bad row or event is reported with its
file, row and field. The ``.ics`` fixtures in ``tests/data/availability`` are written by
hand (RFC 5545, CRLF line endings), each named after what it holds or its defect."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import Away, ClockWindow, Location, Officer, Register, Shift, Weekday
from scheduler.core.exceptions import InputFileError, InputProblem
from scheduler.io.availability import (
    HORIZON_DAYS,
    TimeOff,
    capacity_lost_s,
    read_availability,
    read_availability_csv,
    with_availability,
)
from scheduler.io.loaders import (
    officer_record,
    parse_time_off,
    read_officers,
    register_files,
)
from tests.scheduler.conftest import WEEK, officer, register

AVAILABILITY = Path(__file__).resolve().parents[2] / "data" / "availability"
IDS = ["OM-A", "OM-B", "OM-C"]
TUE, WED, THU, FRI = (WEEK + timedelta(days=d) for d in (1, 2, 3, 4))


def fixture(name: str) -> Path:
    path = AVAILABILITY / name
    assert path.is_file(), f"fixture file {path} is missing"
    return path


def read(*names: str, ids: list[str] = IDS) -> list[TimeOff]:
    return read_availability([fixture(n) for n in names], ids, WEEK)


def problems(*names: str, ids: list[str] = IDS) -> list[InputProblem]:
    with pytest.raises(InputFileError) as info:
        read(*names, ids=ids)
    return info.value.problems


def in_week(entries: list[TimeOff]) -> list[TimeOff]:
    week = {WEEK + timedelta(days=d) for d in range(7)}
    return [t for t in entries if set(t.days()) & week]


def team() -> Register:
    """Three officers, Mon-Fri 08:00-16:00 (8 h), 4 visit hours a day; no offenders."""
    return register([], [officer(i) for i in IDS])


def clock(start: int, end: int) -> ClockWindow:
    return ClockWindow(start=time(start), end=time(end))


# ---- the register's 'absent' column ---------------------------------------------------------


def test_absent_column_gives_whole_days_ranges_and_parts_of_days() -> None:
    days, away = parse_time_off(
        "2026-12-02; 07/12/2026 to 11/12/2026; 2026-12-03 10:00-13:00 court"
    )
    # one day, then Monday to Friday of the next week: 1 + 5 days
    assert days == (date(2026, 12, 2), *(date(2026, 12, 7) + timedelta(d) for d in range(5)))
    assert away == (Away(day=THU, window=clock(10, 13), reason="court"),)


def test_a_part_day_needs_no_reason_and_keeps_a_reason_of_several_words() -> None:
    _, away = parse_time_off("2026-12-03 10:00-13:00; 2026-12-04 14:00-16:00 crown court, room 2")
    assert away == (
        Away(day=THU, window=clock(10, 13)),
        Away(day=FRI, window=clock(14, 16), reason="crown court, room 2"),
    )


def test_a_part_day_ending_before_it_starts_is_a_problem_of_the_absent_field(
    tmp_path: Path,
) -> None:
    path = tmp_path / "officers.csv"
    path.write_text(
        "id,base_lat,base_lon,shifts,absent\n"
        "OM-A,51.37,-0.1,mon-fri 08:00-16:00,2026-12-03 13:00-10:00 court\n"
    )
    (p,) = read_officers(path).problems
    assert (p.row, p.field, p.record_id) == (2, "absent", "OM-A")
    assert "ends before it starts" in p.message


def test_officers_csv_absent_column_round_trips_parts_of_days(tmp_path: Path) -> None:
    path = tmp_path / "officers.csv"
    absent = "2026-12-02; 2026-12-03 10:00-13:00 court; 2026-12-04 14:00-16:00"
    path.write_text(
        f'id,base_lat,base_lon,shifts,absent\nOM-A,51.37,-0.1,mon-fri 08:00-16:00,"{absent}"\n'
    )
    read_back = read_officers(path)
    assert read_back.problems == []
    (o,) = [o for _, o in read_back.rows]
    assert o.absent == (WED,)
    assert o.away == (
        Away(day=THU, window=clock(10, 13), reason="court"),
        Away(day=FRI, window=clock(14, 16)),
    )
    # officer_record writes the parts of days back as they were given
    assert officer_record(o)["absent"] == absent
    # and the register files written from it read back to the same officer
    (tmp_path / "out").mkdir()
    again = tmp_path / "out" / "officers.csv"
    again.write_text(register_files(register([], [o]))["officers.csv"])
    assert [x for _, x in read_officers(again).rows] == [o]


reasons = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,-", max_size=20).map(str.strip)


@st.composite
def aways(draw: st.DrawFn) -> Away:
    start = draw(st.integers(min_value=0, max_value=94))
    end = draw(st.integers(min_value=start + 1, max_value=95))
    return Away(
        day=WEEK + timedelta(days=draw(st.integers(0, 13))),
        window=ClockWindow(
            start=time(start // 4, start % 4 * 15), end=time(end // 4, end % 4 * 15)
        ),
        reason=draw(reasons),
    )


@given(
    days=st.sets(st.integers(0, 13), max_size=5),
    away=st.lists(aways(), max_size=4),
)
def test_officer_record_and_parse_time_off_round_trip(days: set[int], away: list[Away]) -> None:
    o = officer(
        "OM-A",
        absent=tuple(WEEK + timedelta(days=d) for d in sorted(days)),
        away=tuple(away),
    )
    assert parse_time_off(officer_record(o)["absent"]) == (o.absent, o.away)


def test_a_reason_with_a_semicolon_round_trips() -> None:
    o = officer("OM-A", away=(Away(day=THU, window=clock(10, 13), reason="Court; Croydon"),))
    assert parse_time_off(officer_record(o)["absent"]) == ((), o.away)


# ---- availability CSV ---------------------------------------------------------------------


def test_availability_csv_rows_whole_days_runs_parts_and_reasons() -> None:
    entries, found = read_availability_csv(fixture("availability.csv"))
    assert found == []
    assert entries == [
        TimeOff("OM-A", TUE, TUE, None, "annual leave"),
        # DD/MM/YYYY with 'until': Monday 7 to Friday 11 December
        TimeOff("OM-B", date(2026, 12, 7), date(2026, 12, 11), None, "training course"),
        TimeOff("OM-C", THU, THU, clock(10, 13), "court"),
        TimeOff("OM-C", FRI, FRI, None, ""),
    ]
    assert len(entries[1].days()) == 5


def test_availability_csv_goes_into_absent_and_away() -> None:
    reg = with_availability(team(), read("availability.csv"))
    a, b, c = reg.officers
    assert a.absent == (TUE,) and a.away == ()
    assert b.absent == tuple(date(2026, 12, 7) + timedelta(d) for d in range(5))
    assert c.absent == (FRI,)
    assert c.away == (Away(day=THU, window=clock(10, 13), reason="court"),)
    # court 10:00-13:00 leaves 13:00-16:00 of 08:00-16:00
    assert c.shift_on(THU).window == clock(13, 16)


def test_with_availability_keeps_the_register_s_own_time_off() -> None:
    own = officer("OM-A", absent=(WEEK,), away=(Away(day=WED, window=clock(8, 9)),))
    reg = with_availability(register([], [own]), [TimeOff("OM-A", TUE, TUE)])
    (o,) = reg.officers
    assert o.absent == (WEEK, TUE)
    assert o.away == own.away


def test_an_officer_without_time_off_is_left_as_is() -> None:
    reg = team()
    assert with_availability(reg, []) == reg
    assert with_availability(reg, [TimeOff("OM-A", TUE, TUE)]).officers[1:] == reg.officers[1:]


def test_every_bad_availability_row_in_one_error_naming_file_row_and_field() -> None:
    found = problems("availability_four_defects.csv")
    file = str(fixture("availability_four_defects.csv"))
    assert {p.file for p in found} == {file}
    by_field = {p.field: p for p in found}
    assert len(found) == 4 and set(by_field) == {"until", "end", "officer_id", "date"}
    # row 2: until 2026-12-01 before date 2026-12-03
    assert by_field["until"].row == 2 and "before the first day" in by_field["until"].message
    # row 3: a start time without an end
    assert by_field["end"].row == 3 and "both start and end" in by_field["end"].message
    # row 5: month 13
    assert by_field["date"].row == 5 and "not a date" in by_field["date"].message
    assert "'OM-Z' is not in the officers file" in by_field["officer_id"].message


def test_an_unknown_officer_in_the_availability_csv_names_its_row() -> None:
    (p,) = [p for p in problems("availability_four_defects.csv") if p.field == "officer_id"]
    assert p.row == 4


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("OM-A,2026-12-02,,13:00,10:00,court", "end", "not after the start"),
        ("OM-A,2026-12-02,,,10:00,court", "start", "both start and end"),
        ("OM-A,2026-12-02,,10am,11:00,court", "start", "not a time"),
        ("OM-A,,,,,leave", "date", ""),
        ("OM A,2026-12-02,,,,leave", "officer_id", ""),
    ],
)
def test_a_bad_availability_row_is_reported_by_field(
    tmp_path: Path, row: str, field: str, words: str
) -> None:
    path = tmp_path / "availability.csv"
    path.write_text(f"officer_id,date,until,start,end,reason\n{row}\n")
    with pytest.raises(InputFileError) as info:
        read_availability([path], IDS, WEEK)
    (p,) = info.value.problems
    assert (p.file, p.row, p.field) == (str(path), 2, field)
    assert words in p.message


# ---- iCalendar ------------------------------------------------------------------------------


def test_fixture_calendars_are_crlf_rfc5545_files() -> None:
    for path in AVAILABILITY.glob("*.ics"):
        raw = path.read_bytes()
        assert raw.count(b"\n") == raw.count(b"\r\n"), path.name
        if not path.name.startswith("malformed_not"):
            assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")


def test_an_all_day_event_is_a_whole_day_and_a_timed_event_part_of_one() -> None:
    # OM-A.ics: leave on Tuesday (DTSTART;VALUE=DATE, DTEND the next day, exclusive),
    # court Thursday 10:00-13:00; the officer is the file name
    assert read("OM-A.ics") == [
        TimeOff("OM-A", TUE, TUE, None, "Annual leave"),
        TimeOff("OM-A", THU, THU, clock(10, 13), "court"),  # CATEGORIES before SUMMARY
    ]


def test_free_and_cancelled_events_are_not_time_away() -> None:
    # OM-A.ics also holds a TRANSP:TRANSPARENT reminder on Friday and a STATUS:CANCELLED
    # training on Monday: neither takes OM-A off
    reg = with_availability(team(), read("OM-A.ics"))
    a = reg.officers[0]
    assert FRI not in a.absent and a.shift_on(FRI).window == clock(8, 16)
    assert WEEK not in a.absent and a.shift_on(WEEK).window == clock(8, 16)
    assert a.absent == (TUE,)
    assert [x.day for x in a.away] == [THU]


def test_a_weekly_rule_is_expanded_over_the_planning_week() -> None:
    # team_calendar.ics: OM-C's rest day every Friday since 6 November (RRULE
    # FREQ=WEEKLY;BYDAY=FR); in the week of 30 November that is Friday 4 December only
    entries = read("team_calendar.ics")
    om_c = [t for t in entries if t.officer_id == "OM-C"]
    assert [t.days() for t in in_week(om_c)] == [[FRI]]
    assert all(t.window is None and t.first.weekday() == 4 for t in om_c)
    # expanded no further than the horizon from the planning date
    assert max(t.last for t in om_c) < WEEK + timedelta(days=HORIZON_DAYS)
    reg = with_availability(team(), entries)
    c = reg.officers[2]
    assert c.shift_on(FRI) is None and c.shift_on(THU) is not None


def test_the_officer_comes_from_x_rota_officer_then_calname_then_file_name() -> None:
    # X-ROTA-OFFICER wins over the calendar's name 'Croydon SOM team'
    assert {t.officer_id for t in read("team_calendar.ics")} == {"OM-B", "OM-C"}
    # X-WR-CALNAME:OM-B names the officer of calendar_named_by_calname.ics
    assert read("calendar_named_by_calname.ics") == [
        TimeOff("OM-B", WEEK, WEEK, clock(12, 15), "Public protection training")
    ]
    # OM-A.ics has neither: the file name
    assert {t.officer_id for t in read("OM-A.ics")} == {"OM-A"}


def test_a_multi_day_all_day_event_is_each_of_its_days() -> None:
    # the course of team_calendar.ics: DTSTART 3 December, DTEND 5 December (exclusive)
    (course,) = [t for t in read("team_calendar.ics") if t.officer_id == "OM-B"]
    assert course.days() == [THU, FRI]


def test_several_files_read_together() -> None:
    entries = read("OM-A.ics", "calendar_named_by_calname.ics", "availability.csv")
    assert {t.officer_id for t in entries} == {"OM-A", "OM-B", "OM-C"}


def test_an_event_for_an_unknown_officer_is_reported() -> None:
    (p,) = problems("unknown_officer.ics")
    assert p.file == str(fixture("unknown_officer.ics"))
    assert p.field == "X-ROTA-OFFICER"
    assert "'OM-Z'" in p.message and "not in the officers file" in p.message


def test_problems_of_every_file_come_in_one_error() -> None:
    found = problems("unknown_officer.ics", "availability_four_defects.csv", "OM-A.ics")
    assert {Path(p.file).name for p in found} == {
        "unknown_officer.ics",
        "availability_four_defects.csv",
    }
    assert len(found) == 1 + 4


def test_a_file_that_is_not_icalendar_is_reported_clearly() -> None:
    (p,) = problems("malformed_not_ical.ics")
    assert p.file == str(fixture("malformed_not_ical.ics"))
    assert p.message.startswith("not an iCalendar file")


def test_a_calendar_with_a_broken_dtstart_is_reported_not_raised() -> None:
    (p,) = problems("malformed_bad_dtstart.ics")
    assert p.file == str(fixture("malformed_bad_dtstart.ics"))
    assert "DTSTART" in p.message


def test_a_broken_dtstart_is_reported_as_the_dtstart_field() -> None:
    (p,) = problems("malformed_bad_dtstart.ics")
    assert p.field == "DTSTART"
    assert p.row == 1  # the file's first (and only) event
    assert "'2026-12-01 morning'" in p.message


def test_a_broken_time_of_a_later_event_names_that_event(tmp_path: Path) -> None:
    # two events: the first is sound, the second's DTEND is not a date-time
    path = _calendar(
        tmp_path,
        *("DTSTART:20261202T090000", "DTEND:20261202T100000", "END:VEVENT"),
        *("BEGIN:VEVENT", "UID:2@rota.test", "DTSTAMP:20261101T000000Z"),
        *("DTSTART:20261203T090000", "DTEND:noon"),
    )
    with pytest.raises(InputFileError) as info:
        read_availability([path], IDS, WEEK)
    (p,) = info.value.problems
    assert (p.row, p.field) == (2, "DTEND")


def _calendar(tmp_path: Path, *props: str) -> Path:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//rota tests//EN",
        "X-WR-CALNAME:OM-A",
        "BEGIN:VEVENT",
        "UID:1@rota.test",
        "DTSTAMP:20261101T000000Z",
        *props,
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    path = tmp_path / "calendar.ics"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path


def test_an_event_with_a_duration_ends_after_it(tmp_path: Path) -> None:
    path = _calendar(tmp_path, "DTSTART:20261201T090000", "DURATION:PT3H", "SUMMARY:Court")
    assert read_availability([path], IDS, WEEK) == [
        TimeOff("OM-A", TUE, TUE, clock(9, 12), "Court")
    ]


def test_an_all_day_event_without_dtend_is_one_day(tmp_path: Path) -> None:
    path = _calendar(tmp_path, "DTSTART;VALUE=DATE:20261201", "SUMMARY:Leave")
    assert read_availability([path], IDS, WEEK) == [TimeOff("OM-A", TUE, TUE, None, "Leave")]


def test_an_overnight_event_blocks_the_end_of_one_day_and_the_start_of_the_next(
    tmp_path: Path,
) -> None:
    path = _calendar(tmp_path, "DTSTART:20261201T220000", "DTEND:20261202T020000")
    evening, night = read_availability([path], IDS, WEEK)
    assert (evening.first, evening.window.start) == (TUE, time(22))
    assert (night.first, night.window) == (WED, clock(0, 2))


def test_a_utc_event_in_summer_is_read_in_uk_time(tmp_path: Path) -> None:
    path = _calendar(tmp_path, "DTSTART:20260701T090000Z", "DTEND:20260701T100000Z")
    (t,) = read_availability([path], IDS, date(2026, 6, 29))
    assert t.window == clock(10, 11)


def test_an_event_with_two_categories_lines_is_read(tmp_path: Path) -> None:
    path = _calendar(
        tmp_path,
        "DTSTART:20261201T090000",
        "DTEND:20261201T100000",
        "CATEGORIES:court",
        "CATEGORIES:public protection",
    )
    (t,) = read_availability([path], IDS, WEEK)
    assert t.window == clock(9, 10)


# ---- capacity lost ------------------------------------------------------------------------


def test_capacity_lost_is_zero_without_time_off() -> None:
    reg = team()
    # 3 officers x 5 rostered days x 4 h
    assert capacity_lost_s(reg.officers, [WEEK + timedelta(d) for d in range(7)]) == (
        3 * 5 * 4 * 3600,
        0,
    )


def test_capacity_lost_counts_days_absent_and_the_shrunk_part_days() -> None:
    reg = with_availability(team(), read("availability.csv"))
    week = [WEEK + timedelta(d) for d in range(7)]
    rostered, lost = capacity_lost_s(reg.officers, week)
    assert rostered == 3 * 5 * 4 * 3600
    # OM-A off Tuesday: 4 h; OM-C off Friday: 4 h; OM-C at court 10:00-13:00 on Thursday
    # keeps 13:00-16:00, 3 of 8 h, so 4 h x 3/8 = 1.5 h of visits, 2.5 h lost; OM-B's
    # course is next week
    assert lost == int((4 + 4 + 2.5) * 3600)


def test_time_away_on_a_rest_day_loses_nothing() -> None:
    part_time = Officer(
        id="OM-A",
        base=Location(lat=51.37, lon=-0.1),
        shifts=(Shift(day=Weekday.MON, window=clock(8, 16)),),
        absent=(TUE,),
        away=(Away(day=WED, window=clock(8, 12)),),
    )
    assert capacity_lost_s([part_time], [WEEK, TUE, WED]) == (4 * 3600, 0)
