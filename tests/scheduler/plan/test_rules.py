"""Each hard rule: satisfied by a planned rota, violated by a hand-broken copy."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import Policy
from scheduler.plan import rules
from scheduler.plan.planner import plan_week
from tests.scheduler.conftest import WEEK, offender, officer, register


@pytest.fixture(scope="module")
def planned():
    policy = Policy.model_validate({"solver": {"time_limit_s": 0.2}})
    offs = [
        offender("R1", "A", unavailable="mon-fri 09:00-17:00"),
        offender("R2", "A", two_officers=True, dlat=0.02),
        offender("R3", "B", officer_gender="female", dlon=-0.02),
        offender("R4", "B", tier="low", days_since=10),
    ]
    reg = register(
        offs,
        [officer("A", shifts="mon-fri 08:00-20:00", gender="male"), officer("B", gender="female")],
    )
    rota = plan_week(reg, policy, WEEK, seed=9)
    assert len(rota.visits) == 3
    return rota, reg, policy


def _with_visit(rota, oid, **update):
    visits = tuple(v.model_copy(update=update) if v.offender_id == oid else v for v in rota.visits)
    return rota.model_copy(update={"visits": visits})


def test_planned_rota_satisfies_every_rule(planned):
    rota, reg, policy = planned
    assert rules.all_violations(rota, reg, policy) == []


def test_everyone_accounted_for_catches_a_lost_offender(planned):
    rota, reg, _ = planned
    lost = rota.model_copy(update={"unscheduled": rota.unscheduled[1:]})
    assert rules.everyone_accounted_for(lost, reg) == [
        f"offender {rota.unscheduled[0].offender_id} is missing from the rota"
    ]


def test_within_shift_catches_a_visit_after_the_shift(planned):
    rota, reg, _ = planned
    v = next(v for v in rota.visits if v.officer_ids == ("B",))
    late = v.arrival.replace(hour=17)
    broken = _with_visit(
        rota, v.offender_id, arrival=late, window_end=late, departure=late + timedelta(hours=1)
    )
    assert len(rules.within_shift(broken, reg)) == 1


def test_two_officers_together_catches_a_lone_officer(planned):
    rota, reg, _ = planned
    broken = _with_visit(rota, "R2", officer_ids=("A",))
    assert rules.two_officers_together(broken, reg) == ["R2: needs two officers, has 1"]


def test_offender_available_catches_a_visit_in_work_hours(planned):
    rota, reg, policy = planned
    v = next(v for v in rota.visits if v.offender_id == "R1")
    noon = v.arrival.replace(hour=12, minute=0)
    broken = _with_visit(
        rota, "R1", arrival=noon, window_end=noon, departure=noon + (v.departure - v.arrival)
    )
    assert len(rules.offender_available(broken, reg, policy)) == 1


def test_gender_requirement_catches_a_wrong_lead(planned):
    rota, reg, _ = planned
    broken = _with_visit(rota, "R3", officer_ids=("A",))
    assert rules.gender_requirement_met(broken, reg) == ["R3: lead officer is not female"]


def test_no_double_booking_catches_overlap(planned):
    rota, _, _ = planned
    a, b = rota.visits[0], rota.visits[1]
    crew = tuple(dict.fromkeys(a.officer_ids + b.officer_ids))[:2]
    broken = _with_visit(
        rota,
        b.offender_id,
        arrival=a.arrival,
        window_end=a.arrival,
        departure=a.departure,
        date=a.date,
        officer_ids=crew,
    )
    broken = _with_visit(broken, a.offender_id, officer_ids=crew)
    assert rules.no_double_booking(broken)


def test_within_visit_hours_catches_an_overfull_day(planned):
    rota, _, _ = planned
    d = rota.officer_days[0]
    over = d.model_copy(update={"busy_s": d.budget_s + 1})
    broken = rota.model_copy(update={"officer_days": (over,) + rota.officer_days[1:]})
    assert len(rules.within_visit_hours(broken)) == 1
