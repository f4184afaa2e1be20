"""What an allocation returns: the new assignment, each change and why, who cannot be
placed and the officers needed, per-officer loads and the objective; typed, with a summary
and JSON round-trip so only the CLI formats them."""

from __future__ import annotations

from collections import Counter, defaultdict
from enum import StrEnum
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from models import Gender, Officer, RiskTier


class ChangeReason(StrEnum):
    """Why an offender gets a new manager (or none)."""

    MANAGER_REMOVED = "manager_removed"
    MANAGER_ABSENT = "manager_absent"
    MANAGER_NO_HOURS = "manager_no_hours"
    GENDER_REQUIREMENT = "gender_requirement"
    OVER_CAP = "over_cap"
    OVER_THRESHOLD = "over_threshold"
    REBALANCE = "rebalance"
    NEARER_BASE = "nearer_base"
    UNALLOCATED = "unallocated"


class OfficerStatus(StrEnum):
    AVAILABLE = "available"
    ADDED = "added"
    REMOVED = "removed"
    ABSENT = "absent"
    NO_HOURS = "no_hours"


class ShortfallReason(StrEnum):
    NO_OFFICER = "no_officer"  # no available officer (of the required gender) at all
    CAPACITY = "capacity"  # officers exist but their places are full


class Change(BaseModel):
    """One offender whose manager changes: from whom, to whom (None: unallocated), why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    offender_id: str
    tier: RiskTier
    from_officer: str | None
    to_officer: str | None
    reason: ChangeReason
    detail: str


class Shortfall(BaseModel):
    """Offenders of one team (or cross-team group) and one requirement who cannot be
    allocated, with the arithmetic that shows why and the officers that would fix it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    team: str
    requirement: Gender | None
    reason: ShortfallReason
    offenders: tuple[str, ...]
    demand: int  # offenders in the team with this requirement (None: all)
    places: int  # places of the eligible officers (caps, pro rata)
    officers_needed: int  # extra full-time officers (of that gender, if required)
    message: str


class OfficerLoad(BaseModel):
    """An officer's caseload before and after, for the table the manager reads."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    officer_id: str
    team: str
    status: OfficerStatus
    cap: int
    caseload_before: int
    caseload: int
    risk_load_before: float
    risk_load: float
    mean_km: float | None  # mean road km from base to the caseload's homes
    moved_in: int
    moved_out: int


class ObjectiveParts(BaseModel):
    """The optimised cost, in km-equivalents of annual visiting travel. Ranked before
    it (not priced into it): fewest unallocated, least load above the threshold, fewest
    forced moves."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    travel: float  # 2 x road km x visits per year, summed
    handover: float  # handover_km per changed manager (+ cross-team extra)
    balance: float  # balance_weight x sum_jl step_l (N_jl - fair share)^2 / fte_j

    @property
    def total(self) -> float:
        return self.travel + self.handover + self.balance


class Allocation(BaseModel):
    """The new assignment, what changed and why, who could not be placed, per-officer
    loads and the objective. ``assignment`` maps every offender id to an officer id,
    or None when unallocated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    assignment: dict[str, str | None]
    changes: tuple[Change, ...]
    shortfalls: tuple[Shortfall, ...]
    officers: tuple[OfficerLoad, ...]
    objective: ObjectiveParts
    risk_weight: dict[RiskTier, float]
    added_officers: tuple[Officer, ...] = ()
    removed_officers: tuple[str, ...] = ()
    threshold: int | None = None
    components: int = 0

    def is_feasible(self) -> bool:
        """Everyone has a manager."""
        return not self.shortfalls

    @property
    def unallocated(self) -> tuple[str, ...]:
        return tuple(o for s in self.shortfalls for o in s.offenders)

    def officers_needed(self) -> int:
        """Extra full-time officers that would let everyone be allocated."""
        return sum(s.officers_needed for s in self.shortfalls)

    def change_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "offender_id": c.offender_id,
                "tier": c.tier.value,
                "from_officer": c.from_officer or "",
                "to_officer": c.to_officer or "",
                "reason": c.reason.value,
                "detail": c.detail,
            }
            for c in self.changes
        ]

    def officer_rows(self) -> list[dict[str, Any]]:
        return [o.model_dump(mode="json") for o in self.officers]

    def summary(self) -> dict[str, Any]:
        """Plain numbers (JSON-serialisable): counts, spread, travel, objective."""
        working = [o for o in self.officers if o.cap > 0]
        loads = np.array([o.risk_load / o.cap for o in working]) if working else np.zeros(0)
        by_team: dict[str, list[float]] = defaultdict(list)
        for o, load in zip(working, loads.tolist(), strict=True):
            by_team[o.team].append(load)
        team_spread = [float(max(v) / np.mean(v)) for v in by_team.values() if np.mean(v) > 0]
        km = [(o.mean_km or 0.0) * o.caseload for o in self.officers]
        n_placed = sum(o.caseload for o in self.officers)
        return {
            "offenders": len(self.assignment),
            "officers": len(working),
            "allocated": n_placed,
            "unallocated": len(self.unallocated),
            "feasible": self.is_feasible(),
            "officers_needed": self.officers_needed(),
            "changes": len(self.changes),
            "changes_by_reason": dict(
                sorted(Counter(c.reason.value for c in self.changes).items())
            ),
            "over_cap": sorted(o.officer_id for o in self.officers if o.caseload > o.cap),
            "risk_load_per_place_max_over_mean": (
                round(float(loads.max() / loads.mean()), 4) if loads.size and loads.mean() else None
            ),
            "team_spread_max_over_mean_worst": round(max(team_spread), 4) if team_spread else None,
            "team_spread_max_over_mean_mean": (
                round(float(np.mean(team_spread)), 4) if team_spread else None
            ),
            "mean_travel_km": round(sum(km) / n_placed, 3) if n_placed else None,
            "objective": {
                **{k: round(v, 2) for k, v in self.objective.model_dump().items()},
                "total": round(self.objective.total, 2),
            },
            "risk_weight": {t.value: round(w, 4) for t, w in self.risk_weight.items()},
            "shortfalls": [
                s.model_dump(mode="json", exclude={"offenders"}) for s in self.shortfalls
            ],
        }
