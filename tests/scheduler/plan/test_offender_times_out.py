"""Known times an offender is out on one date (an appointment) keep visits away from them,
as weekly hours (work) and whole days already do."""

from __future__ import annotations

from datetime import datetime, timedelta

from models import Policy
from scheduler.io.loaders import format_unavailability, parse_unavailability
from scheduler.plan.planner import plan_week
from tests.scheduler.conftest import WEEK, offender, officer, register

TUESDAY = WEEK + timedelta(days=1)


def _plan(unavailable: str):
    # One officer who works only on Tuesday; one overdue high-risk offender: the visit can
    # only be on Tuesday, so where it lands shows what the appointment blocks.
    reg = register(
        [offender("R1", "O1", unavailable=unavailable)], [officer("O1", "tue 08:00-20:00")]
    )
    policy = Policy.model_validate({"solver": {"time_limit_s": 0.3}})
    return plan_week(reg, policy, WEEK, seed=7)


def test_an_appointment_round_trips_through_the_register_file():
    text = f"{TUESDAY.isoformat()} 09:00-18:00; mon-fri 06:00-07:00"
    parsed = parse_unavailability(text)
    assert parsed.timed[0].day == TUESDAY
    assert parse_unavailability(format_unavailability(parsed)) == parsed


def test_a_visit_is_kept_out_of_an_appointment():
    # satisfied: blocked 09:00-18:00 on Tuesday, the visit falls before or after it
    rota = _plan(f"{TUESDAY.isoformat()} 09:00-18:00")
    assert len(rota.visits) == 1
    v = rota.visits[0]
    block = (
        datetime.combine(TUESDAY, datetime.min.time()) + timedelta(hours=9),
        datetime.combine(TUESDAY, datetime.min.time()) + timedelta(hours=18),
    )
    assert v.departure <= block[0] or v.arrival >= block[1]


def test_an_appointment_over_the_whole_shift_leaves_the_visit_out():
    # violated: out 07:00-21:00 on the only working day, so no visit can be made
    rota = _plan(f"{TUESDAY.isoformat()} 07:00-21:00")
    assert rota.visits == ()
    assert [u.offender_id for u in rota.unscheduled] == ["R1"]
    # and without the appointment the same week does plan it (the test is not vacuous)
    assert len(_plan("").visits) == 1
