"""The trade-off table: per tier and mean-gap budget, the visits a year and the
long-history attacker scores, so a manager can choose a budget and a planner staff for it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from models import Policy, RiskTier
from scheduler.timing.attackers import GAP_TOLERANCE_DAYS, whole_days
from scheduler.timing.baseline import slot_distribution
from scheduler.timing.gaps import gap_pmf, mean_gap, normalised_entropy, worst_week_detection
from scheduler.timing.scores import rounded

#: Budgets of the trade-off table: mean gap as a share of the interval.
TRADEOFF_SHARES = tuple(round(0.55 + 0.05 * i, 2) for i in range(10))


@dataclass(frozen=True)
class TradeoffRow:
    """One tier at one budget: what the visits cost and what they buy."""

    tier: RiskTier
    interval_days: int
    share: float
    mean_gap_days: float
    visits_per_year: float
    #: Visits relative to the fixed cycle, I / mu.
    visits_vs_fixed: float
    worst_week: float
    #: Long-history gap attacker: P(|G - round(mu)| <= 3).
    gap_attacker: float
    gap_entropy: float
    #: Long-history slot attacker (the most likely (weekday, slot)): the same at every
    #: budget, since the gap budget does not change where in the week visits fall.
    slot_attacker: float
    offenders: int | None = None
    #: Successful visits a year for the tier's offenders (staffing).
    visits_per_year_total: float | None = None

    def record(self) -> dict[str, Any]:
        out = {k: rounded(v) if isinstance(v, float) else v for k, v in self.__dict__.items()}
        out["tier"] = self.tier.value
        return out


TRADEOFF_COLUMNS = tuple(TradeoffRow.__dataclass_fields__)


def tradeoff_table(
    policy: Policy,
    shares: Sequence[float] = TRADEOFF_SHARES,
    offenders: Mapping[RiskTier, int] | None = None,
) -> list[TradeoffRow]:
    """Per tier and mean-gap share: visits a year and the long-history attacker scores of
    the policy's gap shape, so a manager can choose a budget and a planner staff for it.
    ``offenders`` (per tier) adds the tier's total visits a year."""
    slot = max(slot_distribution(policy).values(), default=0.0)
    rows = []
    for tier in sorted(RiskTier, key=lambda t: -t.rank):
        interval = policy.interval_days[tier]
        k = np.arange(1, interval + 1)
        for share in shares:
            pmf = gap_pmf(policy.gap_shape, interval, share)
            mu = mean_gap(pmf)
            per_year = 365.25 / mu
            count = None if offenders is None else offenders.get(tier, 0)
            rows.append(
                TradeoffRow(
                    tier=tier,
                    interval_days=interval,
                    share=float(share),
                    mean_gap_days=mu,
                    visits_per_year=per_year,
                    visits_vs_fixed=interval / mu,
                    worst_week=worst_week_detection(pmf),
                    gap_attacker=float(
                        pmf[np.abs(k - whole_days(np.array(mu))) <= GAP_TOLERANCE_DAYS].sum()
                    ),
                    gap_entropy=normalised_entropy(pmf) + 0.0,
                    slot_attacker=slot,
                    offenders=count,
                    visits_per_year_total=None if count is None else count * per_year,
                )
            )
    return rows
