"""Slot mix: visits drawn over (weekday, slot) as evenly as the unit's shifts can carry."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from models import ClockWindow, Policy, Unavailability, Weekday, WeeklyWindow
from scheduler.plan.due import select_due
from scheduler.timing.baseline import slot_distribution
from scheduler.timing.slot_mix import (
    available_pairs,
    drawing_policy,
    expected_load,
    slot_mix,
    staffed_hours,
    water_fill,
)
from tests.scheduler.conftest import WEEK, offender, officer

caps_and_wants = st.integers(1, 12).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(0.01, 5.0), min_size=n, max_size=n),
        st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n),
    )
)


@settings(max_examples=200, deadline=None)
@given(caps_and_wants)
def test_water_fill_is_a_distribution_within_the_caps(
    case: tuple[list[float], list[float]],
) -> None:
    wanted, caps = case
    p = water_fill(wanted, caps)
    assert p.sum() == pytest.approx(1.0)
    assert np.all(p >= -1e-12)
    if sum(caps) > 1.0 + 1e-9:
        assert np.all(p <= np.asarray(caps) + 1e-9)
        # Every pair below its cap gets the same multiple of what it wants: the level.
        free = p < np.asarray(caps) - 1e-7
        ratios = p[free] / np.asarray(wanted)[free]
        assert np.ptp(ratios) <= 1e-6 * max(ratios.max(), 1.0) if free.any() else True
    elif sum(caps) > 0:  # overloaded: in proportion to what each pair can carry
        np.testing.assert_allclose(p, np.asarray(caps) / sum(caps), atol=1e-9)
    else:  # nothing staffed anywhere: even
        np.testing.assert_allclose(p, 1 / len(caps))


def test_water_fill_is_the_wanted_mix_when_nothing_binds() -> None:
    np.testing.assert_allclose(water_fill([1, 1, 2], [1, 1, 1]), [0.25, 0.25, 0.5])
    # One thin pair: it gets its cap, the others share the rest evenly.
    np.testing.assert_allclose(water_fill([1, 1, 1], [1, 1, 0.1]), [0.45, 0.45, 0.1])


def test_staffed_hours_count_each_shifts_overlap_with_the_slot() -> None:
    policy = Policy()
    day = officer("D", "mon 08:00-16:00", hours=4.0)
    late = officer("L", "mon 14:00-22:00", hours=4.0)
    hours = staffed_hours(policy, [day, late])
    # Visiting share of an 8-hour shift is 4/8; a visit (at least 45 min) starts in the
    # slot and ends in the shift. Morning 08:00-12:00: the day shift, 4 h of starts.
    assert hours[(Weekday.MON, "morning")] == pytest.approx(0.5 * 4)
    # Afternoon 12:00-17:00: day shift starts 12:00-15:15, late shift 14:00-17:00.
    assert hours[(Weekday.MON, "afternoon")] == pytest.approx(0.5 * 3.25 + 0.5 * 3)
    # Evening 17:00-21:00: only the late shift (it ends at 22:00).
    assert hours[(Weekday.MON, "evening")] == pytest.approx(0.5 * 4)
    assert hours[(Weekday.TUE, "morning")] == 0.0


def test_thinly_staffed_evenings_draw_fewer_visits_the_more_loaded_the_unit() -> None:
    policy = Policy()
    staff = [officer(f"D{i}", "mon-fri 08:00-16:00") for i in range(4)]
    staff.append(officer("L", "mon-fri 14:00-22:00"))
    light = slot_mix(policy, staff, load=0.1)
    full = slot_mix(policy, staff, load=1.0)
    evening = (Weekday.WED, "evening")
    # Lightly loaded: every pair can carry an even share (1/15).
    assert light[evening] == pytest.approx(1 / 15)
    # Fully loaded: each pair takes its share of the staffed hours, evenings far less.
    hours = staffed_hours(policy, staff)
    assert full[evening] == pytest.approx(hours[evening] / sum(hours.values()))
    assert full[evening] < light[evening] / 2


def test_expected_load_counts_attempts_visit_time_and_two_officer_visits() -> None:
    policy = Policy(failed_visit_share=0.0)
    staff = [officer("A", "mon-fri 08:00-16:00", hours=4.0)]  # 20 visit hours a week
    one = [offender("R", "A", tier="very_high")]
    two = [offender("R", "A", tier="very_high", two_officers=True)]
    base = expected_load(one, staff, policy)
    # One very-high visit every 21 days (0.75 x 28) of 90 minutes, with travel allowance.
    assert base == pytest.approx(7 / 21 * 1.5 * 1.5 / 20, rel=1e-6)
    assert expected_load(two, staff, policy) == pytest.approx(2 * base)
    assert expected_load(one, staff, Policy(failed_visit_share=0.2)) == pytest.approx(base / 0.8)


def test_drawn_slots_follow_the_staffed_mix() -> None:
    """Chi-square over (weekday, slot) of many drawn visits against the drawing mix."""
    staff = [officer(f"D{i}", "mon-fri 08:00-16:00") for i in range(3)]
    staff.append(officer("L", "tue,thu 14:00-22:00"))
    offenders = [offender(f"R{i}", "D0", tier="very_high", days_since=27) for i in range(6000)]
    drawing = drawing_policy(Policy(visit_options=1), staff, offenders[:50])
    due, _ = select_due(offenders, drawing, WEEK, rng=np.random.default_rng(4))
    seen = Counter((Weekday(dv.options[0][0]), dv.options[0][1]) for dv in due if dv.options)
    dist = slot_distribution(drawing)
    # The day comes from the gap draw (here Monday, the due day); compare the slots
    # drawn on it with the mix's shares on that weekday.
    monday = {k: v for k, v in dist.items() if k[0] == 0}
    names = sorted(n for _, n in monday)
    observed = [seen[(Weekday.MON, n)] for n in names]
    share = np.array([monday[(0, n)] for n in names])
    expected = share / share.sum() * sum(observed)
    keep = expected > 0
    assert stats.chisquare(np.array(observed)[keep], expected[keep]).pvalue > 0.001
    assert seen[(Weekday.MON, "evening")] == 0  # nobody works Monday evening
    # The drawing policy is recorded as plain per-weekday shares.
    assert all(s.day_share for s in drawing.slots)


def test_available_pairs_follow_the_offenders_weekly_hours_away() -> None:
    policy = Policy()
    free = offender("F", "A")
    assert len(available_pairs(free, policy)) == 21
    worker = offender("W", "A", tier="high").model_copy(
        update={
            "unavailable": Unavailability(
                weekly=(
                    WeeklyWindow(
                        days=frozenset(Weekday(d) for d in range(5)),
                        window=ClockWindow.model_validate({"start": "09:00", "end": "17:00"}),
                    ),
                )
            )
        }
    )
    pairs = available_pairs(worker, policy)
    # Weekdays 09:00-17:00 away: a 75-minute visit cannot start in the morning (08:00
    # leaves 60 minutes) or the afternoon; evenings and the weekend are free.
    assert {(d, "evening") for d in range(5)} <= pairs
    assert not {(d, s) for d in range(5) for s in ("morning", "afternoon")} & pairs
    assert {(d, s) for d in (5, 6) for s in ("morning", "afternoon", "evening")} <= pairs
