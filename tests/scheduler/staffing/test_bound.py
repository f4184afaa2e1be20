"""The workload lower bound (``scheduler.staffing.bound``) on small hand-built registers
whose bound is known: hours, time windows (offenders at home only in the evening),
two officers together, teams split as a sweep splits them, and never above the
minimum a sweep finds."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import Gender, Policy, Register
from models.simulation import EventRates
from scheduler.core.travel import GreatCircleTravel
from scheduler.staffing.bound import workload_lower_bound
from scheduler.staffing.curve import Target, summarise
from scheduler.staffing.lower_bound import Horizon
from scheduler.staffing.reach import earliest_arrivals, reached, team_reach, weekday_windows
from scheduler.staffing.restaff import (
    balanced_order,
    proportional_total,
    restaff,
    roster,
    team_counts,
    team_order,
)
from scheduler.staffing.sweep import InlineExecutor, run_sweep
from scheduler.staffing.team_bound import availability
from scheduler.timing.gaps import gap_pmf, mean_gap
from tests.scheduler.conftest import NO_EVENTS, WEEK, offender, officer, register
from tests.scheduler.staffing.test_sweep import tiny_tasks, two_teams

#: Out from 08:00 to 17:00 on weekdays: only an officer working past 17:00 sees them.
EVENINGS_ONLY = "mon-fri 08:00-17:00"
DAY = "mon-fri 08:00-16:00"
LATE = "mon-fri 12:00-20:00"


@pytest.fixture
def quick() -> Policy:
    return Policy.model_validate({"solver": {"time_limit_s": 0.3}})


def travel_s(policy: Policy) -> int:
    """Drive between the base and a home 0.01 deg north and east of it."""
    m = GreatCircleTravel(policy.speed_kmh, policy.circuity).matrix_s(
        np.array([51.372, 51.382]), np.array([-0.1, -0.09])
    )
    return int(m[0, 1])


def evening_unit(n: int, hours: float = 2.0, **kw: object) -> Register:
    """A day officer (A) and a late officer (B), and ``n`` high-risk offenders on a
    28-day interval, all at one address, at home on weekdays only after 17:00."""
    offs = [
        offender(
            f"R{k:02d}",
            "A",
            interval_days=28,
            days_since=1 + k * 27 // n,
            unavailable=EVENINGS_ONLY,
            **kw,
        )
        for k in range(n)
    ]
    return register(
        offs,
        [officer("A", DAY, hours=hours, gender=Gender.MALE), officer("B", LATE, hours=hours)],
    )


def smallest_with(order: list[int], who: int, count: int) -> int:
    return next(k for k in range(1, 100) if roster(order, k).count(who) >= count)


# ------------------------------------------------------------------ workload


def test_lower_bound_by_hand(quick: Policy) -> None:
    # One very-high-risk offender, 0.01 deg north and east of the base; the only other
    # location is the base, so the least travel into the home is base -> home, and the
    # least drive back to the base the same.
    reg = register([offender("R1", "O1", tier="very_high", days_since=3)], [officer("O1")])
    rates = EventRates(no_answer=0.2, refused_entry=0.0, cancelled_by_police=0.0)
    lb = workload_lower_bound(reg, quick, rates)
    visits = 7 / mean_gap(gap_pmf(quick.gap_shape, 28, 0.75))  # ~0.33 a week
    attempts = visits / (1 - 0.2)
    assert lb.visits_per_week == pytest.approx(visits)
    assert lb.attempts_per_week == pytest.approx(attempts)
    assert lb.visit_hours_per_week == pytest.approx(attempts * 90 / 60)
    t = travel_s(quick)
    assert lb.travel_hours_per_week == pytest.approx(attempts * t / 3600)
    # (4 visit hours less the drive back) x 5 working days x the share of days at work.
    assert lb.hours_per_officer_week == pytest.approx(
        (4 * 3600 - t) * 5 / 3600 * availability(rates)
    )
    assert lb.officers == lb.officers_pooled == lb.officers_hours == 1


def test_lower_bound_doubles_two_officer_visits(quick: Policy) -> None:
    one = register([offender("R1", "O1", days_since=3)], [officer("O1"), officer("O2")])
    two = register(
        [offender("R1", "O1", days_since=3, two_officers=True)], [officer("O1"), officer("O2")]
    )
    a, b = workload_lower_bound(one, quick), workload_lower_bound(two, quick)
    assert b.visit_hours_per_week == pytest.approx(2 * a.visit_hours_per_week)
    assert b.travel_hours_per_week == pytest.approx(2 * a.travel_hours_per_week)


def test_lower_bound_counts_only_active_offenders_and_each_team(quick: Policy) -> None:
    reg = two_teams()
    away = reg.offenders[0].model_copy(update={"status": "in_custody"})
    fewer = Register(offenders=(away, *reg.offenders[1:]), officers=reg.officers)
    lb, lb_fewer = workload_lower_bound(reg, quick), workload_lower_bound(fewer, quick)
    assert [t.active for t in lb.teams] == [18, 6]
    assert [t.active for t in lb_fewer.teams] == [17, 6]
    assert lb_fewer.visits_per_week < lb.visits_per_week
    # Each team needs at least one officer, so the per-team bound is at least the teams.
    assert lb.officers >= 2 and lb.officers >= lb.officers_pooled


def test_availability_matches_how_the_simulator_draws_absences() -> None:
    rates = EventRates()
    assert availability(rates) == pytest.approx((1 - 0.13) * (1 - 0.045 - 0.04))
    assert availability(rates) >= 1 - rates.absence_share


def test_visit_hours_override_changes_the_bound(quick: Policy) -> None:
    # 40 x 1/3 x 75 min = 16.7 h a week: two officers at 2 visit hours a day (~9.6 h a
    # week each), three at 1.5 (~7.1 h); at 1 hour a 75-minute visit never fits.
    reg = evening_unit(40)
    assert workload_lower_bound(reg, quick, NO_EVENTS).officers_hours == 2
    assert workload_lower_bound(reg, quick, NO_EVENTS, visit_hours=1.5).officers_hours == 3
    assert workload_lower_bound(reg, quick, NO_EVENTS, visit_hours=1.0).unservable == 40


# ------------------------------------------------------------------ time windows


def test_earliest_arrival_after_the_drive_and_inside_the_windows(quick: Policy) -> None:
    reg = evening_unit(2)
    t = travel_s(quick)
    from scheduler.staffing.reach import shifts_of as _shifts

    shifts = _shifts(reg.officers, None, np.array([t, t]))
    go = np.full((2, 2), t)
    service = np.array([75 * 60, 75 * 60])
    e = earliest_arrivals(reg.offenders, service, go, go, shifts, quick)
    never = np.iinfo(np.int64).max
    assert (e[:, 0, :] == never).all()  # the day officer never sees them
    assert (e[:, 1, :5] == 17 * 3600).all()  # the late officer from 17:00, Monday-Friday
    assert (e[:, :, 5:] == never).all()  # nobody works weekends
    # Out until 17:00 on weekdays: the evening slot only (17:00-21:00).
    assert weekday_windows(reg.offenders[0].unavailable.weekly, quick, 0, 75 * 60) == [
        (17 * 3600, 21 * 3600)
    ]
    assert weekday_windows((), quick, 5, 75 * 60) == [(8 * 3600, 21 * 3600)]


def test_evening_work_needs_late_shifts(quick: Policy) -> None:
    # 30 offenders x 1/3 visit a week x 75 min = 12.5 h a week, all on the late shift.
    # A late officer gives 5 x (2 h - the drive back) = ~9.6 h of it: two are needed,
    # though one officer's hours would do for the day work alone... and the hours of
    # any two officers cover the 12.5 h.
    reg = evening_unit(30)
    lb = workload_lower_bound(reg, quick, NO_EVENTS, order="balanced")
    (team,) = lb.teams
    per_officer = 5 * (2 * 3600 - travel_s(quick)) / 3600
    assert 12.5 > per_officer > 12.5 / 2
    assert team.officers_hours == 2
    order = balanced_order(reg.officers, quick)
    assert team.officers_windows == smallest_with(order, 1, 2)  # two late officers
    assert lb.officers == team.officers == team.officers_windows > team.officers_hours
    assert team.binding == "windows"
    assert "30 offenders (12.5 h a week)" in team.window_detail
    # They are high risk: a target asking for all high-risk offender-weeks is held to
    # the window check; one below 100% only to the hours (evening work may go undone).
    assert team.windows_high == team.officers_windows
    assert lb.for_target(high_full=True) == lb.officers
    assert lb.for_target() == lb.officers_hours == 2
    # Half as many fit one late shift: the window check then asks for the late officer.
    half = workload_lower_bound(evening_unit(15), quick, NO_EVENTS, order="balanced")
    assert half.officers == smallest_with(order, 1, 1) and half.teams[0].officers_hours == 1


def test_the_window_counts_only_time_from_the_earliest_arrival(quick: Policy) -> None:
    # With 4 visit hours a day the late shift still has only 17:00-20:00 (less the drive
    # back) for these offenders: 5 x ~2.9 h = ~14.6 h a week, under the 19 h of 46 of
    # them, so two late officers, though 4 visit hours a day would cover 19 h.
    reg = evening_unit(46, hours=4.0)
    (team,) = workload_lower_bound(reg, quick, NO_EVENTS, order="balanced").teams
    order = balanced_order(reg.officers, quick)
    assert team.officers_windows == smallest_with(order, 1, 2)


def test_offenders_no_officer_can_ever_visit_are_counted_not_worked(quick: Policy) -> None:
    reg = evening_unit(10)
    day_only = Register(offenders=reg.offenders, officers=reg.officers[:1])
    lb = workload_lower_bound(day_only, quick, NO_EVENTS)
    assert lb.unservable == 10 and lb.visit_hours_per_week == 0.0 and lb.officers == 1
    # They are high risk: a target asking for all high-risk offender-weeks is out of
    # reach at any staffing; one below 100% is held to the hours check.
    assert lb.unservable_high == 10
    assert lb.for_target(high_full=True) is None and lb.for_target() == 1
    # Each is named (pseudonymously) with why, for the manager to act on.
    (team,) = lb.teams
    assert sorted(i for i, _, _ in team.unservable_offenders) == sorted(o.id for o in reg.offenders)
    assert all(
        "no officer of the team is on a shift" in why for *_, why in team.unservable_offenders
    )
    assert len(lb.unservable_list(high_only=True)) == 10
    assert lb.to_dict()["teams"][0]["unservable_offenders"][0]["why"]


# ------------------------------------------------------------------ two officers together


def test_two_officer_evening_visits_need_two_late_officers(quick: Policy) -> None:
    reg = evening_unit(1, two_officers=True)
    lb = workload_lower_bound(reg, quick, NO_EVENTS, order="balanced")
    order = balanced_order(reg.officers, quick)
    assert lb.officers == smallest_with(order, 1, 1)  # the work: one late officer
    assert lb.reach_high == lb.reach_all == smallest_with(order, 1, 2)  # the pair
    assert lb.for_target(high_full=True) == lb.reach_high
    assert lb.for_target() == lb.officers_hours == 1 < lb.officers < lb.reach_high
    # A pair of late officers but no woman to lead a female-officer visit: never.
    female = evening_unit(1, two_officers=True, officer_gender=Gender.FEMALE)
    lone = workload_lower_bound(female, quick, NO_EVENTS, order="balanced")
    assert lone.unservable == 1 and lone.reach_high == 1
    (line,) = lone.unservable_list()
    assert "needs a female officer" in line


def test_a_joint_visit_needs_both_officers_there_at_one_time(quick: Policy) -> None:
    # Each officer could make the visit on Monday, one in the morning and one in the
    # afternoon: on duty the same day is not enough for a visit they make together.
    apart = register(
        [offender("R1", "A", two_officers=True, days_since=3)],
        [officer("A", "mon 08:00-12:00"), officer("B", "mon 13:00-18:00")],
    )
    travel = GreatCircleTravel(quick.speed_kmh, quick.circuity)
    r = team_reach(apart.officers, apart.offenders, quick, travel)
    assert r.feasible[0, :, 0].all()
    assert not reached(np.array([1, 1]), r.lead, r.pair, r.crew)[0]
    assert reached(np.array([2, 0]), r.lead, r.pair, r.crew)[0]  # A and a second A
    lb = workload_lower_bound(apart, quick, NO_EVENTS, order="balanced")
    # The balanced cycle takes A, B, then a second A: the visit is possible from 3.
    assert lb.reach_all == 3 and lb.unservable == 0
    (forced,) = lb.teams[0].forced
    assert forced.level == 3
    # With an hour in common (10:00-12:00 less the visit and the drives) they can.
    overlap = register(
        list(apart.offenders),
        [officer("A", "mon 08:00-12:00"), officer("B", "mon 10:00-18:00")],
    )
    r2 = team_reach(overlap.officers, overlap.offenders, quick, travel)
    assert reached(np.array([1, 1]), r2.lead, r2.pair, r2.crew)[0]


def test_proportional_total_gives_every_team_its_bound() -> None:
    sizes = {"a": 3, "b": 1}
    need = {"a": 1, "b": 2}
    expected = next(n for n in range(2, 50) if team_counts(sizes, n)["b"] >= 2)
    assert proportional_total(sizes, need) == expected == 7  # 5 + 2
    assert proportional_total(sizes, {"a": 1, "b": 1}) == 2


@given(cap=st.integers(min_value=1, max_value=24))
@settings(max_examples=12, deadline=None)
def test_the_caseload_floor_is_the_fewest_officers_keeping_every_caseload_under_the_cap(
    cap: int,
) -> None:
    # Team a holds 18 offenders and team b 6; a sweep re-allocates each team's own.
    quick = Policy.model_validate({"solver": {"time_limit_s": 0.3}})
    reg = two_teams()
    lb = workload_lower_bound(reg, quick, NO_EVENTS)
    floor = lb.caseload_floor(cap)

    def largest(total: int) -> int:
        out = restaff(reg, total, quick, caseload_cap=cap)
        return max(Counter(o.manager_id for o in out.offenders).values())

    assert largest(floor) <= cap
    if floor > 2:  # one officer per team at least
        assert largest(floor - 1) > cap
    target = Target(0.95, 0.95, caseload_cap=cap)
    assert target.bound(lb) == max(floor, Target(0.95, 0.95).bound(lb) or 0)


def one_short_team() -> Register:
    """Team a: one officer with a full day of visit hours and 60 low-risk offenders.
    Team b: one officer with 1.5 visit hours a day and 6 medium-risk offenders on a
    weekly interval, more work than that officer's hours (about 1.4 h a week each)."""
    offs = [offender(f"L{k:02d}", "A", tier="low", dlat=0.0005 * k) for k in range(60)]
    offs += [offender(f"M{k}", "B", tier="medium", interval_days=7, dlat=-0.01) for k in range(6)]
    return register(offs, [officer("A", hours=8.0, team="a"), officer("B", hours=1.5, team="b")])


