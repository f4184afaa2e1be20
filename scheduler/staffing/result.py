"""What a simulation gives: per-week rows, per-officer-week rows, every visit, and the
compliance tallies a staffing target is checked against, under either :class:`Measure`
(the measures: :mod:`scheduler.staffing.simulate`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from models import RiskTier
from scheduler.timing.visits import VisitRecord

TIERS = (RiskTier.LOW, RiskTier.MEDIUM, RiskTier.HIGH, RiskTier.VERY_HIGH)


class Measure(StrEnum):
    """Which compliance a figure or a staffing target means (defined in
    :mod:`scheduler.staffing.simulate`'s docstring)."""

    #: A successful visit within the interval (the register's standard).
    ON_TIME = "on_time"
    #: An attempt at the door by the due date, failed ones followed up within the
    #: re-attempt window: the part of compliance that staffing controls.
    ATTEMPTED = "attempted"


@dataclass(frozen=True)
class WeekRow:
    """What one simulated week did."""

    week: int
    week_start: date
    offenders: int
    #: Offenders at home and on routine management (the ones who can be overdue).
    active: int
    officers: int
    #: Officer working days lost to leave, sickness and abstraction this week.
    officer_days_absent: int
    due: int
    planned: int
    revisits: int
    completed: int
    failed: int
    shortfall: int
    overdue: dict[RiskTier, int]
    longest_gap: dict[RiskTier, int]
    missing: int
    away: int
    travel_h: float
    busy_h: float
    budget_h: float
    #: Visits called off by the police and rebooked later the same week.
    rebooked: int = 0

    @property
    def utilisation(self) -> float:
        return self.busy_h / self.budget_h if self.budget_h else 0.0

    def flat(self) -> dict[str, object]:
        """One CSV row (columns :data:`WEEK_COLUMNS`)."""
        row: dict[str, object] = {k: getattr(self, k) for k in _WEEK_COUNTS}
        for t in TIERS:
            row[f"overdue_{t.value}"] = self.overdue[t]
        for t in TIERS:
            row[f"longest_gap_{t.value}"] = self.longest_gap[t]
        row["travel_h"] = round(self.travel_h, 2)
        row["utilisation"] = round(self.utilisation, 4)
        return row


_WEEK_COUNTS = (
    "week",
    "week_start",
    "offenders",
    "active",
    "officers",
    "officer_days_absent",
    "due",
    "planned",
    "revisits",
    "rebooked",
    "completed",
    "failed",
    "shortfall",
    "missing",
    "away",
)
#: Columns of ``weekly.csv``.
WEEK_COLUMNS = (
    *_WEEK_COUNTS,
    *(f"overdue_{t.value}" for t in TIERS),
    *(f"longest_gap_{t.value}" for t in TIERS),
    "travel_h",
    "utilisation",
)


@dataclass(frozen=True)
class OfficerWeek:
    week: int
    officer_id: str
    team: str
    caseload: int
    busy_h: float
    budget_h: float

    @property
    def utilisation(self) -> float:
        return self.busy_h / self.budget_h if self.budget_h else 0.0


@dataclass
class SimulationResult:
    """Per-week rows, per-officer-week rows and every visit, plus the compliance figures
    a staffing target is checked against."""

    seed: int
    weeks: list[WeekRow] = field(default_factory=list)
    officer_weeks: list[OfficerWeek] = field(default_factory=list)
    visits: list[VisitRecord] = field(default_factory=list)
    #: Per tier: [offender-weeks on time, offender-weeks counted] after the warm-up.
    on_time: dict[RiskTier, list[int]] = field(default_factory=dict)
    #: Per tier: [offender-weeks attempted on time, offender-weeks counted].
    attempted: dict[RiskTier, list[int]] = field(default_factory=dict)
    #: Per tier, the offender-weeks not attempted on time by what held each up that week
    #: (:func:`late_cause`): which lateness staffing could change.
    late: dict[RiskTier, Counter[str]] = field(default_factory=dict)
    warmup_weeks: int = 0

    def late_causes(self, high_only: bool = False) -> dict[str, int]:
        """Offender-weeks not attempted on time after the warm-up, by cause, most first:
        over high and very high only, or over every tier."""
        total: Counter[str] = Counter()
        for t, c in self.late.items():
            if t.is_high or not high_only:
                total.update(c)
        return dict(total.most_common())

    def compliance(self, measure: Measure = Measure.ON_TIME) -> dict[str, float]:
        """Share of active offender-weeks (after the warm-up) compliant under ``measure``
        (:class:`Measure`), by tier, for high and very high together, and over all
        tiers."""
        tally = self.on_time if Measure(measure) is Measure.ON_TIME else self.attempted
        out: dict[str, float] = {}
        for t in TIERS:
            ok, n = tally.get(t, [0, 0])
            out[t.value] = ok / n if n else 1.0
        hi = [tally.get(t, [0, 0]) for t in TIERS if t.is_high]
        every = [tally.get(t, [0, 0]) for t in TIERS]
        out["high_and_very_high"] = _share(hi)
        out["all"] = _share(every)
        return out

    def summary(self, seconds: float) -> dict[str, Any]:
        """JSON-serialisable: the seed, the totals, compliance under both measures, the
        late causes and the last week's overdue and longest gaps (``seconds``: the run's
        wall time, which the caller measured)."""
        return {
            "seed": self.seed,
            "warmup_weeks": self.warmup_weeks,
            "seconds": round(seconds, 2),
            "totals": self.totals(),
            "compliance": {k: round(v, 4) for k, v in self.compliance(Measure.ON_TIME).items()},
            "compliance_attempted": {
                k: round(v, 4) for k, v in self.compliance(Measure.ATTEMPTED).items()
            },
            "late_causes_attempted": {
                "high_and_very_high": self.late_causes(high_only=True),
                "all": self.late_causes(),
            },
            "overdue_end": {t.value: self.weeks[-1].overdue[t] for t in TIERS},
            "longest_gap_end": {t.value: self.weeks[-1].longest_gap[t] for t in TIERS},
        }

    def totals(self) -> dict[str, float]:
        w = self.weeks
        return {
            "weeks": len(w),
            "planned": sum(r.planned for r in w),
            "completed": sum(r.completed for r in w),
            "failed": sum(r.failed for r in w),
            "shortfall": sum(r.shortfall for r in w),
            "revisits": sum(r.revisits for r in w),
            "rebooked": sum(r.rebooked for r in w),
            "travel_h": round(sum(r.travel_h for r in w), 1),
            "utilisation": round(
                sum(r.busy_h for r in w) / max(sum(r.budget_h for r in w), 1e-9), 4
            ),
            "offenders_end": w[-1].offenders if w else 0,
            "overdue_end": sum(w[-1].overdue.values()) if w else 0,
        }


def _share(parts: Iterable[list[int]]) -> float:
    ok = n = 0
    for a, b in parts:
        ok, n = ok + a, n + b
    return ok / n if n else 1.0


def visit_rows(result: SimulationResult) -> list[dict[str, object]]:
    """The visit history in the audit's CSV format (``rota audit --history``)."""
    return [
        {
            "offender_id": v.offender_id,
            "tier": v.tier.value,
            "date": v.date.isoformat(),
            "slot": v.slot or "",
            "outcome": v.outcome.value,
            "interval_days": v.interval_days or "",
        }
        for v in result.visits
    ]


__all__ = [
    "TIERS",
    "WEEK_COLUMNS",
    "Measure",
    "OfficerWeek",
    "SimulationResult",
    "WeekRow",
    "visit_rows",
]
