"""The allocation result (``scheduler.allocation.results``) round-trips through JSON."""

from __future__ import annotations

from data.scenarios import generate
from scheduler.allocation import Allocation, allocate


def test_allocation_round_trips_through_json() -> None:
    r = generate("borough", scale=0.1).register
    al = allocate(r, remove_officers=[r.officers[0].id])
    assert Allocation.model_validate_json(al.model_dump_json()) == al
