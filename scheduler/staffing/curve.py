"""The staffing curve: compliance against staffing over a sweep's rows, with bands over
the replications, the smallest staffing that meets a :class:`Target`, and the
bisection that narrows that minimum down to one officer."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from scheduler.staffing.restaff import StaffingError
from scheduler.staffing.result import Measure
from scheduler.staffing.sweep import SweepRow

if TYPE_CHECKING:
    from scheduler.staffing.lower_bound import LowerBound


@dataclass(frozen=True)
class Target:
    """The compliance a staffing level must reach: shares of offender-weeks compliant
    after the warm-up, under ``measure`` (:class:`scheduler.staffing.result.Measure`).

    The default measure is ``attempted``: the unit knocked on the door on time (a failed
    attempt followed up within the re-attempt window counts), which is what staffing
    controls. ``on_time`` asks for a successful visit within the interval; about one
    attempt in five fails at the door, so a failure late in an interval makes some
    offender-weeks late at any staffing and a 100% target on it is out of reach.
    ``every_replication`` (default) asks the target of every replication, otherwise of
    their mean. ``caseload_cap``, when given, also asks that no officer manage more
    offenders than that (the sweep's ``--caseload-cap``)."""

    high_and_very_high: float = 1.0
    all: float = 0.95
    every_replication: bool = True
    measure: Measure = Measure.ATTEMPTED
    caseload_cap: int | None = None

    def met_by(self, compliance: dict[str, float]) -> bool:
        eps = 1e-12
        return (
            compliance["high_and_very_high"] >= self.high_and_very_high - eps
            and compliance["all"] >= self.all - eps
        )

    @property
    def full(self) -> tuple[bool, bool]:
        """Whether every high / very-high, and every, offender-week must comply: the
        bound then also needs every such visit to be possible at all."""
        return self.high_and_very_high >= 1.0, self.all >= 1.0

    def bound(self, lower_bound: LowerBound) -> int | None:
        """The lower bound this target is held to (:meth:`LowerBound.for_target` with
        the target's shares), and with a caseload cap at least the caseload floor
        (:meth:`LowerBound.caseload_floor`)."""
        work = lower_bound.for_target(
            *self.full, high_share=self.high_and_very_high, all_share=self.all
        )
        if work is None or self.caseload_cap is None or not lower_bound.team_sizes:
            return work
        return max(work, lower_bound.caseload_floor(self.caseload_cap))

    def describe(self) -> str:
        rule = "every replication" if self.every_replication else "mean of the replications"
        cap = "" if self.caseload_cap is None else f", caseloads <= {self.caseload_cap}"
        return (
            f"{Measure(self.measure).value}: high+vh >= {100 * self.high_and_very_high:.1f}%, "
            f"all >= {100 * self.all:.1f}%{cap}, {rule}"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "measure": Measure(self.measure).value,
            "high_and_very_high": self.high_and_very_high,
            "all": self.all,
            "every_replication": self.every_replication,
            "caseload_cap": self.caseload_cap,
        }


@dataclass(frozen=True)
class Band:
    """Mean of a figure over replications, its range, and with three or more
    replications a normal 95% interval of the mean (``mean ± 1.96 sd / sqrt(n)``)."""

    mean: float
    low: float
    high: float
    ci_low: float | None = None
    ci_high: float | None = None

    @classmethod
    def of(cls, values: Sequence[float]) -> Band:
        x = np.asarray(values, dtype=float)
        mean = float(x.mean())
        if len(x) >= 3:
            half = 1.96 * float(x.std(ddof=1)) / math.sqrt(len(x))
            return cls(mean, float(x.min()), float(x.max()), mean - half, mean + half)
        return cls(mean, float(x.min()), float(x.max()))


@dataclass(frozen=True)
class LevelSummary:
    """One staffing level over its replications. ``high_and_very_high`` and ``all`` are
    on time (``Measure.ON_TIME``); the ``attempted_`` bands are ``Measure.ATTEMPTED``."""

    officers: int
    replications: int
    high_and_very_high: Band
    all: Band
    overdue: Band
    utilisation: Band
    max_caseload: int
    meets_target: bool
    attempted_high_and_very_high: Band | None = None
    attempted_all: Band | None = None
    shortfall: Band | None = None

    def bands(self, measure: Measure) -> tuple[Band, Band]:
        """(high + very high, all) under ``measure``."""
        if Measure(measure) is Measure.ON_TIME:
            return self.high_and_very_high, self.all
        if self.attempted_high_and_very_high is None or self.attempted_all is None:
            raise StaffingError("these sweep rows carry no attempted-on-time figures")
        return self.attempted_high_and_very_high, self.attempted_all


#: Band names of ``curve.csv``, each with mean, min, max and a 95% interval.
CURVE_BANDS = (
    "high_and_very_high",
    "all",
    "attempted_high_and_very_high",
    "attempted_all",
    "overdue",
    "shortfall",
    "utilisation",
)


@dataclass(frozen=True)
class StaffingCurve:
    """Compliance against staffing, the minimum staffing found and the lower bound."""

    scenario: str
    levels: tuple[LevelSummary, ...]
    target: Target
    #: Smallest swept level that meets the target, as do all larger swept levels
    #: (None when no level does).
    minimum: int | None
    lower_bound: LowerBound | None = None

    @property
    def bound(self) -> int | None:
        """The lower bound this target is held to (``LowerBound.for_target``)."""
        if self.lower_bound is None:
            return None
        return self.target.bound(self.lower_bound)

    @property
    def ratio(self) -> float | None:
        """Minimum found over the lower bound (1.0 would be a perfect planner)."""
        if self.minimum is None or self.bound is None:
            return None
        return self.minimum / self.bound

    @property
    def failing_below(self) -> int | None:
        """The largest level swept below the minimum (it fails the target): the
        minimum is exact when this is one less."""
        if self.minimum is None:
            return None
        below = [lv.officers for lv in self.levels if lv.officers < self.minimum]
        return max(below) if below else None

    def rows(self) -> list[dict[str, object]]:
        """``curve.csv``: one row per level, with bands."""
        out: list[dict[str, object]] = []
        for lv in self.levels:
            row: dict[str, object] = {
                "officers": lv.officers,
                "replications": lv.replications,
            }
            for name in CURVE_BANDS:
                b: Band | None = getattr(lv, name)
                for stat, value in (
                    ("mean", None if b is None else b.mean),
                    ("min", None if b is None else b.low),
                    ("max", None if b is None else b.high),
                    ("ci_low", None if b is None else b.ci_low),
                    ("ci_high", None if b is None else b.ci_high),
                ):
                    row[f"{name}_{stat}"] = "" if value is None else round(value, 6)
            row["max_caseload"] = lv.max_caseload
            row["meets_target"] = str(lv.meets_target).lower()
            out.append(row)
        return out

    def summary(self) -> dict[str, Any]:
        """JSON-serialisable: the target, the minimum, the bound and the ratio."""
        lb = self.lower_bound
        return {
            "scenario": self.scenario,
            "target": self.target.to_dict(),
            "minimum_staffing": self.minimum,
            "failing_below_minimum": self.failing_below,
            "lower_bound": lb.officers if lb else None,
            "bound_for_target": self.bound,
            "ratio": round(self.ratio, 4) if self.ratio is not None else None,
            "levels": [lv.officers for lv in self.levels],
        }


CURVE_COLUMNS = [
    "officers",
    "replications",
    *[f"{n}_{s}" for n in CURVE_BANDS for s in ("mean", "min", "max", "ci_low", "ci_high")],
    "max_caseload",
    "meets_target",
]


def summarise(
    rows: Sequence[SweepRow],
    target: Target | None = None,
    lower_bound: LowerBound | None = None,
) -> StaffingCurve:
    """Per staffing level: mean and band of compliance under both measures (high + very
    high, all), overdue, shortfall and utilisation; the minimum staffing meeting
    ``target`` (under ``target.measure``).

    A level meets the target when every replication does (or their mean, with
    ``Target(every_replication=False)``), and no caseload is above a requested cap. The
    minimum is the smallest swept level from which every larger swept level meets it
    too, so one lucky level below a failing one is not taken (with monotone results it
    is simply the smallest level that meets it)."""
    target = target or Target()
    if not rows:
        raise StaffingError("no sweep results to summarise")
    by_level: dict[int, list[SweepRow]] = defaultdict(list)
    for r in rows:
        by_level[r.officers].append(r)
    levels: list[LevelSummary] = []
    for n in sorted(by_level):
        rs = sorted(by_level[n], key=lambda r: r.replication)
        scored = [r.measured(target.measure) for r in rs]
        if any(not c for c in scored):
            raise StaffingError(f"the sweep rows carry no {Measure(target.measure).value} figures")
        if target.every_replication:
            ok = all(target.met_by(c) for c in scored)
        else:
            ok = target.met_by(
                {k: float(np.mean([c[k] for c in scored])) for k in ("high_and_very_high", "all")}
            )
        cap = target.caseload_cap
        ok = ok and all(r.caseload_ok and (cap is None or r.max_caseload <= cap) for r in rs)
        tried = all(r.attempted for r in rs)
        levels.append(
            LevelSummary(
                officers=n,
                replications=len(rs),
                high_and_very_high=Band.of([r.compliance["high_and_very_high"] for r in rs]),
                all=Band.of([r.compliance["all"] for r in rs]),
                overdue=Band.of([r.overdue_mean for r in rs]),
                utilisation=Band.of([r.utilisation for r in rs]),
                max_caseload=max(r.max_caseload for r in rs),
                meets_target=ok,
                attempted_high_and_very_high=(
                    Band.of([r.attempted["high_and_very_high"] for r in rs]) if tried else None
                ),
                attempted_all=Band.of([r.attempted["all"] for r in rs]) if tried else None,
                shortfall=Band.of([r.shortfall_per_week for r in rs]),
            )
        )
    minimum: int | None = None
    for lv in reversed(levels):
        if not lv.meets_target:
            break
        minimum = lv.officers
    scenario = rows[0].scenario
    return StaffingCurve(scenario, tuple(levels), target, minimum, lower_bound)


def refine_minimum(
    rows: Sequence[SweepRow],
    target: Target,
    run_levels: Callable[[list[int]], list[SweepRow]],
    *,
    per_round: int = 1,
) -> list[SweepRow]:
    """Narrow the minimum down to one officer: bisect between the largest failing level
    below it and the minimum, running ``per_round`` new levels a round with
    ``run_levels`` (the same replications and seeds as the sweep, so every level sees
    the same random stream: common random numbers). Returns ``rows`` with the new
    levels' rows added.

    It assumes compliance rises with staffing between the two levels (as the minimum's
    definition does for levels not swept). Nothing to do when no level meets the target
    or the smallest level swept already does (sweep lower to bracket it)."""
    if per_round < 1:
        raise StaffingError(f"per_round must be at least 1, got {per_round}")
    out = list(rows)
    while True:
        curve = summarise(out, target)
        hi, lo = curve.minimum, curve.failing_below
        if hi is None or lo is None or hi - lo <= 1:
            return out
        step = (hi - lo) / (per_round + 1)
        mids = {round(lo + step * (i + 1)) for i in range(per_round)}
        out += run_levels(sorted({min(hi - 1, max(lo + 1, m)) for m in mids}))


def officer_week_sample(rows: Sequence[SweepRow]) -> list[float]:
    """All per-officer-week utilisations of ``rows`` (for the histogram)."""
    return [u for r in rows for u in r.utilisation_sample]


__all__ = [
    "CURVE_BANDS",
    "CURVE_COLUMNS",
    "Band",
    "LevelSummary",
    "StaffingCurve",
    "Target",
    "officer_week_sample",
    "refine_minimum",
    "summarise",
]