def test_a_target_below_100_percent_may_leave_a_short_teams_work_undone(quick: Policy) -> None:
    lb = workload_lower_bound(one_short_team(), quick, NO_EVENTS)
    b = next(t for t in lb.teams if t.team == "b")
    assert b.officers_hours == 2  # b's hours cover its work only with two officers
    every = lb.for_target()  # every visit made: b must get its two
    assert every == proportional_total({"a": 1, "b": 1}, {"a": 1, "b": 2})
    # 95% of offender-weeks: 3 of 66 offenders may be late, and two of b's carry what
    # b's officer is short: one officer per team may do.
    assert lb.late_allowed(0.95, 0.95) == 3
    assert lb.for_target(high_share=0.95, all_share=0.95) == 2 < every
    # At 99% nobody may be late: b's shortfall needs its second officer again.
    assert lb.for_target(high_share=0.99, all_share=0.99) == every
    # 100% of the high tier changes nothing here (no high-risk offenders).
    assert lb.for_target(True, False, high_share=1.0, all_share=0.95) == 2


@given(
    high=st.sampled_from([0.9, 0.95, 0.99, 1.0]),
    low=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
@settings(max_examples=20, deadline=None)
def test_the_bound_never_rises_as_a_target_is_relaxed(high: float, low: float) -> None:
    quick = Policy.model_validate({"solver": {"time_limit_s": 0.3}})
    lb = workload_lower_bound(one_short_team(), quick, NO_EVENTS)
    full = (high >= 1.0, False)
    strict = lb.for_target(*full, high_share=high, all_share=min(1.0, low + 0.01))
    loose = lb.for_target(*full, high_share=high, all_share=low)
    assert loose is not None and strict is not None
    assert loose <= strict <= lb.for_target(*full)


# ------------------------------------------------------------------ against a sweep


def test_window_bound_never_above_the_minimum_found(quick: Policy) -> None:
    # 18 evening-only offenders: 6 visits a week, and a late officer makes one a
    # weekday within 2 visit hours. In the balanced order the day officer comes first,
    # and the bound asks for the late officer (2), not the hours alone (1); the reach
    # order (the sweep's) takes the late officer first, so one officer may do.
    reg = evening_unit(18)
    balanced = workload_lower_bound(reg, quick, NO_EVENTS, order="balanced")
    assert (balanced.officers_hours, balanced.officers) == (1, 2)
    lb = workload_lower_bound(reg, quick, NO_EVENTS)
    assert (lb.officers_hours, lb.officers) == (1, 1)
    tasks = tiny_tasks(reg, [1, 2, 4, 6], quick, replications=1, weeks=6, warmup_weeks=2)
    curve = summarise(run_sweep(tasks, InlineExecutor(), progress=False), Target(), lb)
    assert curve.minimum is not None
    assert curve.bound is not None and lb.officers <= curve.bound <= curve.minimum
    # The sweep's one officer is the late one: the evening-only offenders are seen;
    # in the balanced order it is the day officer, who never sees them (only those
    # visited before the start are on time, for the first weeks).
    assert curve.levels[0].high_and_very_high.mean > 0.9
    day_only = tiny_tasks(
        reg, [1], quick, replications=1, weeks=6, warmup_weeks=2, roster="balanced"
    )
    (row,) = run_sweep(day_only, InlineExecutor(), progress=False)
    assert row.compliance["high_and_very_high"] < 0.2


def test_reach_order_takes_the_shifts_the_offenders_need_first(quick: Policy) -> None:
    # Evening-only offenders: the late officer (B, listed second) comes first; an
    # evening joint visit takes a second late shift (a clone of B) before the day
    # officer; with nobody hard to reach, the balanced order is kept.
    reg = evening_unit(18)
    assert balanced_order(reg.officers, quick) == [0, 1]
    assert team_order(reg.officers, quick, "reach", reg.offenders) == [1, 0]
    joint = evening_unit(1, two_officers=True)
    assert team_order(joint.officers, quick, "reach", joint.offenders) == [1, 1, 0]
    balanced = workload_lower_bound(joint, quick, NO_EVENTS, order="balanced")
    assert workload_lower_bound(joint, quick, NO_EVENTS).reach_high == 2 < balanced.reach_high
    out = restaff(joint, 2, quick)
    assert sorted(o.id for o in out.officers) == ["B", "T-S001"]  # team t
    assert all(o.shifts == reg.officers[1].shifts for o in out.officers)
    anytime = Register(offenders=(), officers=reg.officers)
    assert team_order(anytime.officers, quick, "reach", anytime.offenders) == [0, 1]


# ------------------------------------------------------------------ cover groups


def joint_evening_teams(grouped: bool) -> Register:
    """Two teams of one officer each, both on late shifts, and a two-officer offender
    of team a at home only in the evenings: only a partner from team b makes it."""
    group = {"cover_group": "g"} if grouped else {}
    offs = [
        offender(
            "R1", "A", interval_days=28, days_since=20, unavailable=EVENINGS_ONLY, two_officers=True
        )
    ]
    ofs = [
        officer("A", LATE, team="a", **group),
        officer("B", LATE, team="b", **group),
    ]
    return register(offs, ofs)


def test_a_cover_group_lends_the_second_officer_of_a_joint_visit(quick: Policy) -> None:
    alone = workload_lower_bound(joint_evening_teams(False), quick, NO_EVENTS)
    together = workload_lower_bound(joint_evening_teams(True), quick, NO_EVENTS)
    # Alone, team a needs a second late officer of its own (2 + 1 for team b).
    assert alone.reach_high == 3 and alone.for_target(high_full=True) == 3
    # In a group, team b's officer is the partner: the two teams as they are.
    assert together.grouped and together.reach_high == 2
    assert together.for_target(high_full=True) == together.officers == 2
    (unit,) = together.teams
    assert unit.officers_now == 2 and unit.unservable == 0


def test_grouped_bound_never_above_the_minimum_found(quick: Policy) -> None:
    reg = joint_evening_teams(True)
    lb = workload_lower_bound(reg, quick, NO_EVENTS)
    tasks = tiny_tasks(reg, [2, 3, 4], quick, replications=1, weeks=6, warmup_weeks=2)
    curve = summarise(run_sweep(tasks, InlineExecutor(), progress=False), Target(), lb)
    assert curve.minimum is not None and curve.bound is not None
    assert lb.officers <= curve.bound <= curve.minimum


# ------------------------------------------------------------------ forced lateness


def joint_in_small_team(tier: str = "very_high", days_since: int = 10) -> Register:
    """Team a (two day officers, A1 listed first): four two-officer offenders and four
    single ones; team b (one officer): eight single ones. Every offender of ``tier``,
    all at one address. One officer in team a can never make a joint visit."""
    offs = [
        offender(f"J{k}", "A1", tier=tier, days_since=days_since + k, two_officers=True)
        for k in range(4)
    ]
    offs += [offender(f"S{k}", "A1", tier=tier, days_since=days_since + k) for k in range(4)]
    offs += [offender(f"B{k}", "B1", tier=tier, days_since=days_since + k) for k in range(8)]
    officers = [
        officer("A1", hours=8.0, team="a"),
        officer("A2", hours=8.0, team="a"),
        officer("B1", hours=8.0, team="b"),
    ]
    return register(offs, officers)


def test_offenders_a_team_that_size_cannot_visit_count_against_the_target(
    quick: Policy,
) -> None:
    reg = joint_in_small_team()
    horizon = Horizon(WEEK, 2, 6)
    lb = workload_lower_bound(reg, quick, NO_EVENTS, horizon=horizon)
    (a,) = [t for t in lb.teams if t.team == "a"]
    # The four joint offenders need team a's second officer; all fall due in week 1,
    # so a team of one leaves them late in every measured week.
    assert sorted((f.level, f.high, f.late) for f in a.forced) == [(2, True, 1.0)] * 4
    (a_json,) = [t for t in lb.to_dict()["teams"] if t["team"] == "a"]
    assert a_json["cannot_visit_below"] == [{"level": 2, "offenders": 4, "high_and_very_high": 4}]
    assert lb.officers_hours == 2  # the hours alone: one officer per team
    # 95% of 16 high-risk offender-weeks lets nobody be late: team a needs two.
    assert lb.for_target(high_share=0.95, all_share=0.95) == 3
    # At 75% four may be late: the joint visits may wait, one officer per team.
    assert lb.for_target(high_share=0.75, all_share=0.75) == 2
    tasks = tiny_tasks(reg, [2, 3], quick, replications=1, weeks=6, warmup_weeks=2)
    target = Target(0.95, 0.95)
    curve = summarise(run_sweep(tasks, InlineExecutor(), progress=False), target, lb)
    two, three = curve.levels
    assert two.high_and_very_high.mean <= 0.75 + 1e-9 and not two.meets_target
    assert curve.minimum == 3 == curve.bound


def test_only_the_measured_weeks_past_a_due_date_count(quick: Policy) -> None:
    # Low-risk joint offenders seen ten days ago are not due for a year: within a
    # six-week run a team of one leaves none of them late, in the long run all four.
    reg = joint_in_small_team("low")
    short_run = workload_lower_bound(reg, quick, NO_EVENTS, horizon=Horizon(WEEK, 2, 6))
    long_run = workload_lower_bound(reg, quick, NO_EVENTS)
    (a,) = [t for t in short_run.teams if t.team == "a"]
    assert [f.late for f in a.forced] == [0.0] * 4
    assert short_run.for_target(high_share=0.95, all_share=0.95) == 2
    assert long_run.for_target(high_share=0.95, all_share=0.95) == 3


@given(due=st.integers(min_value=-30, max_value=80), warmup=st.integers(0, 5))
@settings(max_examples=40, deadline=None)
def test_late_share_counts_the_measured_sundays_past_the_due_date(due: int, warmup: int) -> None:
    h = Horizon(WEEK, warmup, 8)
    share = h.late_share(WEEK + timedelta(days=due))
    sundays = [WEEK + timedelta(days=7 * w + 6) for w in range(warmup, 8)]
    assert share * len(sundays) == pytest.approx(
        sum(s > WEEK + timedelta(days=due) for s in sundays)
    )
    assert 0.0 <= share <= 1.0
    # Later due dates are late in no more weeks.
    assert h.late_share(WEEK + timedelta(days=due + 7)) <= share
