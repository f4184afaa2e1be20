"""``scheduler.timing.edits``: visits moved by hand to one slot are warned about, visits
as planned are not."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from models import Policy
from scheduler.timing.audit import audit
from scheduler.timing.edits import edits_reduce_randomness
from scheduler.timing.visits import PlannedRecord, VisitRecord
from tests.scheduler.timing.audit_helpers import SLOTS, START, visit


def planned_and_recorded(move_every: int) -> tuple[list[PlannedRecord], list[VisitRecord]]:
    """40 offenders with 12 planned visits each at random days and slots; every
    ``move_every``-th visit was recorded on the Tuesday morning of its week instead."""
    rng = np.random.default_rng(11)
    planned, recorded = [], []
    for o in range(40):
        day = START + timedelta(days=int(rng.integers(0, 28)))
        for k in range(12):
            slot = SLOTS[rng.integers(3)]
            planned.append(PlannedRecord(f"O{o}", day, slot))
            if move_every and k % move_every == 0:
                tuesday = day - timedelta(days=day.weekday() - 1)
                recorded.append(visit(f"O{o}", tuesday, "morning"))
            else:
                recorded.append(visit(f"O{o}", day, slot))
            day += timedelta(days=int(rng.integers(14, 29)))
    return planned, recorded


def test_edits_moving_visits_to_one_slot_are_warned_about() -> None:
    planned, recorded = planned_and_recorded(move_every=2)
    check = edits_reduce_randomness(planned, recorded, Policy())
    assert check.matched == 480
    assert 200 <= check.moved <= 240  # half the visits, less those planned there already
    assert check.top_destination == ("tue morning", check.moved)
    assert check.slot_hit_rate_recorded > check.slot_hit_rate_planned + 0.2
    assert len(check.warnings) == 3  # hit rate up, weekday and slot entropy down
    assert all("went to tue morning" in w for w in check.warnings)
    # The same check runs inside the audit when planned visits are given.
    result = audit(recorded, Policy(), planned=planned)
    assert result.edits == check
    assert set(check.warnings) <= set(result.warnings)


def test_visits_as_planned_give_no_edit_warning() -> None:
    planned, recorded = planned_and_recorded(move_every=0)
    check = edits_reduce_randomness(planned, recorded, Policy())
    assert (check.matched, check.moved, check.warnings) == (480, 0, ())
    assert check.slot_hit_rate_planned == check.slot_hit_rate_recorded
