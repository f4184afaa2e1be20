"""Re-planning the rest of a week: pins kept, absences moved with few changes, urgent
visits met or refused with a reason, re-planned timings as random as planned ones."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from models import Rota, Visit
from scheduler.plan.planner import plan_week
from scheduler.plan.replan import DayState, Fix, Urgent, replan
from scheduler.plan.rules import all_violations
from scheduler.plan.urgent import urgent_refusal
from tests.scheduler.conftest import WEEK
from tests.scheduler.plan.test_rebook import FAST, unit

START = WEEK + timedelta(days=1)  # Tuesday


@pytest.fixture(scope="module")
def week():
    reg = unit(60)
    return reg, plan_week(reg, FAST, WEEK, seed=3)


def sig(v: Visit) -> tuple[object, ...]:
    return (v.officer_ids, v.date, v.slot)


def later(rota: Rota) -> dict[str, Visit]:
    return {v.offender_id: v for v in rota.visits if v.date >= START and not v.short_notice}


def busiest_officer(rota: Rota) -> str:
    return Counter(v.officer_ids[0] for v in later(rota).values()).most_common(1)[0][0]


def test_nothing_to_replan_changes_nothing(week):
    reg, rota = week
    result = replan(rota, reg, FAST, START, DayState(), seed=1)
    assert result.changes == [] and result.teams == []
    assert [sig(v) for v in result.rota.visits] == [sig(v) for v in rota.visits]


def test_an_absence_changes_only_what_it_must_and_less_than_from_scratch(week):
    reg, rota = week
    officer = busiest_officer(rota)
    away = {officer: {START, START + timedelta(days=1)}}
    result = replan(rota, reg, FAST, START, DayState(absences=away), seed=5)
    assert result.rota.violations() == [] and all_violations(result.rota, reg, FAST) == []
    for v in result.rota.visits:  # nobody visits on a day away
        assert not (officer in v.officer_ids and v.date in away[officer])
    # Past days untouched.
    assert [sig(v) for v in result.rota.visits if v.date < START] == [
        sig(v) for v in rota.visits if v.date < START
    ]
    affected = [
        v for v in later(rota).values() if officer in v.officer_ids and v.date in away[officer]
    ]
    assert affected
    assert {v.offender_id for v in affected} <= {c.offender_id for c in result.changes}
    # A from-scratch plan of the same week with the absence moves far more visits.
    absent_reg = reg.model_copy(
        update={
            "officers": tuple(
                o.model_copy(update={"absent": tuple(sorted(away[o.id]))}) if o.id == officer else o
                for o in reg.officers
            )
        }
    )
    scratch = later(plan_week(absent_reg, FAST, WEEK, seed=11))
    before = later(rota)
    scratch_changes = sum(
        1 for oid, v in before.items() if oid not in scratch or sig(scratch[oid]) != sig(v)
    )
    assert len(result.changes) <= len(affected) + 3
    assert len(result.changes) < scratch_changes


def test_pinned_visits_are_unchanged_by_any_replan(week):
    reg, rota = week
    officer = busiest_officer(rota)
    visits = sorted(later(rota).values(), key=lambda v: v.arrival)
    kept = next(v for v in visits if officer not in v.officer_ids)
    moved_by_hand = next(v for v in visits if officer in v.officer_ids and v.date == START)
    other = kept.officer_ids[0]  # a swap by hand to another officer of the team
    pins = [
        Fix(kept.offender_id, kept.officer_ids[0], kept.date, kept.slot),
        Fix(moved_by_hand.offender_id, other, START + timedelta(days=2), "afternoon"),
    ]
    for seed in range(3):
        away = {officer: {START}}
        result = replan(rota, reg, FAST, START, DayState(absences=away, pins=pins), seed=seed)
        new = later(result.rota)
        for p in pins:
            v = new[p.offender_id]
            assert (v.officer_ids[0], v.date, v.slot) == (p.officer_id, p.date, p.slot)


def test_an_urgent_visit_is_made_before_its_deadline(week):
    reg, rota = week
    unvisited = next(u for u in rota.unscheduled if u.reason.value == "not_due")
    deadline = datetime.combine(START, datetime.min.time()) + timedelta(hours=48)
    urgent = Urgent(unvisited.offender_id, deadline)
    result = replan(rota, reg, FAST, START, DayState(urgent=[urgent]), seed=2)
    made = [v for v in result.rota.visits if v.offender_id == urgent.offender_id]
    assert result.missed_urgent == []
    assert len(made) == 1 and made[0].date >= START and made[0].arrival <= deadline
    assert result.rota.violations() == []


def test_an_urgent_visit_that_cannot_be_made_is_refused_with_its_reason(week):
    reg, rota = week
    unvisited = next(u for u in rota.unscheduled if u.reason.value == "not_due")
    # Two hours after 06:00 on Tuesday: nobody's shift starts before 08:00.
    deadline = datetime.combine(START, datetime.min.time()) + timedelta(hours=8)
    urgent = Urgent(unvisited.offender_id, deadline)
    result = replan(rota, reg, FAST, START, DayState(urgent=[urgent]), seed=2)
    assert result.missed_urgent == [urgent]
    why = urgent_refusal(urgent, result.rota, reg, FAST, START, {})
    assert "no officer" in why and "on duty" in why and "later deadline" in why


def test_a_two_officer_urgent_visit_with_one_officer_free_names_him(week):
    reg, rota = week
    unvisited = next(u for u in rota.unscheduled if u.reason.value == "not_due")
    off = next(o for o in reg.offenders if o.id == unvisited.offender_id)
    team = next(o.team for o in reg.officers if o.id == off.manager_id)
    mates = [o.id for o in reg.officers if o.team == team]
    away = {m: {START, START + timedelta(days=1)} for m in mates[1:]}
    deadline = datetime.combine(START, datetime.min.time()) + timedelta(hours=40)
    urgent = Urgent(off.id, deadline, two_officers=True)
    result = replan(rota, reg, FAST, START, DayState(absences=away, urgent=[urgent]), seed=4)
    assert result.missed_urgent == [urgent]
    why = urgent_refusal(urgent, result.rota, reg, FAST, START, away)
    assert "two officers are needed" in why and mates[0] in why


def test_moved_visits_land_in_drawn_slots_as_randomly_as_planned_ones(week):
    """Over many re-plans, the slots moved visits land in follow the policy's slot
    shares (chi-square against the planned mix), not one convenient slot."""
    reg, rota = week
    officer = busiest_officer(rota)
    slots: Counter[str] = Counter()
    for seed in range(12):
        away = {officer: {START, START + timedelta(days=1)}}
        result = replan(rota, reg, FAST, START, DayState(absences=away), seed=seed)
        slots.update(c.after.slot for c in result.changes if c.after is not None and c.time_changed)
    assert sum(slots.values()) >= 12
    assert len(slots) >= 2  # more than one time of day
    top = slots.most_common(1)[0][1] / sum(slots.values())
    assert top < 0.8
