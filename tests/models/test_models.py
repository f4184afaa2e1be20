"""The pydantic domain model's own rules: strict (no unknown fields), immutable, and the
cross-field checks that keep a policy, an officer, a register and a rota sound."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import combinations
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from models import (
    AuditRecord,
    ClockWindow,
    DateRange,
    Location,
    Offender,
    Officer,
    OfficerDay,
    Policy,
    Register,
    RiskTier,
    Rota,
    Shift,
    SolverSettings,
    TimeSlot,
    Unavailability,
    Unscheduled,
    UnscheduledReason,
    Visit,
    Weekday,
    WeeklyWindow,
    parse_clock_window,
)

MONDAY = date(2026, 11, 30)
HOME = {"lat": 51.3762, "lon": -0.0982}
NINE_TO_FIVE = {"start": "09:00", "end": "17:00"}


def offender(oid: str = "RSO-1", manager: str = "OM-A") -> Offender:
    return Offender(id=oid, home=Location(**HOME), tier=RiskTier.HIGH, manager_id=manager)


def officer(oid: str = "OM-A") -> Officer:
    return Officer(
        id=oid,
        base=Location(**HOME),
        shifts=(Shift(day=Weekday.MON, window=ClockWindow(start=time(8), end=time(16))),),
    )


def visit(
    oid: str = "RSO-1",
    officers: tuple[str, ...] = ("OM-A",),
    day: int = 0,
    start: str = "10:00",
    minutes: int = 60,
) -> Visit:
    arrival = datetime.combine(MONDAY + timedelta(days=day), time.fromisoformat(start))
    return Visit(
        offender_id=oid,
        officer_ids=officers,
        tier=RiskTier.HIGH,
        date=arrival.date(),
        slot="morning",
        arrival=arrival,
        window_end=arrival + timedelta(minutes=30),
        departure=arrival + timedelta(minutes=minutes),
        sequence=1,
        travel_to_s=600,
        due_date=MONDAY,
        urgency=100.0,
    )


def officer_day(busy_h: float, budget_h: float = 4.0, oid: str = "OM-A") -> OfficerDay:
    return OfficerDay(
        officer_id=oid,
        date=MONDAY,
        visits=2,
        travel_s=1800,
        busy_s=round(busy_h * 3600),
        budget_s=round(budget_h * 3600),
    )


def rota(
    visits: list[Visit],
    days: list[OfficerDay] | None = None,
    unscheduled: list[Unscheduled] | None = None,
) -> Rota:
    return Rota(
        week_start=MONDAY,
        visits=tuple(visits),
        unscheduled=tuple(unscheduled or ()),
        officer_days=tuple(days or ()),
    )


# One valid instance of every model, as the keyword arguments that build it.
VALID: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (Location, HOME),
    (ClockWindow, NINE_TO_FIVE),
    (DateRange, {"first": "2026-12-01", "last": "2026-12-03"}),
    (WeeklyWindow, {"days": [0, 1], "window": NINE_TO_FIVE}),
    (Unavailability, {"dates": [{"first": "2026-12-01", "last": "2026-12-01"}]}),
    (Offender, {"id": "RSO-1", "home": HOME, "tier": "high", "manager_id": "OM-A"}),
    (Shift, {"day": 0, "window": NINE_TO_FIVE}),
    (Officer, {"id": "OM-A", "base": HOME, "shifts": [{"day": 0, "window": NINE_TO_FIVE}]}),
    (TimeSlot, {"name": "morning", "window": NINE_TO_FIVE}),
    (SolverSettings, {"time_limit_s": 0.5}),
    (Policy, {}),
    (Register, {"offenders": [offender().model_dump()], "officers": [officer().model_dump()]}),
    (Visit, visit().model_dump()),
    (Unscheduled, {"offender_id": "RSO-1", "tier": "low", "reason": "not_due"}),
    (OfficerDay, officer_day(1.0).model_dump()),
    (AuditRecord, {"inputs_sha256": "0" * 64, "seed": 7, "policy": {}, "week_start": MONDAY}),
    (Rota, {"week_start": MONDAY, "visits": [], "unscheduled": []}),
]
MODEL_IDS = [model.__name__ for model, _ in VALID]


@pytest.mark.parametrize(("model", "data"), VALID, ids=MODEL_IDS)
def test_valid_data_builds(model: type[BaseModel], data: dict[str, Any]) -> None:
    model.model_validate(data)


@pytest.mark.parametrize(("model", "data"), VALID, ids=MODEL_IDS)
def test_extra_fields_are_rejected(model: type[BaseModel], data: dict[str, Any]) -> None:
    # e.g. an address or a name smuggled into a pseudonymous record
    with pytest.raises(ValidationError) as info:
        model.model_validate({**data, "address": "1 High Street"})
    [error] = info.value.errors()
    assert error["type"] == "extra_forbidden"
    assert error["loc"] == ("address",)


@pytest.mark.parametrize(("model", "data"), VALID, ids=MODEL_IDS)
def test_models_are_frozen(model: type[BaseModel], data: dict[str, Any]) -> None:
    obj = model.model_validate(data)
    field = next(iter(type(obj).model_fields))
    with pytest.raises(ValidationError, match="frozen"):
        setattr(obj, field, getattr(obj, field))


def test_nested_extra_field_is_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        Offender.model_validate(
            {
                "id": "RSO-1",
                "home": {**HOME, "postcode": "CR0 1AA"},
                "tier": "high",
                "manager_id": "OM-A",
            }
        )
    assert info.value.errors()[0]["loc"] == ("home", "postcode")


@pytest.mark.parametrize("bad_id", ["", "RSO 1", "J.Smith", "Smith,John", "x" * 65, "RSO/1"])
def test_ids_are_pseudonymous_tokens(bad_id: str) -> None:
    with pytest.raises(ValidationError):
        offender(oid=bad_id)


@pytest.mark.parametrize(("lat", "lon"), [(48.86, 2.35), (51.5, -9.0), (61.0, -1.0), (49.7, -5.0)])
def test_locations_outside_the_uk_are_rejected(lat: float, lon: float) -> None:
    with pytest.raises(ValidationError, match="outside the UK"):
        Location(lat=lat, lon=lon)


# ---- policy -------------------------------------------------------------------------------

WEIGHTS = ["low", "medium", "high", "very_high"]


def test_default_policy_weights_increase_with_tier() -> None:
    w = Policy().urgency_weight
    assert [w[RiskTier(t)] for t in WEIGHTS] == sorted(w.values())


@pytest.mark.parametrize("weights", [[1, 10, 100, 1000], [0.5, 0.6, 0.7, 0.8]])
def test_increasing_urgency_weights_are_accepted(weights: list[float]) -> None:
    policy = Policy.model_validate({"urgency_weight": dict(zip(WEIGHTS, weights, strict=True))})
    assert policy.urgency_weight[RiskTier.VERY_HIGH] == weights[-1]


@pytest.mark.parametrize(
    "weights",
    [
        [1, 10, 10, 1000],  # two tiers equal
        [1000, 100, 10, 1],  # decreasing
        [1, 100, 10, 1000],  # one pair swapped
        [5, 5, 5, 5],
    ],
)
def test_urgency_weights_must_increase(weights: list[float]) -> None:
    with pytest.raises(ValidationError, match="urgency_weight must increase with risk tier"):
        Policy.model_validate({"urgency_weight": dict(zip(WEIGHTS, weights, strict=True))})


def test_urgency_weights_must_be_positive_and_complete() -> None:
    with pytest.raises(ValidationError, match="greater than 0"):
        Policy.model_validate({"urgency_weight": dict(zip(WEIGHTS, [0, 1, 2, 3], strict=True))})
    with pytest.raises(ValidationError, match="urgency_weight lacks tiers: very_high"):
        Policy.model_validate({"urgency_weight": {"low": 1, "medium": 2, "high": 3}})
    with pytest.raises(ValidationError, match="interval_days lacks tiers: high, low"):
        Policy.model_validate({"interval_days": {"medium": 100, "very_high": 20}})


def test_policy_rejects_unknown_keys_and_needs_a_slot() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Policy.model_validate({"grace_day": 3})
    with pytest.raises(ValidationError, match="at least one time slot"):
        Policy.model_validate({"slots": []})


@pytest.mark.parametrize(
    ("start", "end"), [("17:00", "09:00"), ("09:00", "09:00"), ("12:00", "11:59")]
)
def test_windows_must_end_after_they_start(start: str, end: str) -> None:
    with pytest.raises(ValidationError, match="must be after start"):
        ClockWindow.model_validate({"start": start, "end": end})
    with pytest.raises(ValidationError, match="must be after start"):
        TimeSlot.model_validate({"name": "evening", "window": {"start": start, "end": end}})
    with pytest.raises(ValidationError, match="must be after start"):
        Policy.model_validate({"slots": [{"name": "late", "window": {"start": start, "end": end}}]})
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_clock_window(f"{start}-{end}")


def test_slot_windows_in_order_are_accepted() -> None:
    policy = Policy.model_validate(
        {
            "slots": [
                {"name": "morning", "window": {"start": "07:30", "end": "12:00"}},
                {"name": "evening", "window": {"start": "18:00", "end": "21:30"}, "days": [5, 6]},
            ]
        }
    )
    assert [s.window.start_s for s in policy.slots] == [27_000, 64_800]
    assert policy.slots[1].window.end_s == 77_400
    assert policy.slot_days(policy.slots[1]) == {Weekday.SAT, Weekday.SUN}
    no_weekends = policy.model_copy(update={"weekends": False})
    assert no_weekends.slot_days(policy.slots[1]) == frozenset()


def test_date_range_must_be_ordered() -> None:
    with pytest.raises(ValidationError, match="before it starts"):
        DateRange(first=date(2026, 12, 3), last=date(2026, 12, 1))
    assert DateRange(first=date(2026, 12, 1), last=date(2026, 12, 1)).covers(date(2026, 12, 1))


# ---- officer ------------------------------------------------------------------------------


def test_officer_with_two_shifts_on_one_day_is_rejected() -> None:
    early = Shift(day=Weekday.TUE, window=ClockWindow(start=time(7), end=time(12)))
    late = Shift(day=Weekday.TUE, window=ClockWindow(start=time(13), end=time(20)))
    with pytest.raises(ValidationError, match="more than one shift on the same weekday"):
        Officer(id="OM-A", base=Location(**HOME), shifts=(early, late))
    with pytest.raises(ValidationError, match="more than one shift on the same weekday"):
        Officer(id="OM-A", base=Location(**HOME), shifts=(early, early))


def test_officer_with_one_shift_per_day_is_accepted() -> None:
    mon = Shift(day=Weekday.MON, window=ClockWindow(start=time(8), end=time(16)))
    sat = Shift(day=Weekday.SAT, window=ClockWindow(start=time(10), end=time(18)))
    o = Officer(id="OM-A", base=Location(**HOME), shifts=(mon, sat), absent=(MONDAY,))
    assert o.shift_on(MONDAY) is None  # absent
    assert o.shift_on(MONDAY + timedelta(days=7)) == mon
    assert o.shift_on(MONDAY + timedelta(days=5)) == sat
    assert o.shift_on(MONDAY + timedelta(days=1)) is None  # rest day


@pytest.mark.parametrize(
    ("field", "value"),
    [("visit_hours", 25), ("visit_hours", -1), ("caseload_cap", 0), ("team", "")],
)
def test_officer_field_bounds(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as info:
        Officer.model_validate({**officer().model_dump(), field: value})
    assert info.value.errors()[0]["loc"] == (field,)


# ---- register -----------------------------------------------------------------------------


def test_register_accepts_sound_references() -> None:
    reg = Register(
        offenders=(offender("R1", "OM-A"), offender("R2", "OM-B")),
        officers=(officer("OM-A"), officer("OM-B")),
    )
    assert reg.officer("OM-B").id == "OM-B"


def test_register_rejects_unknown_manager() -> None:
    with pytest.raises(ValidationError, match="offender R2: manager 'OM-Z' is not an officer"):
        Register(
            offenders=(offender("R1", "OM-A"), offender("R2", "OM-Z")), officers=(officer("OM-A"),)
        )


def test_register_rejects_duplicate_offender_ids() -> None:
    with pytest.raises(ValidationError, match="offender id 'R1' appears twice"):
        Register(
            offenders=(offender("R1"), offender("R2"), offender("R1")), officers=(officer("OM-A"),)
        )


def test_register_rejects_duplicate_officer_ids() -> None:
    with pytest.raises(ValidationError, match="officer id 'OM-A' appears twice"):
        Register(offenders=(offender("R1"),), officers=(officer("OM-A"), officer("OM-A")))


# ---- visits and rota violations -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"officer_ids": ("OM-A", "OM-A")}, "the same officer is listed twice"),
        ({"officer_ids": ()}, "at least 1 item"),
        ({"officer_ids": ("A", "B", "C")}, "at most 2 items"),
        ({"departure": datetime(2026, 11, 30, 10, 0)}, "inconsistent with its date"),
        ({"date": date(2026, 12, 1)}, "inconsistent with its date"),
        ({"window_end": datetime(2026, 11, 30, 9, 59)}, "arrival window ends before it starts"),
    ],
)
def test_visit_consistency(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Visit.model_validate({**visit().model_dump(), **change})


def test_visit_days_overdue() -> None:
    assert visit(day=0).days_overdue == 0
    assert visit(day=3).days_overdue == 3


def test_rota_without_clashes_has_no_violations() -> None:
    r = rota(
        [
            visit("R1", start="10:00"),  # 10:00-11:00
            visit("R2", start="11:00"),  # back to back: allowed
            visit("R3", ("OM-B",), start="10:30"),  # another officer at the same time
            visit("R4", start="10:30", day=1),
        ],  # same time, another day
        days=[officer_day(4.0, 4.0), officer_day(1.0, 4.0, "OM-B")],
    )
    assert r.violations() == []
    assert r.is_feasible()


def test_double_booked_officer_is_a_violation() -> None:
    r = rota([visit("R1", start="10:00"), visit("R2", start="10:30")])
    assert r.violations() == ["officer OM-A is double-booked at Mon 10:30"]
    assert not r.is_feasible()


def test_joint_visit_double_books_the_partner() -> None:
    r = rota([visit("R1", ("OM-A", "OM-B"), start="10:00"), visit("R2", ("OM-B",), start="10:45")])
    assert r.violations() == ["officer OM-B is double-booked at Mon 10:45"]


def test_over_budget_officer_day_is_a_violation() -> None:
    r = rota([visit("R1")], days=[officer_day(4.25, 4.0), officer_day(3.0, 4.0, "OM-B")])
    assert r.violations() == ["officer OM-A over visit hours on 2026-11-30"]
    assert not r.is_feasible()


def test_offender_listed_twice_is_a_violation() -> None:
    r = rota(
        [visit("R1")],
        unscheduled=[
            Unscheduled(offender_id="R1", tier=RiskTier.HIGH, reason=UnscheduledReason.CAPACITY)
        ],
    )
    assert r.violations() == ["an offender appears more than once"]


def test_shortfall_reasons() -> None:
    shortfall = {r for r in UnscheduledReason if r.is_shortfall}
    assert shortfall == {
        UnscheduledReason.UNAVAILABLE_ALL_WEEK,
        UnscheduledReason.NO_OFFICER,
        UnscheduledReason.NEEDS_TWO_OFFICERS,
        UnscheduledReason.CAPACITY,
    }


@settings(max_examples=150, deadline=None)
@given(
    slots=st.lists(
        st.tuples(st.integers(0, 6), st.integers(8 * 60, 20 * 60), st.integers(1, 180)),
        min_size=1,
        max_size=6,
    )
)
def test_double_booking_found_exactly_when_visits_overlap(
    slots: list[tuple[int, int, int]],
) -> None:
    visits = [
        visit(f"R{i}", day=d, start=f"{m // 60:02d}:{m % 60:02d}", minutes=length)
        for i, (d, m, length) in enumerate(slots)
    ]
    overlap = any(
        a.arrival < b.departure and b.arrival < a.departure for a, b in combinations(visits, 2)
    )
    found = [v for v in rota(visits).violations() if "double-booked" in v]
    assert bool(found) == overlap
