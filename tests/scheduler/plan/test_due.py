"""Due selection: who is due, by when, and in what order of urgency."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from models import GapShape, Policy, RiskTier, UnscheduledReason
from scheduler.plan.due import due_date, select_due, urgency
from scheduler.timing.slot_mix import drawing_policy
from tests.scheduler.conftest import WEEK, offender, officer


def RNG() -> np.random.Generator:
    return np.random.default_rng(0)


def test_due_date_is_last_visit_plus_interval_or_override():
    p = Policy()
    o = offender("R", "A", tier="high", days_since=50)
    assert due_date(o, p, WEEK) == WEEK - timedelta(days=50) + timedelta(days=91)
    o2 = o.model_copy(update={"interval_days": 30})
    assert due_date(o2, p, WEEK) == WEEK - timedelta(days=20)
    assert due_date(offender("N", "A", days_since=None), p, WEEK) == WEEK


def test_due_within_the_week_is_selected_and_later_is_not():
    p = Policy(gap_shape=GapShape.FIXED)  # visits on the due date: no secret draw
    # high = 91 days: due on Sunday (day 6) -> due; due next Monday (day 7) -> not due.
    on_sunday = offender("sun", "A", tier="high", days_since=91 - 6)
    next_monday = offender("mon", "A", tier="high", days_since=91 - 7)
    due, rest = select_due([on_sunday, next_monday], p, WEEK, rng=RNG())
    assert [d.offender_id for d in due] == ["sun"]
    assert rest[0].reason is UnscheduledReason.NOT_DUE


def test_a_hard_to_staff_joint_visit_due_next_week_is_booked_this_week():
    p = Policy(gap_shape=GapShape.FIXED)  # visits on the due date: no secret draw
    evenings = "mon-fri 08:00-18:00"  # at home only in the evenings and at weekends
    kw = {"tier": "high", "two_officers": True, "unavailable": evenings}
    next_week = offender("next", "A", days_since=91 - 9, **kw)
    in_two_weeks = offender("later", "A", days_since=91 - 15, **kw)
    anytime = offender("anytime", "A", tier="high", two_officers=True, days_since=91 - 9)
    alone = offender("alone", "A", tier="high", unavailable=evenings, days_since=91 - 9)
    due, rest = select_due([next_week, in_two_weeks, anytime, alone], p, WEEK, rng=RNG())
    assert [d.offender_id for d in due] == ["next"]
    assert due[0].due_date == WEEK + timedelta(days=9)
    assert {u.offender_id for u in rest if u.reason is UnscheduledReason.NOT_DUE} == {
        "later",
        "anytime",
        "alone",
    }


def test_a_visit_only_one_evening_a_week_can_make_due_next_week_is_booked_this_week():
    # At home only on weekday evenings; the unit staffs evenings on Monday alone: the due
    # week holds one chance, so the visit is booked a week early. With late shifts on
    # four evenings the due week has chances enough, and the secret draw decides.
    evenings = "mon-fri 08:00-18:00"
    alone = offender("alone", "A", tier="high", unavailable=evenings, days_since=91 - 9)
    fixed = Policy(gap_shape=GapShape.FIXED)  # visits on the due date: no secret draw
    one_evening = drawing_policy(fixed, [officer("A"), officer("L", "mon 12:00-20:00")])
    due, _ = select_due([alone], one_evening, WEEK, rng=RNG())
    assert [(d.offender_id, d.due_date) for d in due] == [("alone", WEEK + timedelta(days=9))]
    four_evenings = drawing_policy(fixed, [officer("A"), officer("L", "mon-thu 12:00-20:00")])
    due, rest = select_due([alone], four_evenings, WEEK, rng=RNG())
    assert due == [] and rest[0].reason is UnscheduledReason.NOT_DUE


def test_a_visit_no_officer_can_make_next_week_is_booked_this_week():
    # Due next Wednesday (day 9); the secret draw would leave it to next week. If the
    # unit's officers cannot make it next week (all on leave), it is booked now; a visit
    # due later is left to its own week whatever next week holds.
    fixed = Policy(gap_shape=GapShape.FIXED)  # visits on the due date: no secret draw
    soon = offender("soon", "A", tier="high", days_since=91 - 9)
    later = offender("later", "A", tier="high", days_since=91 - 15)
    asked: list[str] = []

    def nobody(off):  # type: ignore[no-untyped-def]
        asked.append(off.id)
        return False

    due, rest = select_due([soon, later], fixed, WEEK, rng=RNG(), next_week_cover=nobody)
    assert [(d.offender_id, d.due_date) for d in due] == [("soon", WEEK + timedelta(days=9))]
    assert len(due[0].options) == fixed.visit_options  # drawn anywhere in this week
    assert [u.offender_id for u in rest] == ["later"] and asked == ["soon"]
    due, _ = select_due([soon, later], fixed, WEEK, rng=RNG(), next_week_cover=lambda o: True)
    assert due == []


def test_every_higher_tier_outranks_any_lower_tier_however_overdue():
    p = Policy()
    worst_low = offender("low", "A", tier="low", days_since=5000, mappa_level=3)
    fresh_medium = offender("med", "A", tier="medium", days_since=182)
    u_low = urgency(worst_low, p, due_date(worst_low, p, WEEK), WEEK)
    u_med = urgency(fresh_medium, p, due_date(fresh_medium, p, WEEK), WEEK)
    assert u_med > u_low


@given(
    tier=st.sampled_from(list(RiskTier)),
    days=st.lists(st.integers(0, 5000), min_size=2, max_size=2).map(sorted),
    mappa=st.integers(1, 3),
)
def test_urgency_never_falls_as_a_visit_nears_and_passes_its_deadline(tier, days, mappa):
    p = Policy()
    fresh, stale = (
        offender(f"o{d}", "A", tier=tier.value, days_since=d, mappa_level=mappa) for d in days
    )
    u_fresh = urgency(fresh, p, due_date(fresh, p, WEEK), WEEK)
    u_stale = urgency(stale, p, due_date(stale, p, WEEK), WEEK)
    assert u_fresh <= u_stale <= 2 * 1.5 * p.urgency_weight[tier]


def test_a_visit_due_this_week_outranks_one_due_later_and_an_overdue_one_outranks_both():
    p = Policy()
    later = offender("later", "A", days_since=91 - 9)  # due next Wednesday
    soon = offender("soon", "A", days_since=91 - 6)  # due this Sunday
    over = offender("over", "A", days_since=91 + 1)  # a day overdue
    u = {o.id: urgency(o, p, due_date(o, p, WEEK), WEEK) for o in (later, soon, over)}
    assert u["later"] < u["soon"] < u["over"]
    assert u["soon"] == 1.5 * u["later"]


def test_more_overdue_is_more_urgent_within_a_tier():
    p = Policy()
    a, b = offender("a", "A", days_since=100), offender("b", "A", days_since=150)
    due, _ = select_due([a, b], p, WEEK, rng=RNG())
    assert [d.offender_id for d in due] == ["b", "a"]


@given(
    shape=st.sampled_from(list(GapShape)),
    tier=st.sampled_from(list(RiskTier)),
    passed=st.integers(1, 400),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_cached_gap_draw_is_the_plain_draw(shape, tier, passed, seed):
    """The cached cumulative sums and bisection draw what ``draw_index`` draws on the
    conditioned distribution, from the same generator state: a faster due selection,
    the same plan."""
    from scheduler.plan.draws import draw_index
    from scheduler.plan.due import _conditional_gap, _draw_from_cumulative, _gap_pmf
    from scheduler.timing.gaps import conditional_gap_pmf

    p = Policy()
    key = (shape, p.interval_for(tier, None), p.gap_mean_share[tier], p.failed_visit_share)
    plain = conditional_gap_pmf(_gap_pmf(*key), passed)
    cond, cum = _conditional_gap(*key, passed)
    assert np.array_equal(cond, plain)
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    assert [_draw_from_cumulative(a, cum) for _ in range(5)] == [
        draw_index(b, plain) for _ in range(5)
    ]
