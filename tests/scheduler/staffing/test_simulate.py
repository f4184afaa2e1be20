"""The multi-week simulation: reproducible, on time with room to spare, and growing
overdue counts when there is none."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from models import OffenderStatus, Policy, RiskTier, VisitOutcome
from scheduler.io.loaders import parse_unavailability
from scheduler.staffing.result import TIERS, Measure, visit_rows
from scheduler.staffing.simulate import PlannedWeek, simulate
from scheduler.staffing.week_measure import attempted_on_time
from scheduler.timing.gaps import gap_pmf
from tests.scheduler.conftest import BASE, NO_EVENTS, WEEK, offender, officer, register

FAST = Policy.model_validate({"solver": {"time_per_visit_s": 0.01, "min_team_time_s": 0.05}})


def small_unit(n: int, officers: int, hours: float, spread: float = 0.004):
    tiers = ["very_high", "high", "medium", "low"]
    offs = [
        offender(
            f"R{i:03d}",
            f"O{i % officers}",
            tier=tiers[i % 4],
            days_since=1 + (i * 7) % 25,
            dlat=spread * (i % 7),
            dlon=spread * (i // 7),
        )
        for i in range(n)
    ]
    ofs = [officer(f"O{k}", shifts="mon-sat 08:00-21:00", hours=hours) for k in range(officers)]
    return register(offs, ofs)


def test_a_seeded_simulation_replays_exactly() -> None:
    reg = small_unit(20, 2, 6)
    a = simulate(reg, FAST, WEEK, 4, seed=11)
    b = simulate(reg, FAST, WEEK, 4, seed=11)
    assert [w.flat() for w in a.weeks] == [w.flat() for w in b.weeks]
    assert visit_rows(a) == visit_rows(b)
    c = simulate(reg, FAST, WEEK, 4, seed=12)
    assert visit_rows(a) != visit_rows(c)


def test_generous_staffing_keeps_everyone_on_time() -> None:
    reg = small_unit(24, 3, 8)
    result = simulate(reg, FAST, WEEK, 10, seed=3, rates=NO_EVENTS, warmup_weeks=1)
    assert len(result.visits) >= 20
    assert all(sum(w.overdue.values()) == 0 for w in result.weeks)
    assert result.compliance()["all"] == 1.0
    assert all(w.shortfall == 0 for w in result.weeks)
    # Successful gaps never exceed the interval when capacity allows.
    last: dict[str, object] = {}
    for v in sorted(result.visits, key=lambda v: v.date):
        if v.outcome.is_success:
            if v.offender_id in last:
                assert (v.date - last[v.offender_id]).days <= FAST.interval_days[v.tier]
            last[v.offender_id] = v.date


def test_with_no_spare_capacity_overdue_counts_grow() -> None:
    reg = small_unit(60, 1, 0.75, spread=0.02)
    result = simulate(reg, FAST, WEEK, 8, seed=5, rates=NO_EVENTS)
    overdue = [sum(w.overdue.values()) for w in result.weeks]
    assert overdue[-1] > overdue[0]
    assert overdue == sorted(overdue)
    assert result.compliance()["all"] < 0.9


def test_every_late_offender_week_has_one_cause() -> None:
    """The late offender-weeks (attempted measure) split by cause, adding up to the
    compliance tally: short of capacity they are the planner's capacity shortfalls, and
    with visits called off by the police some are the cancellations."""
    short = simulate(small_unit(60, 1, 0.75, spread=0.02), FAST, WEEK, 8, seed=5, rates=NO_EVENTS)
    called_off = NO_EVENTS.model_copy(update={"cancelled_by_police": 0.5})
    cancelled = simulate(
        small_unit(24, 3, 8), FAST, WEEK, 10, seed=3, rates=called_off, rebook_cancelled=False
    )
    for result in (short, cancelled):
        late = sum(n - ok for ok, n in result.attempted.values())
        assert late > 0 and sum(result.late_causes().values()) == late
        hi = sum(n - ok for t, (ok, n) in result.attempted.items() if t.is_high)
        assert sum(result.late_causes(high_only=True).values()) == hi
    assert max(short.late_causes(), key=short.late_causes().get) == "capacity"
    assert "cancelled_by_police" in cancelled.late_causes()
    assert "capacity" not in cancelled.late_causes()


def test_failed_visits_and_events_are_drawn_at_their_rates() -> None:
    reg = small_unit(40, 3, 8)
    rates = NO_EVENTS.model_copy(update={"no_answer": 0.3})
    result = simulate(reg, FAST, WEEK, 12, seed=9, rates=rates)
    attempts = [v for v in result.visits]
    failed = sum(v.outcome.value == "no_answer" for v in attempts)
    assert failed / len(attempts) == pytest.approx(0.3, abs=0.1)
    # Nobody is lost: every offender is still counted each week.
    assert all(w.offenders == 40 for w in result.weeks)


def test_register_growth_adds_new_offenders_who_get_visited() -> None:
    reg = small_unit(40, 3, 8)
    rates = NO_EVENTS.model_copy(update={"registrations_per_year": 3.0})
    result = simulate(reg, FAST, WEEK, 6, seed=2, rates=rates)
    assert result.weeks[-1].offenders > 40
    new = {v.offender_id for v in result.visits if v.offender_id.startswith("SIM-")}
    assert new, "new registrations are visited"


def test_officer_absence_removes_working_days() -> None:
    reg = small_unit(20, 3, 6)
    rates = NO_EVENTS.model_copy(update={"leave_share": 0.5})
    result = simulate(reg, FAST, WEEK, 6, seed=4, rates=rates)
    assert sum(w.officer_days_absent for w in result.weeks) > 0
    assert all(w.busy_h <= w.budget_h + 1e-6 for w in result.weeks)


def test_leave_is_on_the_roster_a_week_ahead() -> None:
    # Each week's plan sees next week's leave; the officers it showed on leave are the
    # ones away all of the next week, and only this week's days count as lost.
    reg = small_unit(20, 4, 6)
    rates = NO_EVENTS.model_copy(update={"leave_share": 0.4})
    plans: list[PlannedWeek] = []
    result = simulate(reg, FAST, WEEK, 6, seed=5, rates=rates, on_plan=plans.append)
    ahead: list[set[str]] = []
    for p in plans:
        this_week = {p.week_start + timedelta(days=d) for d in range(7)}
        nxt = {p.week_start + timedelta(days=7 + d) for d in range(7)}
        ahead.append({o.id for o in p.register.officers if nxt <= set(o.absent)})
        assert all(set(o.absent) <= this_week | nxt for o in p.register.officers)
    for before, p in zip(ahead, plans[1:], strict=False):
        this_week = {p.week_start + timedelta(days=d) for d in range(7)}
        assert {o.id for o in p.register.officers if this_week <= set(o.absent)} == before
    assert any(ahead)
    assert [w.officer_days_absent for w in result.weeks] == [
        sum(
            1
            for o in p.register.officers
            for d in o.absent
            if d < p.week_start + timedelta(days=7) and any(s.day == d.weekday() for s in o.shifts)
        )
        for p in plans
    ]


def test_simulated_gaps_are_close_to_the_policy_mean() -> None:
    """With capacity to spare and no failures, the very-high gaps average near mu."""
    reg = small_unit(16, 2, 8)
    only_vh = reg.model_copy(
        update={
            "offenders": tuple(
                o.model_copy(update={"tier": RiskTier.VERY_HIGH}) for o in reg.offenders
            )
        }
    )
    result = simulate(only_vh, FAST, WEEK, 26, seed=8, rates=NO_EVENTS)
    by: dict[str, list] = {}
    for v in sorted(result.visits, key=lambda v: v.date):
        by.setdefault(v.offender_id, []).append(v.date)
    gaps = [(b - a).days for d in by.values() for a, b in zip(d, d[1:], strict=False)]
    mu = float(gap_pmf(FAST.gap_shape, 28, 0.75) @ np.arange(1, 29))
    assert max(gaps) <= 28
    assert np.mean(gaps) == pytest.approx(mu, rel=0.12)
    assert set(TIERS) >= {RiskTier.VERY_HIGH}


def test_attempted_on_time_by_hand() -> None:
    due = WEEK  # the last successful visit + interval
    day = timedelta(days=1)
    policy = Policy()  # grace 0, re-attempts within 13 days
    # On time: nothing else matters.
    assert attempted_on_time(due, due, None, None, policy)
    # Late and never tried: not attempted on time.
    assert not attempted_on_time(due + day, due, None, None, policy)
    # Knocked on the due date (no answer), followed up 10 days later: still fine 13
    # days after that, not 14.
    follow = due + 10 * day
    assert attempted_on_time(follow + 13 * day, due, due, follow, policy)
    assert not attempted_on_time(follow + 14 * day, due, due, follow, policy)
    # A first knock after the due date does not count.
    assert not attempted_on_time(due + 3 * day, due, due + day, due + day, policy)
    # Back from custody after the due date: the first knock is due within 13 days of
    # the week's end they were first seen at home again.
    back = due + 30 * day
    assert attempted_on_time(back + 13 * day, due, None, None, policy, returned=back)
    assert not attempted_on_time(back + 14 * day, due, None, None, policy, returned=back)
    assert attempted_on_time(back + 20 * day, due, back + 5 * day, back + 9 * day, policy, back)
    # Grace days widen both deadlines.
    lenient = Policy(grace_days=7)
    assert attempted_on_time(due + 7 * day, due, None, None, lenient)
    assert attempted_on_time(due + 20 * day, due, due + 5 * day, due + 5 * day, lenient)


def test_failed_entries_are_late_on_time_but_attempted_on_time() -> None:
    # Generous staffing, and most knocks go unanswered: offenders fall behind their
    # successful-visit interval, but the unit knocks on time and follows up every week.
    reg = small_unit(24, 3, 8)
    rates = NO_EVENTS.model_copy(update={"no_answer": 0.7})
    result = simulate(reg, FAST, WEEK, 12, seed=6, rates=rates, warmup_weeks=2, daily_replan=False)
    on_time, tried = result.compliance(), result.compliance(Measure.ATTEMPTED)
    assert on_time["high_and_very_high"] < 0.9
    assert tried["high_and_very_high"] == tried["all"] == 1.0
    assert result.compliance(Measure.ON_TIME) == on_time
    # Re-planned each morning, a failed knock is tried again later the same week.
    daily = simulate(reg, FAST, WEEK, 12, seed=6, rates=rates, warmup_weeks=2)
    assert daily.compliance()["high_and_very_high"] > on_time["high_and_very_high"]
    assert daily.compliance(Measure.ATTEMPTED)["all"] == 1.0
    # Visits called off by the police are no attempt: not attempted on time either.
    police = NO_EVENTS.model_copy(update={"cancelled_by_police": 0.7})
    waited = simulate(
        reg, FAST, WEEK, 12, seed=6, rates=police, warmup_weeks=2, rebook_cancelled=False
    )
    assert waited.compliance(Measure.ATTEMPTED)["high_and_very_high"] < 0.95
    # Rebooked on the rest of the week, most of them are made in time after all.
    rebooked = simulate(reg, FAST, WEEK, 12, seed=6, rates=police, warmup_weeks=2)
    late = [1 - rebooked.compliance(Measure.ATTEMPTED)[k] for k in ("high_and_very_high", "all")]
    assert late[0] < (1 - waited.compliance(Measure.ATTEMPTED)["high_and_very_high"]) / 2
    assert late[1] < (1 - waited.compliance(Measure.ATTEMPTED)["all"]) / 2


def test_sickness_learnt_on_the_day_moves_the_visits_to_officers_at_work() -> None:
    # The planner sees no sickness on Monday; each morning the re-plan moves the visits
    # of whoever is off that day, so none is lost (none called off) with room to spare.
    reg = small_unit(24, 3, 8)
    rates = NO_EVENTS.model_copy(update={"sickness_share": 0.25})
    result = simulate(reg, FAST, WEEK, 8, seed=4, rates=rates, warmup_weeks=1)
    outcomes = [v.outcome for v in result.visits]
    assert outcomes and VisitOutcome.CANCELLED_BY_POLICE not in outcomes
    assert result.compliance(Measure.ATTEMPTED)["all"] == 1.0


def test_new_registrations_do_not_inherit_their_models_custody_dates() -> None:
    # Every new registration is modelled on an offender in custody until next year;
    # the newcomer is at home: no dated absence, only weekly hours away are copied.
    reg = small_unit(4, 1, 8)
    held = reg.offenders[0].model_copy(
        update={
            "status": OffenderStatus.IN_CUSTODY,
            "unavailable": parse_unavailability(
                f"{WEEK.isoformat()}/{(WEEK + timedelta(days=400)).isoformat()}; mon 09:00-12:00"
            ),
        }
    )
    reg = reg.model_copy(update={"offenders": (held,)})
    seen: list = []
    rates = NO_EVENTS.model_copy(update={"registrations_per_year": 5.0})
    simulate(reg, FAST, WEEK, 3, seed=1, rates=rates, on_plan=seen.append)
    new = [o for o in seen[-1].register.offenders if o.id.startswith("SIM-")]
    assert new and all(not o.unavailable.dates for o in new)
    assert all(o.unavailable.weekly == held.unavailable.weekly for o in new)
    assert not any(u.reason.value == "unavailable_all_week" for u in seen[-1].rota.unscheduled)


def test_notified_moves_stay_in_the_team_area() -> None:
    # Two teams 0.3 degrees (~30 km) apart: a move lands near another address of the
    # mover's own team, never across the force area out of the team's reach.
    offs = [offender(f"A{k}", "OA", dlat=0.002 * k, days_since=10 + k) for k in range(8)] + [
        offender(f"B{k}", "OB", dlat=0.3 + 0.002 * k, dlon=0.3, days_since=10 + k) for k in range(8)
    ]
    reg = register(offs, [officer("OA", team="a"), officer("OB", team="b")])
    seen: list = []
    rates = NO_EVENTS.model_copy(update={"moves_per_year": 5.0})
    simulate(reg, FAST, WEEK, 4, seed=2, rates=rates, on_plan=seen.append)
    final = {o.id: o.home for o in seen[-1].register.offenders}
    moved = [k for k, h in final.items() if h != next(o.home for o in offs if o.id == k)]
    assert len(moved) >= 4
    for oid, home in final.items():
        near_b = home.lat > BASE[0] + 0.15
        assert near_b == oid.startswith("B"), (oid, home)
