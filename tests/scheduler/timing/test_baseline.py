"""``scheduler.timing.baseline``: the baseline's (weekday, slot) distribution."""

from __future__ import annotations

import pytest

from models import Policy
from scheduler.timing.baseline import slot_distribution


def test_slot_distribution_follows_shares_and_weekend_switch() -> None:
    dist = slot_distribution(Policy())
    assert len(dist) == 21 and all(p == pytest.approx(1 / 21) for p in dist.values())
    weekdays_only = Policy.model_validate({"weekends": False})
    assert len(slot_distribution(weekdays_only)) == 15
    evening_twice = Policy.model_validate(
        {
            "slots": [
                {"name": "day", "window": {"start": "08:00", "end": "17:00"}},
                {"name": "evening", "window": {"start": "17:00", "end": "21:00"}, "share": 2},
            ]
        }
    )
    dist = slot_distribution(evening_twice)
    assert dist[0, "evening"] == pytest.approx(2 * dist[0, "day"]) == pytest.approx(2 / 21)
