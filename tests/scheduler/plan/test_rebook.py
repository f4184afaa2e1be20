"""Rebooking visits the police called off on the rest of their week."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from models import Policy, Register, Rota, Visit
from scheduler.plan.planner import plan_week
from scheduler.plan.rebook import rebook
from scheduler.plan.rules import all_violations
from tests.scheduler.conftest import WEEK, offender, officer, register

FAST = Policy.model_validate({"solver": {"time_per_visit_s": 0.01, "min_team_time_s": 0.05}})


def unit(n: int = 24, pairs: int = 0) -> Register:
    """Two teams of two officers with room to spare; ``pairs`` two-officer offenders."""
    tiers = ["very_high", "high", "medium", "low"]
    offs = [
        offender(
            f"R{i:03d}",
            f"O{i % 4}",
            tier=tiers[i % 4],
            days_since=30 + i % 5,  # all due this week
            dlat=0.004 * (i % 6),
            dlon=0.004 * (i // 6),
            two_officers=i < pairs,
        )
        for i in range(n)
    ]
    ofs = [
        officer(f"O{k}", shifts="mon-sat 08:00-21:00", hours=6, team="a" if k % 2 else "b")
        for k in range(4)
    ]
    return register(offs, ofs)


def signature(v: Visit) -> tuple[object, ...]:
    return (v.offender_id, v.officer_ids, v.date, v.slot)


def first_cancellable(rota: Rota) -> Visit:
    """The week's first visit (not a revisit): the most days left to rebook on."""
    return min((v for v in rota.visits if not v.short_notice), key=lambda v: v.arrival)


def check_rebooking(before: Rota, after: Rota, cancelled: list[Visit], reg: Register) -> None:
    """What a manager relies on after a rebooking of visits called off on one day."""
    day = cancelled[0].date
    ids = {v.offender_id for v in cancelled}
    team = {o.id: o.team for o in reg.officers}
    team_of = {o.id: team[o.manager_id] for o in reg.offenders}
    assert after.violations() == []
    assert all_violations(after, reg, FAST) == []  # shifts, homes, pairs, gender
    # Every offender is still accounted for exactly once, and nobody new appears.
    assert sorted(after.offender_ids()) == sorted(before.offender_ids())
    # Days already worked are untouched, and so is every other team.
    done = [signature(v) for v in before.visits if v.date <= day]
    assert [signature(v) for v in after.visits if v.date <= day] == done
    touched = {team_of[i] for i in ids}
    other = [v for v in before.visits if team_of[v.offender_id] not in touched]
    assert {signature(v) for v in other} <= {signature(v) for v in after.visits}
    # Later visits keep officers, day and time of day, or are listed with a reason.
    kept = {signature(v) for v in after.visits}
    listed = {u.offender_id for u in after.unscheduled}
    for v in before.visits:
        if v.date > day and not v.short_notice:
            assert signature(v) in kept or v.offender_id in listed
    # Rebooked visits come later the same week, at most one per cancelled offender.
    again = [v for v in after.visits if v.rebooked]
    assert all(v.offender_id in ids and v.date > day for v in again)
    assert len({v.offender_id for v in again}) == len(again)
    for d in after.officer_days:
        assert d.busy_s <= d.budget_s


def test_a_cancelled_visit_is_rebooked_later_that_week() -> None:
    reg = unit()
    rota = plan_week(reg, FAST, WEEK, seed=4)
    cancelled = first_cancellable(rota)
    after = rebook(rota, reg, FAST, {cancelled.offender_id}, cancelled.date)
    check_rebooking(rota, after, [cancelled], reg)
    (again,) = [v for v in after.visits if v.rebooked]
    assert again.tier == cancelled.tier and again.due_date == cancelled.due_date
    assert after.unscheduled == rota.unscheduled  # room to spare: nothing displaced
    # The cancelled visit stays in the rota: it was issued and has an outcome.
    assert signature(cancelled) in {signature(v) for v in after.visits}
    # Replays from the plan's seed.
    assert rebook(rota, reg, FAST, {cancelled.offender_id}, cancelled.date) == after


def test_a_two_officer_visit_is_rebooked_with_two_officers() -> None:
    reg = unit(pairs=6)
    rota = plan_week(reg, FAST, WEEK, seed=2)
    cancelled = next(v for v in rota.visits if len(v.officer_ids) == 2 and v.date.weekday() < 4)
    after = rebook(rota, reg, FAST, {cancelled.offender_id}, cancelled.date)
    check_rebooking(rota, after, [cancelled], reg)
    (again,) = [v for v in after.visits if v.rebooked]
    assert len(again.officer_ids) == 2


def test_nothing_cancelled_or_nothing_left_changes_nothing() -> None:
    reg = unit()
    rota = plan_week(reg, FAST, WEEK, seed=4)
    assert rebook(rota, reg, FAST, set(), WEEK) == rota
    # Already visited again later in the week (e.g. a revisit is no rebooking target).
    later = next(v for v in rota.visits if v.date > WEEK)
    assert rebook(rota, reg, FAST, {later.offender_id}, WEEK) == rota
    with pytest.raises(ValueError, match="no day of the week"):
        rebook(rota, reg, FAST, {later.offender_id}, WEEK + timedelta(days=6))


def test_a_rebooking_cannot_be_placed_on_absent_officers() -> None:
    # Every officer of the unit is off for the rest of the week.
    reg = unit()
    rota = plan_week(reg, FAST, WEEK, seed=4)
    cancelled = first_cancellable(rota)
    rest = tuple(cancelled.date + timedelta(days=d) for d in range(1, 7))
    away = reg.model_copy(
        update={"officers": tuple(o.model_copy(update={"absent": rest}) for o in reg.officers)}
    )
    after = rebook(rota, away, FAST, {cancelled.offender_id}, cancelled.date)
    assert not any(v.rebooked for v in after.visits)
    assert not any(v.date > cancelled.date for v in after.visits)
    assert after.violations() == []
    # The visits that went with the absences are listed, so nobody is lost.
    assert sorted(after.offender_ids()) == sorted(rota.offender_ids())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32),
    day=st.integers(0, 4),
    how_many=st.integers(1, 3),
    pairs=st.integers(0, 4),
)
@example(seed=142, day=0, how_many=1, pairs=1)  # a joint visit rebooked with its lead swapped
def test_rebooking_keeps_the_rest_of_the_week(seed: int, day: int, how_many: int, pairs: int):
    reg = unit(pairs=pairs)
    rota = plan_week(reg, FAST, WEEK, seed=seed)
    date = WEEK + timedelta(days=day)
    todays = [v for v in rota.visits if v.date == date and not v.short_notice]
    cancelled = todays[:how_many]
    if not cancelled:
        return
    after = rebook(rota, reg, FAST, {v.offender_id for v in cancelled}, date)
    check_rebooking(rota, after, cancelled, reg)
