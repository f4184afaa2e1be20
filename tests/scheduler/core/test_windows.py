"""Interval arithmetic and the arrival windows built from it."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from models import Policy
from scheduler.core.windows import intersect, merge, offender_windows, slot_windows, subtract
from scheduler.io.loaders import parse_unavailability
from tests.scheduler.conftest import offender

spans = st.lists(
    st.tuples(st.integers(0, 60), st.integers(1, 20)).map(lambda t: (t[0], t[0] + t[1])), max_size=6
)


def points(iv):
    return {x for s, e in iv for x in range(s, e)}


@given(spans, spans)
def test_intersect_and_subtract_agree_with_sets(a, b):
    a, b = merge(a), merge(b)
    assert points(intersect(a, b)) == points(a) & points(b)
    assert points(subtract(a, b)) == points(a) - points(b)


@given(spans)
def test_merge_is_sorted_disjoint_and_keeps_points(a):
    m = merge(a)
    assert points(m) == points(a)
    assert all(x[1] < y[0] for x, y in zip(m, m[1:], strict=False))


def test_weekend_slots_close_when_policy_says_so():
    saturday = date(2026, 12, 5)
    assert slot_windows(Policy(), saturday) == [(8 * 3600, 21 * 3600)]
    assert slot_windows(Policy(weekends=False), saturday) == []


def test_offender_windows_leave_room_for_the_whole_visit():
    # Works 09:00-17:00: a 60-min visit may start 08:00..08:00 (ends by 09:00) or from 17:00.
    o = offender("R", "A", unavailable="mon-fri 09:00-17:00")
    monday = date(2026, 11, 30)
    assert offender_windows(o, Policy(), monday, 3600) == [
        (8 * 3600, 8 * 3600 + 1),
        (17 * 3600, 21 * 3600),
    ]
    assert (
        offender_windows(
            o.model_copy(update={"unavailable": parse_unavailability("2026-11-30")}),
            Policy(),
            monday,
            3600,
        )
        == []
    )
