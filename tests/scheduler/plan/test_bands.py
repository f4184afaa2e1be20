"""Speeds by time of day in the weekly routing (issue 28): each trip at the speed of the
time its destination is reached (:mod:`scheduler.plan.bands`).

One officer, Mon-Fri 12:00-21:00, and two offenders the same distance from the base: one
at home only from 17:00 (an evening visit), one only before 17:00. The policy's evening
band drives at half the day speed, so the trip to the evening visit and back takes twice
as long, and the rota's travel figures say so; the day visit's trips do not change."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from models import Policy, Register, Rota
from scheduler.core.roads import offline_travel
from scheduler.plan.bands import arrival_second_of_day, team_travel_s
from scheduler.plan.candidates import Candidate, candidate_for
from scheduler.plan.due import DueVisit
from scheduler.plan.planner import plan_week
from tests.scheduler.conftest import WEEK, offender, officer, register

SEED = 5
EVENING = {"from": "17:00", "to": "21:00", "speed_kmh": 12.5}  # half the 25 km/h


def unit() -> Register:
    return register(
        [
            offender("eve", "OM-E", unavailable="mon-sun 00:00-17:00"),
            offender("day", "OM-E", dlat=-0.01, dlon=-0.01, unavailable="mon-sun 17:00-23:59"),
        ],
        [officer("OM-E", shifts="mon-fri 12:00-21:00", hours=6.0)],
    )


def policy(*bands: dict[str, object]) -> Policy:
    return Policy.model_validate(
        {"solver": {"time_limit_s": 0.3}, "travel": {"speeds": list(bands)}}
    )


def plan(pol: Policy) -> Rota:
    return plan_week(unit(), pol, WEEK, seed=SEED)


def travel_to(rota: Rota) -> dict[str, int]:
    return {v.offender_id: v.travel_to_s for v in rota.visits}


@pytest.fixture(scope="module")
def plain() -> Rota:
    return plan(policy())


@pytest.fixture(scope="module")
def slow_evening() -> Rota:
    return plan(policy(EVENING))


def test_both_visits_are_made_one_in_the_evening(plain: Rota, slow_evening: Rota) -> None:
    for rota in (plain, slow_evening):
        hours = {v.offender_id: v.arrival.hour for v in rota.visits}
        assert hours.keys() == {"eve", "day"}
        assert hours["eve"] >= 17 > hours["day"]


def test_a_slow_evening_band_doubles_the_trips_to_the_evening_visit(
    plain: Rota, slow_evening: Rota
) -> None:
    # the trip that ends at "eve" (from the base or from "day") ends in the evening: at
    # half the speed it takes twice as long, give or take a second of rounding
    before, after = travel_to(plain), travel_to(slow_evening)
    assert before["eve"] > 0
    assert abs(after["eve"] - 2 * before["eve"]) <= 1
    assert after["day"] == before["day"]


def test_the_rotas_travel_figures_reflect_the_band(plain: Rota, slow_evening: Rota) -> None:
    # both visits on one day (seed 5): base -> "day" (12:05, the day speed), "day" ->
    # "eve" (ends 17:00) and "eve" -> base (from the evening visit): the last two at
    # 12.5 km/h take twice as long, the first is unchanged
    def day_of(rota: Rota) -> tuple[int, int]:
        first = next(v for v in rota.visits if v.offender_id == "day")
        days = [d for d in rota.officer_days if d.visits]
        assert [d.date for d in days] == [first.date] and days[0].visits == 2
        return first.travel_to_s, days[0].travel_s

    (first, before), (same, after) = day_of(plain), day_of(slow_evening)
    assert same == first
    assert abs(after - (first + 2 * (before - first))) <= 2
    assert after - before == sum(d.travel_s for d in slow_evening.officer_days) - sum(
        d.travel_s for d in plain.officer_days
    )


def test_no_bands_or_bands_no_visit_falls_in_leave_the_plan_unchanged(plain: Rota) -> None:
    # 02:00-04:00 at 5 km/h: no visit is made then, no trip ends then
    night = plan(policy({"from": "02:00", "to": "04:00", "speed_kmh": 5}))
    default = plan_week(
        unit(), Policy.model_validate({"solver": {"time_limit_s": 0.3}}), WEEK, seed=SEED
    )
    for rota in (night, default):
        assert rota.visits == plain.visits
        assert rota.officer_days == plain.officer_days


DAYS = [date.fromordinal(WEEK.toordinal() + d) for d in range(7)]


def _candidate(options: tuple[tuple[int, str], ...], home_at: str = "") -> Candidate:
    """A visit to an offender at home all week but for ``home_at``'s hours out."""
    reg = unit()
    who = offender("any", "OM-E", unavailable=home_at)
    due = DueVisit(0, "any", WEEK, 1.0, options=options)
    return candidate_for(due, who, list(reg.officers), {"OM-E": 0}, policy(), DAYS)


def test_a_visit_is_reckoned_at_the_start_of_its_drawn_windows() -> None:
    # Monday and Tuesday afternoons: the windows start at 12:00 (the shift's start)
    speed_for = offline_travel(policy(EVENING)).speed_for
    cand = _candidate(((0, "afternoon"), (1, "afternoon")))
    assert arrival_second_of_day(cand, policy(), DAYS, speed_for) == 12 * 3600


def test_options_in_two_bands_are_reckoned_at_the_slower() -> None:
    # Monday afternoon (from 12:00, 25 km/h) or Tuesday evening (from 17:00, 12.5 km/h):
    # the evening, so the arrival planned is reachable whichever the routing takes
    speed_for = offline_travel(policy(EVENING)).speed_for
    cand = _candidate(((0, "afternoon"), (1, "evening")))
    assert arrival_second_of_day(cand, policy(), DAYS, speed_for) == 17 * 3600
    # without bands every start is as fast: the earliest
    plain = offline_travel(policy()).speed_for
    assert arrival_second_of_day(cand, policy(), DAYS, plain) == 12 * 3600


def test_no_drawn_options_uses_every_feasible_window() -> None:
    # at home only from 18:00: the earliest feasible window starts then
    speed_for = offline_travel(policy(EVENING)).speed_for
    cand = _candidate((), home_at="mon-sun 00:00-18:00")
    assert arrival_second_of_day(cand, policy(), DAYS, speed_for) == 18 * 3600


def test_without_bands_the_team_matrix_is_the_models_matrix() -> None:
    reg = unit()
    cand = _candidate(())
    model = offline_travel(policy())
    lat = np.array([reg.officers[0].base.lat, cand.offender.home.lat])
    lon = np.array([reg.officers[0].base.lon, cand.offender.home.lon])
    got = team_travel_s(list(reg.officers), [cand], model, policy(), DAYS)
    assert (got == model.matrix_s(lat, lon)).all()
