"""Allocation settings (``scheduler.allocation.settings``): the risk weights."""

from __future__ import annotations

import pytest

from models import Policy, RiskTier
from scheduler.allocation import allocate
from tests.scheduler.allocation.conftest import om, reg, rso


def test_risk_weights_are_visits_per_year_from_the_policy() -> None:
    al = allocate(reg([rso("R1", "A")], [om("A")]))
    assert al.risk_weight[RiskTier.LOW] == pytest.approx(1.0)
    assert al.risk_weight[RiskTier.VERY_HIGH] == pytest.approx(365 / 28)
    policy = Policy.model_validate(
        {"interval_days": {"low": 365, "medium": 182, "high": 91, "very_high": 14}}
    )
    al = allocate(reg([rso("R1", "A")], [om("A")]), policy)
    assert al.risk_weight[RiskTier.VERY_HIGH] == pytest.approx(365 / 14)
