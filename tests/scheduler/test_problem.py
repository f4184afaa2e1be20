"""Two-officer bookings (scheduler.problem): where a joint visit can start on an
officer-day that already holds booked joint visits."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from scheduler.problem import added_work, free_starts

H = 3600
#: Base 0 and two homes 1, 2: 20 minutes from the base, a minute from each other.
TRAVEL = np.array([[0, 1200, 1200], [1200, 0, 60], [1200, 60, 0]])
#: Officer 0 on Monday, 12:00-20:00, six visit hours.
LATE = (0, 0, 12 * H, 20 * H, 6 * H)


def test_a_second_joint_visit_chains_after_the_first_instead_of_a_round_trip() -> None:
    # Booked: home 1, 17:00-18:00. A round trip per visit would leave 18:40 as the only
    # start for home 2 (back to base and out again, and back by 20:00), no quarter hour.
    day = [(17 * H, 18 * H, 1)]
    used = added_work(0, [], 17 * H, H, 1, TRAVEL)
    assert used == H + 2400
    free = free_starts(LATE, day, used, H, 2, TRAVEL)
    # Before: from 12:20 until it must leave for home 1 (ends by 16:59); after: from
    # 18:01 (a minute's drive) until 18:40 (back at the base by 20:00).
    assert free == [(12 * H + 1200, 17 * H - H - 60 + 1), (18 * H + 60, 20 * H - H - 1200 + 1)]
    assert 18 * H + 15 * 60 in range(*free[1])
    # Chained, it adds the visit and the one-minute detour, not another round trip.
    assert added_work(0, day, 18 * H + 15 * 60, H, 2, TRAVEL) == H + 60


def test_no_start_once_the_visit_hours_are_used() -> None:
    day = [(17 * H, 18 * H, 1)]
    assert free_starts(LATE, day, 6 * H - H, H, 2, TRAVEL) == []
    # A second short of the visit and its detour: nothing; exactly enough: it fits.
    assert free_starts(LATE, day, 6 * H - (H + 60) + 1, H, 2, TRAVEL) == []
    assert free_starts(LATE, day, 6 * H - (H + 60), H, 2, TRAVEL) != []


@given(
    t1=st.integers(12 * H, 19 * H).map(lambda t: t - t % 900),
    service=st.sampled_from([45 * 60, 60 * 60, 75 * 60, 90 * 60]),
)
def test_every_free_start_leaves_the_drives_and_the_shift_intact(t1: int, service: int) -> None:
    day = [(t1, t1 + service, 1)] if t1 + service + 1200 <= 20 * H else []
    used = sum(added_work(0, [], s, e - s, n, TRAVEL) for s, e, n in day)
    for lo, hi in free_starts(LATE, day, used, service, 2, TRAVEL):
        for t in (lo, hi - 1):
            assert t >= 12 * H + 1200 and t + service + 1200 <= 20 * H  # from and to base
            for s, e, _ in day:  # clear of the booked visit, with the drive between
                assert t + service + 60 <= s or t >= e + 60
