"""The outcome state machine (scheduler.history.state): what each outcome does to an offender's
last successful visit, failed attempts in a row and whereabouts, and how the register and
the history combine."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import OffenderStatus, Policy, VisitOutcome
from scheduler.history.state import Condition, History, OutcomeEvent, replay, standing
from tests.scheduler.conftest import WEEK, offender

Out = VisitOutcome
D0 = date(2026, 11, 2)


def ev(day: int, outcome: VisitOutcome, oid: str = "R", **kw) -> OutcomeEvent:
    return OutcomeEvent(oid, D0 + timedelta(days=day), outcome, seq=day, **kw)


def test_completed_sets_last_success_and_clears_failures():
    h = replay([ev(0, Out.NO_ANSWER), ev(3, Out.REFUSED_ENTRY), ev(7, Out.COMPLETED)], Policy())
    assert h.last_success == D0 + timedelta(days=7)
    assert h.failed_entries == ()
    assert h.outcomes == 3


def test_failed_entries_accumulate_in_a_row_with_their_slot():
    h = replay([ev(0, Out.NO_ANSWER, slot="morning"), ev(3, Out.REFUSED_ENTRY)], Policy())
    assert [a.outcome for a in h.failed_entries] == [Out.NO_ANSWER, Out.REFUSED_ENTRY]
    assert h.failed_entries[0].slot == "morning"
    assert h.failed_entries[0].weekday == D0.weekday()


@pytest.mark.parametrize("breaker", [Out.NOT_AT_ADDRESS, Out.IN_CUSTODY, Out.COMPLETED])
def test_any_other_attempt_breaks_the_run_of_failures(breaker):
    h = replay([ev(0, Out.NO_ANSWER), ev(2, breaker), ev(4, Out.NO_ANSWER)], Policy())
    assert len(h.failed_entries) == 1


def test_cancelled_by_police_changes_nothing():
    before = replay([ev(0, Out.NO_ANSWER)], Policy())
    after = replay([ev(0, Out.NO_ANSWER), ev(1, Out.CANCELLED_BY_POLICE)], Policy())
    assert after.failed_entries == before.failed_entries
    assert after.last_success == before.last_success and after.condition is None


def test_order_of_input_does_not_matter():
    evs = [ev(5, Out.COMPLETED), ev(0, Out.NO_ANSWER), ev(9, Out.NO_ANSWER)]
    assert replay(evs, Policy()) == replay(sorted(evs, key=lambda e: e.date), Policy())
    assert len(replay(evs, Policy()).failed_entries) == 1


def test_away_outcomes_get_a_recheck_date_from_policy_or_the_outcome():
    p = Policy()
    h = replay([ev(0, Out.IN_CUSTODY)], p)
    assert h.condition == Condition(OffenderStatus.IN_CUSTODY, D0, D0 + timedelta(days=28))
    h = replay([ev(0, Out.ABROAD, recheck=D0 + timedelta(days=3))], p)
    assert h.condition is not None and h.condition.recheck == D0 + timedelta(days=3)
    h = replay([ev(0, Out.NOT_AT_ADDRESS)], p)
    assert h.condition == Condition(OffenderStatus.MISSING, D0, None)


def test_standing_merges_register_and_history():
    off = offender("R", "A", tier="high", days_since=100)  # register: last visit WEEK-100
    hist = History.from_events([ev(0, Out.COMPLETED, arms_done=True)], Policy())
    s = standing(off, hist, WEEK)
    assert s.offender.last_visit == D0 and s.arms_done is True
    # A register last visit later than the history wins; failures before it are void.
    newer = offender("R", "A", tier="high", days_since=1)
    hist = History.from_events([ev(0, Out.NO_ANSWER), ev(1, Out.IN_CUSTODY)], Policy())
    s = standing(newer, hist, WEEK)
    assert s.offender.last_visit == WEEK - timedelta(days=1)
    assert s.failed_entries == () and s.condition is None
    assert s.offender.status is OffenderStatus.ACTIVE


def test_custody_holds_until_its_recheck_date_then_lapses():
    off = offender("R", "A", days_since=200)
    hist = History.from_events([ev(0, Out.IN_CUSTODY, recheck=D0 + timedelta(days=10))], Policy())
    during = standing(off, hist, D0 + timedelta(days=9))
    assert during.offender.status is OffenderStatus.IN_CUSTODY and during.lapsed is None
    after = standing(off, hist, D0 + timedelta(days=10))
    assert after.offender.status is OffenderStatus.ACTIVE
    assert after.lapsed is not None and after.lapsed.status is OffenderStatus.IN_CUSTODY


def test_missing_on_the_register_is_never_overridden():
    off = offender("R", "A", status=OffenderStatus.MISSING)
    hist = History.from_events([ev(0, Out.IN_HOSPITAL)], Policy())
    assert standing(off, hist, D0).offender.status is OffenderStatus.MISSING
    assert standing(off, None, D0).offender is off
