"""``scheduler.timing.tradeoff``: the trade-off table over the mean-gap budgets."""

from __future__ import annotations

import pytest

from models import Policy, RiskTier
from scheduler.timing.tradeoff import TRADEOFF_SHARES, tradeoff_table

T = RiskTier


def test_tradeoff_table_is_monotone_in_the_share() -> None:
    rows = tradeoff_table(Policy(), offenders={T.LOW: 150, T.HIGH: 54})
    assert len(rows) == 4 * len(TRADEOFF_SHARES)
    assert TRADEOFF_SHARES[0] == 0.55 and TRADEOFF_SHARES[-1] == 1.0
    for tier in T:
        mine = [r for r in rows if r.tier is tier]
        assert [r.share for r in mine] == list(TRADEOFF_SHARES)
        per_year = [r.visits_per_year for r in mine]
        worst = [r.worst_week for r in mine]
        assert all(a > b for a, b in zip(per_year, per_year[1:], strict=False)), tier
        assert all(a >= b for a, b in zip(worst, worst[1:], strict=False)), tier
        assert worst[0] > worst[-1] == 0.0
        # At share 1 the only schedule is the fixed cycle: once per interval, fully predicted.
        assert mine[-1].visits_vs_fixed == pytest.approx(1.0)
        assert mine[-1].gap_attacker == 1.0 and mine[-1].gap_entropy == 0.0
        assert len({r.slot_attacker for r in mine}) == 1  # the gap budget leaves slots alone
    low = next(r for r in rows if r.tier is T.LOW and r.share == 0.75)
    assert low.visits_per_year == pytest.approx(365.25 / (0.75 * 365))
    assert low.visits_per_year_total == pytest.approx(150 * low.visits_per_year)
    assert next(r for r in rows if r.tier is T.MEDIUM).offenders == 0
