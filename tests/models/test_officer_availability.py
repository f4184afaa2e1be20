"""An officer's day when they are away for some of it: ``Officer.shift_on`` narrows the
rostered shift to its longest free stretch, ``Officer.visit_seconds_on`` shrinks the visit
hours in proportion. Each rule has a case where it holds the shift as rostered and one
where time away changes it; hypothesis checks the narrowed window over random blocks."""

from __future__ import annotations

from datetime import date, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from models import Away, ClockWindow, Location, Officer, Shift, Weekday

MONDAY = date(2026, 11, 30)
TUESDAY = MONDAY + timedelta(days=1)
HOME = Location(lat=51.372, lon=-0.1)
EIGHT_TO_FOUR = ClockWindow(start=time(8), end=time(16))


def officer(*away: Away, absent: tuple[date, ...] = (), hours: float = 4.0) -> Officer:
    """Mon-Fri 08:00-16:00 (8 h), ``hours`` of it for visits."""
    shifts = tuple(Shift(day=Weekday(d), window=EIGHT_TO_FOUR) for d in range(5))
    return Officer(id="OM-A", base=HOME, shifts=shifts, visit_hours=hours, absent=absent, away=away)


def away(start: int, end: int, day: date = MONDAY, reason: str = "court") -> Away:
    return Away(day=day, window=ClockWindow(start=time(start), end=time(end)), reason=reason)


def window(shift: Shift | None) -> tuple[time, time] | None:
    return None if shift is None else (shift.window.start, shift.window.end)


# ---- shift_on ---------------------------------------------------------------------------


def test_with_no_time_away_the_shift_is_the_rostered_one() -> None:
    o = officer()
    assert o.shift_on(MONDAY) == o.rostered_shift(MONDAY)
    assert window(o.shift_on(MONDAY)) == (time(8), time(16))


def test_time_away_on_another_day_leaves_the_shift_whole() -> None:
    o = officer(away(10, 13, day=TUESDAY))
    assert window(o.shift_on(MONDAY)) == (time(8), time(16))
    assert window(o.shift_on(TUESDAY)) == (time(13), time(16))


def test_a_morning_block_keeps_the_afternoon() -> None:
    # 08:00-12:00 training: 12:00-16:00 is all that is left
    o = officer(away(8, 12, reason="training"))
    assert window(o.shift_on(MONDAY)) == (time(12), time(16))


def test_a_middle_block_keeps_the_longer_side() -> None:
    # court 10:00-13:00 leaves 08:00-10:00 (2 h) and 13:00-16:00 (3 h): the afternoon
    o = officer(away(10, 13))
    assert window(o.shift_on(MONDAY)) == (time(13), time(16))
    # court 11:00-14:00 leaves 3 h before and 2 h after: the morning
    o = officer(away(11, 14))
    assert window(o.shift_on(MONDAY)) == (time(8), time(11))


def test_a_block_before_the_shift_starts_changes_nothing() -> None:
    o = officer(away(6, 8, reason="gym"))
    assert window(o.shift_on(MONDAY)) == (time(8), time(16))
    assert o.visit_seconds_on(MONDAY) == 4 * 3600


def test_a_block_covering_the_shift_leaves_no_shift() -> None:
    o = officer(away(7, 17, reason="course"))
    assert o.shift_on(MONDAY) is None
    # two blocks that together cover it: 08:00-12:00 and 12:00-16:00
    assert officer(away(8, 12), away(12, 16)).shift_on(MONDAY) is None


def test_a_day_absent_or_a_rest_day_has_no_shift() -> None:
    o = officer(absent=(MONDAY,))
    assert o.shift_on(MONDAY) is None and o.visit_seconds_on(MONDAY) == 0
    saturday = MONDAY + timedelta(days=5)
    assert o.rostered_shift(saturday) is None and o.shift_on(saturday) is None


# ---- visit_seconds_on -------------------------------------------------------------------


def test_visit_seconds_are_the_visit_hours_on_a_whole_day() -> None:
    assert officer().visit_seconds_on(MONDAY) == 4 * 3600


def test_visit_seconds_shrink_in_proportion_to_the_free_stretch() -> None:
    # 8 h shift, 4 h of visits; 2 h away 08:00-10:00 leaves 6 h: 4 h x 6/8 = 3 h
    assert officer(away(8, 10)).visit_seconds_on(MONDAY) == 3 * 3600
    # court 10:00-13:00 keeps only 13:00-16:00 (3 h; the 2 h morning is not used):
    # 4 h x 3/8 = 1.5 h
    assert officer(away(10, 13)).visit_seconds_on(MONDAY) == 5400
    # a whole-day block: nothing
    assert officer(away(8, 16)).visit_seconds_on(MONDAY) == 0


# ---- properties ---------------------------------------------------------------------------

minutes = st.integers(min_value=0, max_value=24 * 60 - 1)


def clock(minute: int) -> time:
    return time(minute // 60, minute % 60)


@st.composite
def windows(draw: st.DrawFn) -> ClockWindow:
    start = draw(st.integers(min_value=0, max_value=24 * 60 - 2))
    end = draw(st.integers(min_value=start + 1, max_value=24 * 60 - 1))
    return ClockWindow(start=clock(start), end=clock(end))


@given(
    shift=windows(),
    blocks=st.lists(windows(), max_size=5),
    hours=st.floats(min_value=0, max_value=24, allow_nan=False),
)
def test_the_narrowed_shift_is_inside_the_rostered_one_and_clear_of_every_block(
    shift: ClockWindow, blocks: list[ClockWindow], hours: float
) -> None:
    o = Officer(
        id="OM-A",
        base=HOME,
        shifts=(Shift(day=Weekday.MON, window=shift),),
        visit_hours=hours,
        away=tuple(Away(day=MONDAY, window=b) for b in blocks),
    )
    full = int(round(hours * 3600))
    narrowed = o.shift_on(MONDAY)
    assert o.visit_seconds_on(MONDAY) <= full
    assert o.visit_seconds_on(MONDAY) >= 0
    free = [
        m
        for m in range(shift.start_s // 60, shift.end_s // 60)
        if not any(b.start_s // 60 <= m < b.end_s // 60 for b in blocks)
    ]
    if narrowed is None:
        assert not free  # None only when the blocks cover the whole shift
        assert o.visit_seconds_on(MONDAY) == 0
        return
    w = narrowed.window
    assert shift.start_s <= w.start_s < w.end_s <= shift.end_s
    for b in blocks:
        assert w.end_s <= b.start_s or b.end_s <= w.start_s, (w, b)
    # and it is the longest free stretch: no free run of minutes is longer
    longest = run = 0
    for prev, m in zip([None, *free], free, strict=False):
        run = run + 1 if prev is not None and m == prev + 1 else 1
        longest = max(longest, run)
    assert (w.end_s - w.start_s) // 60 == longest
