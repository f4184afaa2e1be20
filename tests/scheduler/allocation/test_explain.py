"""Why an offender moves or cannot be placed (``scheduler.allocation.explain``): the
change reasons and the shortfalls with the officers needed, on tiny registers."""

from __future__ import annotations

import pytest

from models import Gender
from scheduler.allocation import (
    AllocationError,
    AllocationSettings,
    ChangeReason,
    ShortfallReason,
    allocate,
    apply_allocation,
)
from tests.scheduler.allocation.conftest import caseloads, om, reg, rso


def test_gender_requirement_moves_offender_to_an_officer_of_that_gender() -> None:
    # R1 needs a female officer but is managed by M; F is the only female officer.
    r = reg(
        [rso("R1", "M", needs=Gender.FEMALE), rso("R2", "M")],
        [om("M", gender=Gender.MALE), om("F", gender=Gender.FEMALE)],
    )
    al = allocate(r)
    assert al.assignment["R1"] == "F"
    change = next(c for c in al.changes if c.offender_id == "R1")
    assert change.reason is ChangeReason.GENDER_REQUIREMENT
    assert "needs a female officer" in change.detail


def test_gender_requirement_that_no_officer_meets_is_explained() -> None:
    # Two offenders need a female officer; the team has only a male officer (and one
    # whose gender is not recorded, who cannot meet a requirement either): both are
    # unallocated, and one female officer (50 places) would take both.
    r = reg(
        [rso("R1", "M", needs=Gender.FEMALE), rso("R2", "M", needs=Gender.FEMALE), rso("R3", "M")],
        [om("M", gender=Gender.MALE), om("U")],
    )
    al = allocate(r)
    assert not al.is_feasible()
    assert set(al.unallocated) == {"R1", "R2"}
    assert al.assignment["R1"] is None and al.assignment["R3"] is not None
    (short,) = al.shortfalls
    assert short.requirement is Gender.FEMALE
    assert short.reason is ShortfallReason.NO_OFFICER
    assert (short.demand, short.places, short.officers_needed) == (2, 0, 1)
    assert short.message == (
        "2 offenders needing a female officer cannot be allocated in t: 2 need one; "
        "female officers' places: 0; 1 more female officer needed"
    )


def test_gender_shortfall_when_its_officers_are_full() -> None:
    # F (cap 2) is the only female officer; 3 offenders need her: 1 cannot be placed
    # although M has room, and it is a gender shortfall, not a capacity one.
    r = reg(
        [rso(f"R{i}", "F", needs=Gender.FEMALE) for i in range(3)],
        [om("F", cap=2, gender=Gender.FEMALE), om("M", gender=Gender.MALE)],
    )
    al = allocate(r)
    assert len(al.unallocated) == 1
    (short,) = al.shortfalls
    assert (short.requirement, short.reason) == (Gender.FEMALE, ShortfallReason.CAPACITY)
    assert (short.demand, short.places, short.officers_needed) == (3, 2, 1)


def test_capacity_shortfall_places_highest_risk_first_and_counts_officers_needed() -> None:
    # One officer with 2 places, 5 offenders: 3 cannot be placed. The very-high and high
    # risk offenders keep a manager; the three low-risk ones are listed. With 50 places
    # per new officer, 1 more officer is needed; with 2 per officer, ceil(3/2) = 2.
    tiers = ["low", "very_high", "low", "high", "low"]
    r = reg([rso(f"R{i}", "A", t) for i, t in enumerate(tiers)], [om("A", cap=2)])
    al = allocate(r)
    assert {al.assignment["R1"], al.assignment["R3"]} == {"A"}
    assert set(al.unallocated) == {"R0", "R2", "R4"}
    assert caseloads(al) == {"A": 2}  # never over-filled
    (short,) = al.shortfalls
    assert short.reason is ShortfallReason.CAPACITY and short.requirement is None
    assert short.officers_needed == 1 and al.officers_needed() == 1
    assert short.message == (
        "3 offenders cannot be allocated in t: 5 offenders for 2 places; 1 more officer needed"
    )
    small = allocate(r, settings=AllocationSettings(reference_cap=2))
    assert small.officers_needed() == 2
    unplaced = [c for c in al.changes if c.to_officer is None]
    assert {c.reason for c in unplaced} == {ChangeReason.UNALLOCATED}


def test_team_without_any_available_officer_is_explained() -> None:
    # The only officer of team x leaves; team y has room but cross-team moves are off.
    r = reg([rso("R1", "X")], [om("X", team="x"), om("Y", team="y")])
    al = allocate(r, remove_officers=["X"])
    (short,) = al.shortfalls
    assert short.reason is ShortfallReason.NO_OFFICER and short.team == "x"
    assert short.offenders == ("R1",) and short.officers_needed == 1
    with pytest.raises(AllocationError, match="1 offenders have no manager"):
        apply_allocation(r, al)
