"""Two-officer bookings (scheduler.plan.pairs): where a joint visit can start on an
officer-day that already holds booked joint visits, and which crew, day and time each
joint visit of a week gets."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from models import Policy, Register, Rota, UnscheduledReason
from scheduler.plan.pairs import added_work, free_starts
from scheduler.plan.planner import plan_week
from scheduler.plan.rules import all_violations
from tests.scheduler.conftest import WEEK, offender, officer, register

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


# ---- booking two-officer visits in a week's plan ---------------------------------------


def _joint_week(seed: int, a_unavailable: str = "") -> tuple[Rota, Register]:
    """Two late officers (L1 leads both visits' offenders) with two hours of
    visit time on Monday evening, enough for one joint visit, and two day officers.
    A: very high risk, any time; B: high risk, at home only after 17:00."""
    reg = register(
        [
            offender(
                "A", "L1", "very_high", days_since=40, two_officers=True, unavailable=a_unavailable
            ),
            offender(
                "B",
                "L1",
                "high",
                days_since=100,
                two_officers=True,
                unavailable="mon-fri 08:00-17:00",
            ),
        ],
        [
            officer("L1", "mon 16:00-20:00", hours=2.0),
            officer("L2", "mon 16:00-20:00", hours=2.0),
            officer("D1"),
            officer("D2"),
        ],
    )
    return plan_week(reg, Policy(), WEEK, seed=seed), reg


@given(seed=st.integers(0, 2**32))
@settings(max_examples=15, deadline=None)
def test_an_urgent_joint_visit_gives_way_to_one_only_the_late_pair_can_make(seed: int) -> None:
    # Booked most urgent first, A takes the late pair (its manager leads, so the
    # cheapest crew) and leaves nobody for B. A moves to the day officers instead.
    rota, reg = _joint_week(seed)
    assert all_violations(rota, reg, Policy()) == []
    crews = {v.offender_id: set(v.officer_ids) for v in rota.visits}
    assert crews == {"A": {"D1", "D2"}, "B": {"L1", "L2"}}


def test_a_joint_visit_keeps_its_booking_when_no_other_crew_can_take_it() -> None:
    # Both need the one late evening: the more urgent one keeps it, the other is left
    # out with a reason, and nothing is double-booked.
    rota, reg = _joint_week(3, a_unavailable="mon-fri 08:00-17:00")
    assert all_violations(rota, reg, Policy()) == []
    assert [v.offender_id for v in rota.visits] == ["A"]
    assert [(u.offender_id, u.reason) for u in rota.unscheduled] == [
        ("B", UnscheduledReason.CAPACITY)
    ]


@given(seed=st.integers(0, 2**32))
@settings(max_examples=15, deadline=None)
def test_a_joint_visit_whose_drawn_times_nobody_can_reach_gets_every_time_back(
    seed: int,
) -> None:
    # At home only before 09:00 and after 17:00 on weekdays: a 60-minute visit drawn in
    # a morning could only start at 08:00 sharp, when the day officers are just leaving
    # their base. The booking falls back to the evening instead of being left out.
    reg = register(
        [
            offender(
                "B",
                "L1",
                "medium",
                days_since=200,
                two_officers=True,
                unavailable="mon-fri 09:00-17:00",
            )
        ],
        [
            officer("L1", "mon 12:00-20:00"),
            officer("L2", "mon 12:00-20:00"),
            officer("D1"),
            officer("D2"),
        ],
    )
    rota = plan_week(reg, Policy(), WEEK, seed=seed)
    assert all_violations(rota, reg, Policy()) == []
    assert [(v.offender_id, set(v.officer_ids)) for v in rota.visits] == [("B", {"L1", "L2"})]
