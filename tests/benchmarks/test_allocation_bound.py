"""The allocation benchmark's LP relaxation (``benchmarks.allocation.lp_bound``): an
independent formulation whose optimum must match the flow's objective, because a
min-cost flow's LP relaxation is integral (up to the flow's 0.1 km cost rounding)."""

from __future__ import annotations

import pytest

from data.scenarios import generate
from scheduler.allocation import AllocationSettings, allocate, build_problems

pytest.importorskip("scipy")

from benchmarks.allocation import lp_bound  # noqa: E402


@pytest.mark.parametrize("handover_km", [0.0, 150.0])
def test_lp_bound_meets_the_flow_objective(handover_km: float) -> None:
    register = generate("met", scale=0.03).register
    settings = AllocationSettings(handover_km=handover_km)
    allocation = allocate(register, settings=settings)
    assert allocation.is_feasible()
    bound = sum(lp_bound(p) for p in build_problems(register, settings=settings))
    total = allocation.objective.total
    # A bound never exceeds the optimum; integral LP: the two agree to rounding.
    assert bound <= total + 1e-6 * abs(total)
    assert (total - bound) / abs(total) < 1e-4
