"""Weights and rules of the allocation, and the error a request that cannot be carried
out raises (every module of the subpackage raises it, so it lives beside the settings)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from models import DEFAULT_CASELOAD_CAP, Policy, RiskTier
from scheduler.core.exceptions import RotaError


class AllocationError(RotaError):
    """An allocation request that cannot be carried out (unknown officer, bad option)."""


class AllocationSettings(BaseModel):
    """Weights and rules of the allocation. Costs are km-equivalents of annual visiting
    travel, so each weight reads as "worth this many kilometres a year"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Cost of moving one offender to a new manager (continuity): a move must save at
    #: least this much travel or imbalance.
    handover_km: Annotated[float, Field(ge=0, le=1e5)] = 150.0
    #: Weight of the convex balance cost ``sum_t (w_t - w_next) N_t^2 / fte``
    #: (``docs/design/allocation.md``). Moving a low-risk offender between two full-time
    #: officers whose caseloads differ by ``d`` saves ``2 x balance_weight x (d - 1)``:
    #: with the defaults that pays for the handover from ``d = 4``; a second
    #: very-high-risk case moves to a colleague who has none.
    balance_weight: Annotated[float, Field(ge=0, le=1e4)] = 30.0
    #: Cross-team moves (when allowed): officers based within this road-free distance of
    #: the offender's home are candidates ...
    cross_team_km: Annotated[float, Field(gt=0, le=1000)] = 15.0
    #: ... at this extra handover cost.
    cross_team_handover_km: Annotated[float, Field(ge=0, le=1e5)] = 300.0
    #: Caps are pro rata to contracted shift hours against this full-time week.
    full_time_hours: Annotated[float, Field(gt=0, le=168)] = 40.0
    #: False: take ``caseload_cap`` as given for everyone (caps already pro rata).
    pro_rata: bool = True
    #: With ``as_of``: an officer absent on every working day of the next this many
    #: days is treated as unavailable (long-term sickness) and their caseload moves.
    absence_days: Annotated[int, Field(ge=1, le=365)] = 28
    #: Cap of a full-time officer: the unit of "officers needed" and of ``fte``.
    reference_cap: Annotated[int, Field(ge=1, le=1000)] = DEFAULT_CASELOAD_CAP
    #: Risk weight per tier; default: visits per year, ``365 / policy.interval_days``.
    risk_weight: dict[RiskTier, Annotated[float, Field(gt=0, le=1000)]] | None = None

    def weights(self, policy: Policy) -> dict[RiskTier, float]:
        """Risk weight of each tier (visits per year the tier's interval needs)."""
        if self.risk_weight is not None:
            missing = set(RiskTier) - set(self.risk_weight)
            if missing:
                raise AllocationError(f"risk_weight lacks tiers: {', '.join(sorted(missing))}")
            return dict(self.risk_weight)
        return {t: 365.0 / policy.interval_days[t] for t in RiskTier}
