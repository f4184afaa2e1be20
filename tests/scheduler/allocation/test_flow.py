"""One component's min-cost flow (``scheduler.allocation.flow``): the objective
``allocate`` reports is the flow's."""

from __future__ import annotations

import pytest

from scheduler.allocation import AllocationSettings, allocate, build_problems, solve_component
from tests.scheduler.allocation.conftest import unbalanced


def test_reported_objective_is_the_flow_optimum() -> None:
    # The library's objective is the sum of its components' solutions, and a component's
    # balance in deviation form is 0 when every level count is at its fair share.
    r = unbalanced()
    al = allocate(r, settings=AllocationSettings(handover_km=0.0))
    (p,) = build_problems(r, settings=AllocationSettings(handover_km=0.0))
    sol = solve_component(p)
    assert al.objective.total == pytest.approx(sol.travel + sol.handover + sol.balance)
    assert al.objective.balance == pytest.approx(0.0, abs=1e-9)  # 2/2/2, all low risk
