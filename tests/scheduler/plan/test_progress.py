"""Progress of a weekly plan: one call per planning unit solved, the plan unchanged."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from scheduler.plan.planner import plan_week
from tests.scheduler.conftest import WEEK, offender, officer, register


def three_units():
    ofs = [officer(f"O{t}", team=f"team-{t}") for t in range(3)]
    offs = [offender(f"R{i:02d}", f"O{i % 3}", days_since=30 + i) for i in range(9)]
    return register(offs, ofs)


@pytest.mark.parametrize("pool", [False, True], ids=["serial", "executor"])
def test_each_unit_solved_is_reported_once_and_the_plan_is_the_same(policy, pool) -> None:
    reg = three_units()
    calls: list[tuple[int, int]] = []
    executor = ThreadPoolExecutor(2) if pool else None
    try:
        with_bar = plan_week(
            reg,
            policy,
            WEEK,
            seed=3,
            executor=executor,
            on_team=lambda done, n: calls.append((done, n)),
        )
    finally:
        if executor is not None:
            executor.shutdown()
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
    plain = plan_week(reg, policy, WEEK, seed=3)
    assert with_bar.visits == plain.visits and with_bar.unscheduled == plain.unscheduled
