"""The audit's results: each score beside the baseline and the naive schedule, per
offender, per tier and overall, with their CSV columns and JSON summary."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from models import RiskTier


@dataclass(frozen=True)
class Score:
    """A score beside the same attacker against the baseline and the naive schedule."""

    value: float | None
    baseline: float | None
    naive: float | None

    @property
    def ratio(self) -> float | None:
        """score / baseline: above 1 is worse for lower-is-better scores, below 1 for
        higher-is-better ones."""
        if self.value is None or self.baseline is None or self.baseline <= 0:
            return None
        return self.value / self.baseline

    def record(self, name: str) -> dict[str, Any]:
        return {
            name: rounded(self.value),
            f"{name}_baseline": rounded(self.baseline),
            f"{name}_naive": rounded(self.naive),
            f"{name}_ratio": rounded(self.ratio),
        }


def _score_columns(*names: str) -> tuple[str, ...]:
    return tuple(f"{n}{s}" for n in names for s in ("", "_baseline", "_naive", "_ratio"))


@dataclass(frozen=True)
class Flag:
    """An offender whose visits one attacker predicts markedly better than the baseline."""

    offender_id: str
    tier: RiskTier
    attacker: str
    hits: int
    predictions: int
    baseline: float
    p_value: float

    @property
    def rate(self) -> float:
        return self.hits / self.predictions

    def message(self) -> str:
        what = {"slot": "(weekday, slot)", "gap": "date within ±3 days"}[self.attacker]
        return (
            f"{self.offender_id} ({self.tier.value}): {self.attacker} attacker predicts the "
            f"{what} of {self.hits}/{self.predictions} visits ({self.rate:.2f}; baseline "
            f"{self.baseline:.2f}, p = {self.p_value:.1g})"
        )


@dataclass(frozen=True)
class OffenderAudit:
    offender_id: str
    tier: RiskTier
    interval_days: int
    attended: int
    completed: int
    slot_hits: int
    slot_predictions: int
    slot_attacker: Score
    gap_hits: int
    gap_predictions: int
    gap_attacker: Score
    #: Empirical, only with at least
    #: :data:`~scheduler.timing.audit.OFFENDER_MIN_AT_RISK` of their own gaps.
    worst_week: Score
    #: The attacker's safe period after a visit is the shortest gap minus one.
    shortest_gap: Score
    longest_gap: int | None
    gap_entropy: Score
    weekday_entropy: Score
    slot_entropy: Score
    flags: tuple[str, ...] = ()

    def record(self) -> dict[str, Any]:
        longest = self.longest_gap
        return {
            "offender_id": self.offender_id,
            "tier": self.tier.value,
            "interval_days": self.interval_days,
            "attended": self.attended,
            "completed": self.completed,
            "slot_hits": self.slot_hits,
            "slot_predictions": self.slot_predictions,
            **self.slot_attacker.record("slot_attacker"),
            "gap_hits": self.gap_hits,
            "gap_predictions": self.gap_predictions,
            **self.gap_attacker.record("gap_attacker"),
            **self.worst_week.record("worst_week"),
            **self.shortest_gap.record("shortest_gap"),
            "longest_gap": longest,
            "longest_gap_over_interval": longest and rounded(longest / self.interval_days),
            **self.gap_entropy.record("gap_entropy"),
            **self.weekday_entropy.record("weekday_entropy"),
            **self.slot_entropy.record("slot_entropy"),
            "flags": ";".join(self.flags),
        }


OFFENDER_COLUMNS = (
    "offender_id",
    "tier",
    "interval_days",
    "attended",
    "completed",
    "slot_hits",
    "slot_predictions",
    *_score_columns("slot_attacker"),
    "gap_hits",
    "gap_predictions",
    *_score_columns("gap_attacker", "worst_week", "shortest_gap"),
    "longest_gap",
    "longest_gap_over_interval",
    *_score_columns("gap_entropy", "weekday_entropy", "slot_entropy"),
    "flags",
)


@dataclass(frozen=True)
class GroupAudit:
    """One tier's pooled scores, or (``group == "all"``) the whole history's."""

    group: str
    interval_days: int | None
    offenders: int
    attended: int
    completed: int
    gaps: int
    target_share: float | None
    #: Mean completed gap over the interval: below the target means more visits than
    #: budgeted, above means the budget is not being spent on randomness.
    observed_share: float | None
    #: Its baseline is what the same estimate reads from as many gaps of the baseline
    #: schedule (:func:`~scheduler.timing.baseline.expected_km_worst_week`);
    #: ``worst_week_baseline_long`` is the exact long-history value.
    worst_week: Score
    worst_week_baseline_long: float | None
    #: Days since the last visit at the attacker's safest moment, and gaps still open there.
    worst_week_day: int | None
    worst_week_at_risk: int
    #: Enough open gaps to tell the estimate from the baseline (see
    #: :data:`~scheduler.timing.audit.MIN_EXPECTED_DETECTIONS`).
    worst_week_enough_data: bool
    #: Chance of so low an estimate from a schedule as good as the baseline.
    worst_week_p_value: float
    slot_attacker: Score
    slot_predictions: int
    #: Chance of at least as many hits against the baseline (normal approximation).
    slot_p_value: float
    gap_attacker: Score
    gap_predictions: int
    gap_p_value: float
    gap_entropy: Score
    weekday_entropy: Score
    slot_entropy: Score
    detail: str = ""

    def record(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "interval_days": self.interval_days,
            "offenders": self.offenders,
            "attended": self.attended,
            "completed": self.completed,
            "gaps": self.gaps,
            "target_share": rounded(self.target_share),
            "observed_share": rounded(self.observed_share),
            **self.worst_week.record("worst_week"),
            "worst_week_baseline_long": rounded(self.worst_week_baseline_long),
            "worst_week_day": self.worst_week_day,
            "worst_week_at_risk": self.worst_week_at_risk,
            "worst_week_enough_data": self.worst_week_enough_data,
            "worst_week_p_value": rounded(self.worst_week_p_value, 6),
            **self.slot_attacker.record("slot_attacker"),
            "slot_predictions": self.slot_predictions,
            "slot_p_value": rounded(self.slot_p_value, 6),
            **self.gap_attacker.record("gap_attacker"),
            "gap_predictions": self.gap_predictions,
            "gap_p_value": rounded(self.gap_p_value, 6),
            **self.gap_entropy.record("gap_entropy"),
            **self.weekday_entropy.record("weekday_entropy"),
            **self.slot_entropy.record("slot_entropy"),
            "detail": self.detail,
        }


TIER_COLUMNS = (
    "group",
    "interval_days",
    "offenders",
    "attended",
    "completed",
    "gaps",
    "target_share",
    "observed_share",
    *_score_columns("worst_week"),
    "worst_week_baseline_long",
    "worst_week_day",
    "worst_week_at_risk",
    "worst_week_enough_data",
    "worst_week_p_value",
    *_score_columns("slot_attacker"),
    "slot_predictions",
    "slot_p_value",
    *_score_columns("gap_attacker"),
    "gap_predictions",
    "gap_p_value",
    *_score_columns("gap_entropy", "weekday_entropy", "slot_entropy"),
    "detail",
)


@dataclass(frozen=True)
class EditCheck:
    """Recorded visits compared with the plan: did moving visits by hand make them more
    predictable? Scores are pooled over offenders, "planned" putting each moved visit back
    at its planned date and slot."""

    matched: int
    moved: int
    slot_hit_rate_planned: float | None
    slot_hit_rate_recorded: float | None
    weekday_entropy_planned: float | None
    weekday_entropy_recorded: float | None
    slot_entropy_planned: float | None
    slot_entropy_recorded: float | None
    #: The (weekday, slot) most moved visits went to, and how many.
    top_destination: tuple[str, int] | None
    warnings: tuple[str, ...]

    def record(self) -> dict[str, Any]:
        out = {k: rounded(v) if isinstance(v, float) else v for k, v in self.__dict__.items()}
        out["top_destination"] = list(self.top_destination) if self.top_destination else None
        out["warnings"] = list(self.warnings)
        return out


@dataclass(frozen=True)
class AuditResult:
    as_of: dt.date | None
    offenders: tuple[OffenderAudit, ...]
    tiers: tuple[GroupAudit, ...]
    overall: GroupAudit | None
    flags: tuple[Flag, ...]
    warnings: tuple[str, ...]
    edits: EditCheck | None = None
    #: The baseline's slot attacker over a long history: the chance of the most likely
    #: (weekday, slot); it does not depend on the gap budget.
    slot_baseline_asymptotic: float = 0.0
    settings: dict[str, Any] = field(default_factory=dict)

    def is_clean(self) -> bool:
        """No offender flagged and nothing to warn about."""
        return not self.flags and not self.warnings

    def offender_rows(self) -> list[dict[str, Any]]:
        return [o.record() for o in self.offenders]

    def tier_rows(self) -> list[dict[str, Any]]:
        rows = [t.record() for t in self.tiers]
        return rows + ([self.overall.record()] if self.overall else [])

    def summary(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "offenders": len(self.offenders),
            "groups": self.tier_rows(),
            "flags": [
                {
                    **f.__dict__,
                    "tier": f.tier.value,
                    "rate": rounded(f.rate),
                    "message": f.message(),
                }
                for f in self.flags
            ],
            "warnings": list(self.warnings),
            "edits": self.edits.record() if self.edits else None,
            "slot_baseline_asymptotic": rounded(self.slot_baseline_asymptotic),
            "settings": self.settings,
        }


def rounded(value: float | None, places: int = 4) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), places) + 0.0  # + 0.0 turns -0.0 into 0.0
