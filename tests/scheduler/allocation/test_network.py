"""Caps pro rata to hours, long-term absence and the requests refused while the register
is turned into networks (``scheduler.allocation.network``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from scheduler.allocation import (
    AllocationError,
    AllocationSettings,
    ChangeReason,
    OfficerStatus,
    allocate,
    long_term_absent,
    officer_cap,
)
from tests.scheduler.allocation.conftest import NO_BALANCE, om, reg, rso


def test_part_time_cap_is_pro_rata_to_contracted_hours() -> None:
    # 3 days of 8 h = 24 h of a 40 h week: 0.6 x 50 = 30; 48 h is still one full cap.
    assert officer_cap(om("P", shifts="mon-wed 08:00-16:00"), AllocationSettings()) == 30
    assert officer_cap(om("F", shifts="mon-sat 08:00-16:00"), AllocationSettings()) == 50
    assert officer_cap(om("O", cap=20), AllocationSettings()) == 20
    no_pro_rata = AllocationSettings(pro_rata=False)
    assert officer_cap(om("P", shifts="mon-wed 08:00-16:00"), no_pro_rata) == 50


def test_long_term_absence_moves_the_caseload_only_when_asked() -> None:
    # S is absent on every working day of the 28 days from the Monday: sick.
    monday = date(2026, 11, 30)
    sick = tuple(monday + timedelta(days=d) for d in range(28))
    r = reg([rso("R1", "S"), rso("R2", "S")], [om("S", absent=sick), om("W")])
    assert long_term_absent(r.officers[0], monday, 28)
    assert not long_term_absent(r.officers[0], monday, 29)
    assert allocate(r, settings=NO_BALANCE).changes == ()  # no date given: not checked
    al = allocate(r, as_of=monday)
    assert al.assignment == {"R1": "W", "R2": "W"}
    assert {c.reason for c in al.changes} == {ChangeReason.MANAGER_ABSENT}
    assert next(o for o in al.officers if o.officer_id == "S").status is OfficerStatus.ABSENT


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"remove_officers": ["GHOST"]}, "cannot remove unknown officer 'GHOST'"),
        ({"lock": ["GHOST"]}, "cannot lock unknown offender 'GHOST'"),
        ({"lock": "R1"}, "lock takes True/False or a collection of offender ids"),
        ({"threshold": -1}, "threshold must be 0 or more"),
        ({"add_officers": [om("A")]}, "added officer id 'A' is already in use"),
    ],
)
def test_bad_requests_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(AllocationError, match=message):
        allocate(reg([rso("R1", "A")], [om("A")]), **kwargs)
