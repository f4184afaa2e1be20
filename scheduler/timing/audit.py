"""Predictability audit: how well can an offender who knows their own visit history and
the rules predict the next visit?

The attacker models follow the deployed randomised security schedulers (ARMOR, IRIS,
PROTECT): a schedule is only unpredictable if an observer who knows the history and the
rules still cannot tell when the next check comes. Each score is shown beside the same
attacker against two reference schedules with the same interval ``I``:

- the **baseline**: gaps drawn from the maximum-entropy distribution on ``1..I`` with the
  policy's mean gap ``mu = share * I`` (:mod:`scheduler.timing.gaps`), and each attended visit's
  (weekday, time slot) drawn independently, with probability proportional to
  ``TimeSlot.share`` over the policy's allowed combinations. It is what the policy pays
  for, so a history that spends its visits near the due date scores worse than it; the
  observed mean gap share is reported beside the target so a missed budget shows;
- the **naive** schedule: a visit on every due date, always in the same slot.

The attackers:

- *worst-week detection* (higher is better): the offender waits for the number of days
  since the last successful visit at which a visit is least likely within the next 7
  days; the score is that probability. Estimated per tier from the pooled gaps between
  successful visits, Kaplan-Meier style (the open gap after an offender's last visit is
  censored at the end of the history, so long histories do not bias it towards short
  gaps), as the minimum over the days at which at least :data:`MIN_AT_RISK` gaps are
  still open (fewer make the minimum a minimum of noise). A fixed cycle scores 0;
- *slot attacker* (lower is better): before each attended visit after the first, it
  predicts the (weekday, slot) most frequent in the offender's earlier attended visits
  (ties: the most recent of them). It uses every *attended* visit (completed, no answer,
  refused entry), since the offender sees the police at the door either way;
- *gap attacker* (lower is better): before each successful visit from the third on, it
  predicts the previous successful visit plus the mean of the earlier gaps (rounded to
  a whole day), and hits when the visit comes within 3 days of that date (a 7-day
  window).

Entropies of the gap (over ``1..I``), weekday and slot distributions are normalised to
their maximum. Few observations make a plug-in entropy look low, so their baseline is the
expected plug-in entropy of the same number of draws from the baseline schedule (by a
seeded Monte Carlo, as are the baseline's finite-history attacker scores). The Monte
Carlo seed is public and fixed: nothing here is secret, and the same history always gives
the same report.

Everything here is a pure function: no printing, no files, no clock.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from models import Policy, RiskTier, VisitOutcome, Weekday
from scheduler.timing.gaps import (
    WEEK_DAYS,
    gap_pmf,
    max_entropy_gap_pmf,
    mean_gap,
    normalised_entropy,
    survival,
    worst_week_detection,
)

#: Outcomes at which the offender saw the police at the door (used by the slot attacker).
ATTENDED = frozenset({VisitOutcome.COMPLETED, VisitOutcome.NO_ANSWER, VisitOutcome.REFUSED_ENTRY})
#: The gap attacker hits when a visit comes within this many days of its prediction.
GAP_TOLERANCE_DAYS = 3
#: Fewest open gaps at a number of days since the last visit for the tier's worst-week
#: estimate to consider that day.
MIN_AT_RISK = 30
#: The same for one offender's own worst-week figure.
OFFENDER_MIN_AT_RISK = 10
#: Below this many baseline detections expected at the worst day, the estimate cannot be
#: told from the baseline (a low-risk baseline of 0.002 needs ~5,000 open gaps): it is
#: marked so.
MIN_EXPECTED_DETECTIONS = 10.0
#: An offender (or a tier: warning) is *markedly* more predictable than the baseline when
#: an attacker's hits are at least MARKED_RATIO times the baseline's expected hits for the
#: same number of predictions and that many hits would come by chance with probability
#: below ALPHA (one-sided: exact binomial, or the simulated baseline histories where the
#: attacker's predictions depend on each other; normal approximation for tiers). About 1
#: in 100 offenders on a truly random schedule is flagged by chance: a flag is a prompt to
#: look, not proof.
ALPHA = 0.01
MARKED_RATIO = 1.25
#: Entropy this far below its baseline, or a worst-week detection below this share of
#: its baseline, gives a tier warning.
ENTROPY_MARGIN = 0.1
WORST_WEEK_WARN_SHARE = 0.5
#: Planned-to-recorded changes smaller than this are not worth a warning.
EDIT_TOLERANCE = 0.01
#: Recorded visits this many days or fewer from a planned visit of the same offender can
#: be that planned visit, moved.
EDIT_MATCH_DAYS = 14
#: Public, fixed seed of the baseline Monte Carlo (reports are reproducible; not secret).
BASELINE_SEED = 20261130
MC_RUNS = 2000
#: Budgets of the trade-off table: mean gap as a share of the interval.
TRADEOFF_SHARES = tuple(round(0.55 + 0.05 * i, 2) for i in range(10))

Label = tuple[int, str]  # (weekday, slot name)


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class VisitRecord:
    """One visit attempt as recorded (or simulated). ``slot`` is the policy slot name (None
    when unknown); ``interval_days`` a per-person override of the tier interval."""

    offender_id: str
    tier: RiskTier
    date: dt.date
    slot: str | None
    outcome: VisitOutcome
    interval_days: int | None = None


@dataclass(frozen=True)
class PlannedRecord:
    """A visit as the plan had it, to compare with what was recorded."""

    offender_id: str
    date: dt.date
    slot: str | None


# ---------------------------------------------------------------- results


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
            name: _r(self.value),
            f"{name}_baseline": _r(self.baseline),
            f"{name}_naive": _r(self.naive),
            f"{name}_ratio": _r(self.ratio),
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
    #: Empirical, only with at least :data:`OFFENDER_MIN_AT_RISK` of their own gaps.
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
            "longest_gap_over_interval": longest and _r(longest / self.interval_days),
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
    #: schedule (:func:`expected_km_worst_week`); ``worst_week_baseline_long`` is the
    #: exact long-history value.
    worst_week: Score
    worst_week_baseline_long: float | None
    #: Days since the last visit at the attacker's safest moment, and gaps still open there.
    worst_week_day: int | None
    worst_week_at_risk: int
    #: Enough open gaps to tell the estimate from the baseline (see MIN_EXPECTED_DETECTIONS).
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
            "target_share": _r(self.target_share),
            "observed_share": _r(self.observed_share),
            **self.worst_week.record("worst_week"),
            "worst_week_baseline_long": _r(self.worst_week_baseline_long),
            "worst_week_day": self.worst_week_day,
            "worst_week_at_risk": self.worst_week_at_risk,
            "worst_week_enough_data": self.worst_week_enough_data,
            "worst_week_p_value": _r(self.worst_week_p_value, 6),
            **self.slot_attacker.record("slot_attacker"),
            "slot_predictions": self.slot_predictions,
            "slot_p_value": _r(self.slot_p_value, 6),
            **self.gap_attacker.record("gap_attacker"),
            "gap_predictions": self.gap_predictions,
            "gap_p_value": _r(self.gap_p_value, 6),
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
        out = {k: _r(v) if isinstance(v, float) else v for k, v in self.__dict__.items()}
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
                {**f.__dict__, "tier": f.tier.value, "rate": _r(f.rate), "message": f.message()}
                for f in self.flags
            ],
            "warnings": list(self.warnings),
            "edits": self.edits.record() if self.edits else None,
            "slot_baseline_asymptotic": _r(self.slot_baseline_asymptotic),
            "settings": self.settings,
        }


def _r(value: float | None, places: int = 4) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), places) + 0.0  # + 0.0 turns -0.0 into 0.0


# ---------------------------------------------------------------- attackers


def slot_attacker_hits(labels: Sequence[Hashable]) -> tuple[int, int]:
    """(hits, predictions) of the slot attacker over one offender's attended visits in
    date order: before each visit after the first it predicts the most frequent earlier
    label, the most recent of any tied."""
    counts: dict[Hashable, int] = {}
    last: dict[Hashable, int] = {}
    hits = 0
    for k, label in enumerate(labels):
        if counts:
            guess = max(counts, key=lambda c: (counts[c], last[c]))
            hits += guess == label
        counts[label] = counts.get(label, 0) + 1
        last[label] = k
    return hits, max(len(labels) - 1, 0)


def gap_attacker_hits(gaps: Sequence[int], tolerance: int = GAP_TOLERANCE_DAYS) -> tuple[int, int]:
    """(hits, predictions) of the gap attacker: each gap from the second on is predicted
    by the mean of the earlier ones, rounded to a whole day (the third visit is the
    first predicted)."""
    g = np.asarray(gaps, dtype=float)
    if len(g) < 2:
        return 0, 0
    guess = _whole_days(np.cumsum(g)[:-1] / np.arange(1, len(g)))
    return int((np.abs(g[1:] - guess) <= tolerance).sum()), len(g) - 1


def _whole_days(days: np.ndarray) -> np.ndarray:
    """Round half up (a prediction of 20.5 days is day 21), as the attacker names a day."""
    return np.floor(np.asarray(days) + 0.5 + 1e-9)


@dataclass(frozen=True)
class WorstWeek:
    """The attacker's safest moment in an observed history: the detection there, days
    since the last visit, gaps still open that day, and how many days were compared."""

    detection: float | None
    day: int | None
    at_risk: int
    days_compared: int = 0

    def p_value(self, baseline: float) -> float:
        """Chance that a schedule as good as ``baseline`` at every day would show so few
        detections on the worst of the days compared (binomial on the open gaps, an
        approximation under censoring; Bonferroni over the days, since the minimum is
        taken over all of them)."""
        if self.detection is None or self.at_risk <= 0:
            return 1.0
        seen = round(self.detection * self.at_risk)
        tail = binomial_lower_tail(seen, self.at_risk, baseline)
        return min(1.0, tail * max(self.days_compared, 1))


def km_worst_week(
    gaps: Sequence[int],
    censored: Sequence[int] = (),
    window: int = WEEK_DAYS,
    min_at_risk: int = MIN_AT_RISK,
) -> WorstWeek:
    """Empirical worst-week detection: min over d of P(a visit within ``window`` days |
    none for d days), from completed ``gaps`` and gaps still open after ``censored`` days.

    A discrete Kaplan-Meier estimate: the hazard on day k is the visits that came on day k
    over the gaps still open on day k (an open gap of c days counts as open on days 1..c);
    only days d with at least ``min_at_risk`` gaps longer than d are considered.
    """
    g = np.asarray(gaps, dtype=int)
    c = np.asarray(censored, dtype=int)
    top = int(max(g.max(initial=0), c.max(initial=0))) + window + 1
    events = np.bincount(g, minlength=top + 1)[: top + 1]
    ends = events + np.bincount(c, minlength=top + 1)[: top + 1]
    at_risk = ends[::-1].cumsum()[::-1]  # at_risk[k] = observations lasting k days or more
    hazard = np.divide(events, at_risk, out=np.zeros(top + 1), where=at_risk > 0)
    hazard[0] = 0.0
    surv = np.cumprod(1.0 - hazard)  # surv[k] = P(G > k)
    d = np.arange(top - window)
    ok = at_risk[d + 1] >= min_at_risk
    if not ok.any():
        return WorstWeek(None, None, int(at_risk[1]) if top >= 1 else 0)
    d = d[ok]
    detection = 1.0 - surv[d + window] / surv[d]
    i = int(np.argmin(detection))
    return WorstWeek(float(detection[i]), int(d[i]), int(at_risk[d[i] + 1]), len(d))


def expected_km_worst_week(
    pmf: np.ndarray,
    n_gaps: int,
    censored: Sequence[int],
    rng: np.random.Generator,
    runs: int,
    min_at_risk: int = MIN_AT_RISK,
) -> float | None:
    """What :func:`km_worst_week` reads, on average, from ``n_gaps`` gaps of the baseline
    schedule (with the history's own open gaps): the fair baseline for an estimate from
    a finite history. The estimate is a minimum over days of noisy figures, so it sits
    below the long-history value even for a perfect schedule; comparing it with the
    exact value would mark a perfect schedule down by the noise. None when too few
    runs have a day with enough gaps at risk."""
    if n_gaps <= 0:
        return None
    draws = rng.choice(np.arange(1, len(pmf) + 1), size=(runs, n_gaps), p=pmf)
    found = [
        ww.detection
        for ww in (km_worst_week(row, censored, min_at_risk=min_at_risk) for row in draws)
        if ww.detection is not None
    ]
    return float(np.mean(found)) if len(found) * 2 >= runs else None


def plugin_entropy(counts: Sequence[int] | np.ndarray) -> float | None:
    """Entropy of observed counts over their categories, normalised to its maximum."""
    n = np.asarray(counts, dtype=float)
    if n.sum() <= 0:
        return None
    return normalised_entropy(n / n.sum()) + 0.0


def binomial_upper_tail(hits: int, n: int, p: float) -> float:
    """P(X >= hits) for X ~ Binomial(n, p)."""
    if hits <= 0:
        return 1.0
    return _binomial_sum(range(hits, n + 1), n, p)


def binomial_lower_tail(hits: int, n: int, p: float) -> float:
    """P(X <= hits) for X ~ Binomial(n, p)."""
    if hits >= n:
        return 1.0
    return _binomial_sum(range(0, max(hits, 0) + 1), n, p)


def _binomial_sum(ks: range, n: int, p: float) -> float:
    """Sum of binomial probabilities, in log space so large n neither overflows nor loses
    tiny tails."""
    if not ks:
        return 0.0
    if p <= 0 or p >= 1:
        return float((0 if p <= 0 else n) in ks)
    logs = [
        math.lgamma(n + 1)
        - math.lgamma(i + 1)
        - math.lgamma(n - i + 1)
        + i * math.log(p)
        + (n - i) * math.log1p(-p)
        for i in ks
    ]
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(v - top) for v in logs))


# ---------------------------------------------------------------- the baseline schedule


def slot_distribution(policy: Policy) -> dict[Label, float]:
    """The baseline's chance of each allowed (weekday, slot): proportional to the slot's
    share on that weekday, on every weekday the slot is open (uniform if every share is
    0). With the planner's drawing policy (:func:`scheduler.timing.slot_mix.drawing_policy`)
    this is the most even mix the unit's shifts can carry."""
    weights = {
        (int(day), s.name): s.share_on(day)
        for s in policy.slots
        for day in sorted(policy.slot_days(s))
    }
    total = sum(weights.values())
    if total <= 0:
        return {k: 1.0 / len(weights) for k in weights} if weights else {}
    return {k: w / total for k, w in weights.items()}


@dataclass(frozen=True)
class AttackerBaseline:
    """How many of ``n`` predictions one attacker gets right against the baseline.

    ``cumulative[r, n - 1]`` is the hits in the first ``n`` predictions of simulated
    history ``r``; None means every prediction hits independently with chance ``p``
    (exact for the slot attacker when every option is equally likely).
    """

    cumulative: np.ndarray | None
    p: float = 0.0

    def expected(self, n: int) -> float:
        if n <= 0:
            return 0.0
        if self.cumulative is None:
            return n * self.p
        return float(self.cumulative[:, n - 1].mean())

    def variance(self, n: int) -> float:
        if n <= 0:
            return 0.0
        if self.cumulative is None:
            return n * self.p * (1 - self.p)
        return float(self.cumulative[:, n - 1].var())

    def p_value(self, hits: int, n: int) -> float:
        """P(at least ``hits`` hits in ``n`` predictions) against the baseline. Simulated
        histories keep the attacker's own dependence (one mean gap serves every later
        prediction), which a binomial test would ignore."""
        if n <= 0 or hits <= 0:
            return 1.0
        if self.cumulative is None:
            return binomial_upper_tail(hits, n, self.p)
        runs = len(self.cumulative)
        return float((1 + (self.cumulative[:, n - 1] >= hits).sum()) / (runs + 1))


def slot_baseline(
    p: np.ndarray, visits: int, rng: np.random.Generator, runs: int
) -> AttackerBaseline:
    """The slot attacker against (weekday, slot) options drawn independently with chances
    ``p``, over up to ``visits`` visits: exact when the options are equally likely (any
    prediction independent of the draw hits 1/m), else by Monte Carlo."""
    m = len(p)
    if m == 0 or np.allclose(p, p[0]):
        return AttackerBaseline(None, 1.0 / m if m else 0.0)
    length = max(visits, 2)
    draws = rng.choice(m, size=(runs, length), p=p)
    counts = np.zeros((runs, m))
    last = np.full((runs, m), -1.0)
    rows = np.arange(runs)
    hits = np.zeros((runs, length - 1), dtype=np.int32)
    for k in range(length):
        if k:
            guess = np.argmax(counts * length + last, axis=1)  # most frequent, then latest
            hits[:, k - 1] = guess == draws[:, k]
        counts[rows, draws[:, k]] += 1
        last[rows, draws[:, k]] = k
    return AttackerBaseline(hits.cumsum(axis=1))


def gap_baseline(
    pmf: np.ndarray, n_gaps: int, rng: np.random.Generator, runs: int
) -> AttackerBaseline:
    """The gap attacker against gaps drawn from ``pmf``, over up to ``n_gaps`` gaps, by
    Monte Carlo: early predictions rest on few gaps, so a short history's hit rate is not
    the long-history value P(|G - round(mu)| <= 3)."""
    n_gaps = max(n_gaps, 2)
    g = rng.choice(np.arange(1, len(pmf) + 1), size=(runs, n_gaps), p=pmf).astype(float)
    guess = _whole_days(np.cumsum(g, axis=1)[:, :-1] / np.arange(1, n_gaps))
    hits = np.abs(g[:, 1:] - guess) <= GAP_TOLERANCE_DAYS
    return AttackerBaseline(hits.cumsum(axis=1, dtype=np.int32))


def expected_plugin_entropy(
    p: np.ndarray, n: int, rng: np.random.Generator, runs: int
) -> float | None:
    """The mean normalised plug-in entropy of ``n`` draws from ``p``: the fair baseline
    for an entropy measured on ``n`` observations (few draws never look uniform)."""
    if n <= 0 or len(p) <= 1:
        return None if n <= 0 else 0.0
    counts = rng.multinomial(n, p / p.sum(), size=runs).astype(float)
    q = counts / n
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(q > 0, q * np.log(q), 0.0).sum(axis=1)
    return float(h.mean() / math.log(len(p)))


def expected_shortest_gap(pmf: np.ndarray, n_gaps: int) -> float | None:
    """E[min of n gaps] = sum over m >= 0 of P(G > m)^n: the baseline's shortest gap."""
    if n_gaps <= 0:
        return None
    return float((survival(pmf)[:-1] ** n_gaps).sum())


# ---------------------------------------------------------------- one offender's history


@dataclass(frozen=True)
class _Seq:
    offender_id: str
    tier: RiskTier
    interval: int
    labels: tuple[Label, ...]  # attended visits with a known slot, in date order
    weekdays: tuple[int, ...]  # every attended visit
    slots: tuple[str, ...]
    gaps: tuple[int, ...]  # between successful visits (same-day successes count once)
    censored: int | None  # days from the last successful visit to the end of the history
    completed: int


def _sequences(visits: Sequence[VisitRecord], policy: Policy, as_of: dt.date) -> list[_Seq]:
    by_offender: dict[str, list[VisitRecord]] = defaultdict(list)
    for v in visits:
        if v.date <= as_of:
            by_offender[v.offender_id].append(v)
    out = []
    for oid in sorted(by_offender):
        rows = sorted(by_offender[oid], key=lambda v: v.date)
        tier = rows[-1].tier
        override = next((v.interval_days for v in reversed(rows) if v.interval_days), None)
        attended = [v for v in rows if v.outcome in ATTENDED]
        done = sorted({v.date for v in rows if v.outcome is VisitOutcome.COMPLETED})
        out.append(
            _Seq(
                offender_id=oid,
                tier=tier,
                interval=policy.interval_for(tier, override),
                labels=tuple((v.date.weekday(), v.slot) for v in attended if v.slot),
                weekdays=tuple(v.date.weekday() for v in attended),
                slots=tuple(v.slot for v in attended if v.slot),
                gaps=tuple((b - a).days for a, b in zip(done, done[1:], strict=False)),
                censored=(as_of - done[-1]).days if done else None,
                completed=len(done),
            )
        )
    return out


# ---------------------------------------------------------------- the audit


class _Baseline:
    """The baseline schedule's numbers for one policy and history, each computed once and
    shared by every row."""

    def __init__(
        self,
        policy: Policy,
        seqs: Sequence[_Seq],
        rng: np.random.Generator,
        runs: int,
        available: Mapping[str, frozenset[Label]],
    ):
        self.policy, self.rng, self.runs = policy, rng, runs
        dist = slot_distribution(policy)
        # Categories: the policy's options plus anything seen outside them (e.g. a Sunday
        # visit with weekends off); the baseline gives the latter no chance.
        self.weekdays = sorted({d for d, _ in dist} | {d for s in seqs for d in s.weekdays})
        self.weekday_p = np.array(
            [sum(p for (d, _), p in dist.items() if d == day) for day in self.weekdays]
        )
        names = [s.name for s in policy.slots]
        self.slots = names + sorted({x for s in seqs for x in s.slots} - set(names))
        self.slot_p = np.array(
            [sum(p for (_, n), p in dist.items() if n == name) for name in self.slots]
        )
        label_p = np.array(list(dist.values()))
        self.slot_max = float(label_p.max()) if len(label_p) else 0.0
        longest = max((len(s.labels) for s in seqs), default=0)
        self.slot = slot_baseline(label_p, longest, rng, runs)
        # Offenders at home only at some pairs: the mix over those, one model per set.
        labels = list(dist)
        self.own_pairs: dict[str, frozenset[Label]] = {}
        self.slot_within: dict[frozenset[Label], AttackerBaseline] = {}
        longest_within: dict[frozenset[Label], int] = {}
        for s in seqs:
            pairs = frozenset(available.get(s.offender_id, ())) & frozenset(labels)
            if pairs and len(pairs) < len(labels):
                self.own_pairs[s.offender_id] = pairs
                longest_within[pairs] = max(longest_within.get(pairs, 0), len(s.labels))
        for pairs, n in sorted(longest_within.items(), key=lambda kv: sorted(kv[0])):
            p = np.array([dist[k] if k in pairs else 0.0 for k in labels])
            if p.sum() <= 0:
                p = np.array([1.0 if k in pairs else 0.0 for k in labels])
            p = p[p > 0] / p.sum()
            self.slot_within[pairs] = slot_baseline(p, n, rng, runs)
        self.gap: dict[tuple[int, float], AttackerBaseline] = {}
        for key in sorted({self.key(s) for s in seqs}):
            n = max(len(s.gaps) for s in seqs if self.key(s) == key)
            self.gap[key] = gap_baseline(self.pmf(*key), n, rng, runs)
        self._entropy: dict[tuple[str, int, int, float], float | None] = {}

    def key(self, s: _Seq) -> tuple[int, float]:
        return s.interval, self.policy.gap_mean_share[s.tier]

    def slot_of(self, s: _Seq) -> AttackerBaseline:
        """The slot attacker's baseline for this offender (their own pairs, if known)."""
        pairs = self.own_pairs.get(s.offender_id)
        return self.slot if pairs is None else self.slot_within[pairs]

    @staticmethod
    def pmf(interval: int, share: float) -> np.ndarray:
        return _baseline_pmf(interval, share)

    @staticmethod
    def worst_week(interval: int, share: float) -> float:
        return _baseline_worst_week(interval, share)

    def worst_week_finite(
        self, interval: int, share: float, n_gaps: int, censored: Sequence[int], min_at_risk: int
    ) -> float | None:
        runs = max(self.runs // 10, 100)
        pmf = self.pmf(interval, share)
        return expected_km_worst_week(pmf, n_gaps, censored, self.rng, runs, min_at_risk)

    def entropy(self, kind: str, n: int, interval: int = 0, share: float = 1.0) -> float | None:
        key = (kind, n, interval, share)
        if key not in self._entropy:
            if kind == "weekday":
                p = self.weekday_p
            elif kind == "slot":
                p = self.slot_p
            else:
                p = self.pmf(interval, share)
            runs = max(self.runs // 4, 100)
            self._entropy[key] = expected_plugin_entropy(p, n, self.rng, runs)
        return self._entropy[key]


@lru_cache(maxsize=64)
def _baseline_pmf(interval: int, share: float) -> np.ndarray:
    pmf = max_entropy_gap_pmf(interval, min(max(1.0, share * interval), interval))
    pmf.setflags(write=False)
    return pmf


@lru_cache(maxsize=64)
def _baseline_worst_week(interval: int, share: float) -> float:
    return worst_week_detection(_baseline_pmf(interval, share))


def audit(
    visits: Iterable[VisitRecord],
    policy: Policy,
    as_of: dt.date | None = None,
    *,
    planned: Sequence[PlannedRecord] = (),
    available: Mapping[str, frozenset[Label]] | None = None,
    rng: np.random.Generator | None = None,
    runs: int = MC_RUNS,
    alpha: float = ALPHA,
    min_at_risk: int = MIN_AT_RISK,
) -> AuditResult:
    """Score a visit history against the attackers, per offender, per tier and overall.

    Parameters
    ----------
    visits
        Every recorded attempt; those after ``as_of`` are left out. An offender's tier
        and interval override are those of their latest record.
    as_of
        End of the history, where gaps still open are censored. Default: its last date.
    planned
        Planned visits, to warn when visits moved by hand reduced randomness
        (:func:`edits_reduce_randomness`).
    available
        Per offender id, the (weekday, slot)s at which they are at home
        (:func:`scheduler.timing.slot_mix.available_pairs`, from their weekly unavailability).
        An offender away at work every weekday daytime can only be visited on evenings
        and Saturdays, and knows it: their slot baseline is the baseline's mix over
        those pairs, not over every pair. Offenders not listed get the whole mix.
    rng
        Generator of the baseline's Monte Carlo (default: the fixed public
        :data:`BASELINE_SEED`).
    runs
        Monte Carlo histories per baseline figure.
    alpha
        One-sided significance of the per-offender flags.
    min_at_risk
        Fewest open gaps for a day to count in a tier's worst-week estimate.
    """
    visits = list(visits)
    rng = rng if rng is not None else np.random.default_rng(BASELINE_SEED)
    settings: dict[str, Any] = {
        "window_days": WEEK_DAYS,
        "gap_tolerance_days": GAP_TOLERANCE_DAYS,
        "min_at_risk": min_at_risk,
        "offender_min_at_risk": OFFENDER_MIN_AT_RISK,
        "alpha": alpha,
        "baseline_seed": BASELINE_SEED if runs else None,
        "gap_mean_share": {t.value: policy.gap_mean_share[t] for t in RiskTier},
    }
    if not visits:
        return AuditResult(
            None, (), (), None, (), ("the history holds no visits",), settings=settings
        )
    end = as_of or max(v.date for v in visits)
    seqs = _sequences(visits, policy, end)
    base = _Baseline(policy, seqs, rng, runs, available or {})
    rows, flags = [], []
    for s in seqs:
        row, found = _offender_row(s, base, alpha)
        rows.append(row)
        flags += found
    tiers = []
    for tier in sorted(RiskTier, key=lambda t: -t.rank):
        mine = [i for i, s in enumerate(seqs) if s.tier is tier]
        if mine:
            tiers.append(
                _tier_row(tier, [seqs[i] for i in mine], [rows[i] for i in mine], base, min_at_risk)
            )
    overall = _overall_row(seqs, rows, tiers, base)
    warnings = [w for g in tiers for w in group_warnings(g, alpha)]
    if len(tiers) > 1:  # the overall worst week is a tier's, already warned about
        warnings += [w for w in group_warnings(overall, alpha) if "worst-week" not in w]
    edits = None
    if planned:
        edits = edits_reduce_randomness(planned, [v for v in visits if v.date <= end], policy)
        warnings += edits.warnings
    return AuditResult(
        as_of=end,
        offenders=tuple(rows),
        tiers=tuple(tiers),
        overall=overall,
        flags=tuple(flags),
        warnings=tuple(warnings),
        edits=edits,
        slot_baseline_asymptotic=base.slot_max,
        settings=settings,
    )


def _rate(hits: float, n: int) -> float | None:
    return float(hits) / n if n else None


def _gap_counts(gaps: Sequence[int], interval: int) -> np.ndarray:
    """Gaps binned over 1..I; an overdue gap counts as I."""
    return np.bincount(np.clip(np.asarray(gaps, dtype=int), 1, interval) - 1, minlength=interval)


def _counts(values: Sequence[Hashable], categories: Sequence[Hashable]) -> list[int]:
    seen = Counter(values)
    return [seen[c] for c in categories]


def _entropy_score(counts: Sequence[int] | np.ndarray, baseline: float | None) -> Score:
    has = sum(counts) > 0
    return Score(plugin_entropy(counts), baseline, 0.0 if has else None)


def _offender_row(s: _Seq, base: _Baseline, alpha: float) -> tuple[OffenderAudit, list[Flag]]:
    interval, share = base.key(s)
    pmf = base.pmf(interval, share)
    slot_hits, slot_n = slot_attacker_hits(s.labels)
    gap_hits, gap_n = gap_attacker_hits(s.gaps)
    slot_model, gap_model = base.slot_of(s), base.gap[interval, share]
    slot_expected = slot_model.expected(slot_n)
    gap_expected = gap_model.expected(gap_n)
    flags = []
    for attacker, model, hits, n, expected in (
        ("slot", slot_model, slot_hits, slot_n, slot_expected),
        ("gap", gap_model, gap_hits, gap_n, gap_expected),
    ):
        if n and hits >= MARKED_RATIO * expected:
            p_value = model.p_value(hits, n)
            if p_value < alpha:
                flags.append(Flag(s.offender_id, s.tier, attacker, hits, n, expected / n, p_value))
    ww = km_worst_week(
        s.gaps, () if s.censored is None else (s.censored,), min_at_risk=OFFENDER_MIN_AT_RISK
    )
    n_gaps = len(s.gaps)
    row = OffenderAudit(
        offender_id=s.offender_id,
        tier=s.tier,
        interval_days=interval,
        attended=len(s.weekdays),
        completed=s.completed,
        slot_hits=slot_hits,
        slot_predictions=slot_n,
        slot_attacker=Score(_rate(slot_hits, slot_n), _rate(slot_expected, slot_n), 1.0),
        gap_hits=gap_hits,
        gap_predictions=gap_n,
        gap_attacker=Score(_rate(gap_hits, gap_n), _rate(gap_expected, gap_n), 1.0),
        worst_week=Score(ww.detection, base.worst_week(interval, share), 0.0),
        shortest_gap=Score(
            float(min(s.gaps)) if s.gaps else None,
            expected_shortest_gap(pmf, n_gaps),
            float(interval),
        ),
        longest_gap=max(s.gaps) if s.gaps else None,
        gap_entropy=_entropy_score(
            _gap_counts(s.gaps, interval), base.entropy("gap", n_gaps, interval, share)
        ),
        weekday_entropy=_entropy_score(
            _counts(s.weekdays, base.weekdays), base.entropy("weekday", len(s.weekdays))
        ),
        slot_entropy=_entropy_score(
            _counts(s.slots, base.slots), base.entropy("slot", len(s.slots))
        ),
        flags=tuple(f.attacker for f in flags),
    )
    return row, flags


def _pooled(
    seqs: Sequence[_Seq], rows: Sequence[OffenderAudit], base: _Baseline, attacker: str
) -> tuple[Score, int, float]:
    """An attacker's hits summed over offenders, beside the baseline's expected hits, and
    the chance of at least as many against the baseline (normal approximation to the sum
    of the offenders' independent baseline hit counts)."""
    hits = n = 0
    expected = variance = 0.0
    for s, r in zip(seqs, rows, strict=True):
        k = getattr(r, f"{attacker}_predictions")
        model = base.slot_of(s) if attacker == "slot" else base.gap[base.key(s)]
        n += k
        hits += getattr(r, f"{attacker}_hits")
        expected += model.expected(k)
        variance += model.variance(k)
    if hits <= expected:
        p_value = 1.0
    elif variance <= 0:
        p_value = 0.0
    else:
        p_value = 0.5 * math.erfc((hits - 0.5 - expected) / math.sqrt(2 * variance))
    return Score(_rate(hits, n), _rate(expected, n), 1.0), n, min(p_value, 1.0)


def _tier_row(
    tier: RiskTier,
    seqs: Sequence[_Seq],
    rows: Sequence[OffenderAudit],
    base: _Baseline,
    min_at_risk: int,
) -> GroupAudit:
    """A tier's rows pooled; gap-based figures use the tier's interval from the policy
    (an offender's own override only changes their own row)."""
    interval = base.policy.interval_days[tier]
    share = base.policy.gap_mean_share[tier]
    pmf = base.pmf(interval, share)
    gaps = [g for s in seqs for g in s.gaps]
    censored = [s.censored for s in seqs if s.censored is not None]
    ww = km_worst_week(gaps, censored, min_at_risk=min_at_risk)
    ww_base = worst_week_detection(pmf)
    enough = ww.detection is not None and (
        ww_base <= 0 or ww.at_risk * ww_base >= MIN_EXPECTED_DETECTIONS
    )
    ww_finite = base.worst_week_finite(interval, share, len(gaps), censored, min_at_risk)
    relative = [g / s.interval for s in seqs for g in s.gaps]
    slot, slot_n, slot_p = _pooled(seqs, rows, base, "slot")
    gap, gap_n, gap_p = _pooled(seqs, rows, base, "gap")
    weekdays = [d for s in seqs for d in s.weekdays]
    slots = [x for s in seqs for x in s.slots]
    return GroupAudit(
        group=tier.value,
        interval_days=interval,
        offenders=len(seqs),
        attended=len(weekdays),
        completed=sum(s.completed for s in seqs),
        gaps=len(gaps),
        target_share=share,
        observed_share=float(np.mean(relative)) if relative else None,
        worst_week=Score(ww.detection, ww_base if ww_finite is None else ww_finite, 0.0),
        worst_week_baseline_long=ww_base,
        worst_week_day=ww.day,
        worst_week_at_risk=ww.at_risk,
        worst_week_enough_data=enough,
        worst_week_p_value=ww.p_value(ww_base),
        slot_attacker=slot,
        slot_predictions=slot_n,
        slot_p_value=slot_p,
        gap_attacker=gap,
        gap_predictions=gap_n,
        gap_p_value=gap_p,
        gap_entropy=_entropy_score(
            _gap_counts(gaps, interval), base.entropy("gap", len(gaps), interval, share)
        ),
        weekday_entropy=_entropy_score(
            _counts(weekdays, base.weekdays), base.entropy("weekday", len(weekdays))
        ),
        slot_entropy=_entropy_score(_counts(slots, base.slots), base.entropy("slot", len(slots))),
    )


def _overall_row(
    seqs: Sequence[_Seq],
    rows: Sequence[OffenderAudit],
    tiers: Sequence[GroupAudit],
    base: _Baseline,
) -> GroupAudit:
    """Everything pooled. Gaps of different intervals do not pool: worst-week detection is
    the weakest tier's (lowest score with enough data, else lowest score) and gap entropy
    the gap-weighted mean of the tiers'."""
    slot, slot_n, slot_p = _pooled(seqs, rows, base, "slot")
    gap, gap_n, gap_p = _pooled(seqs, rows, base, "gap")
    weekdays = [d for s in seqs for d in s.weekdays]
    slots = [x for s in seqs for x in s.slots]
    estimated = [t for t in tiers if t.worst_week.value is not None]
    weakest = min(
        estimated,
        key=lambda t: (not t.worst_week_enough_data, t.worst_week.value or 0.0),
        default=None,
    )
    n_gaps = sum(t.gaps for t in tiers)

    def weighted(pick: str) -> float | None:
        pairs = [(getattr(t.gap_entropy, pick), t.gaps) for t in tiers if t.gaps]
        if not pairs or any(v is None for v, _ in pairs):
            return None
        return sum(float(v) * n for v, n in pairs) / n_gaps

    return GroupAudit(
        group="all",
        interval_days=None,
        offenders=len(seqs),
        attended=len(weekdays),
        completed=sum(s.completed for s in seqs),
        gaps=n_gaps,
        target_share=None,
        observed_share=None,
        worst_week=weakest.worst_week if weakest else Score(None, None, 0.0),
        worst_week_baseline_long=weakest.worst_week_baseline_long if weakest else None,
        worst_week_day=weakest.worst_week_day if weakest else None,
        worst_week_at_risk=weakest.worst_week_at_risk if weakest else 0,
        worst_week_enough_data=weakest.worst_week_enough_data if weakest else False,
        worst_week_p_value=weakest.worst_week_p_value if weakest else 1.0,
        slot_attacker=slot,
        slot_predictions=slot_n,
        slot_p_value=slot_p,
        gap_attacker=gap,
        gap_predictions=gap_n,
        gap_p_value=gap_p,
        gap_entropy=Score(weighted("value"), weighted("baseline"), 0.0 if n_gaps else None),
        weekday_entropy=_entropy_score(
            _counts(weekdays, base.weekdays), base.entropy("weekday", len(weekdays))
        ),
        slot_entropy=_entropy_score(_counts(slots, base.slots), base.entropy("slot", len(slots))),
        detail=f"worst-week detection of the weakest tier ({weakest.group})" if weakest else "",
    )


def group_warnings(g: GroupAudit, alpha: float = ALPHA) -> list[str]:
    """A tier (or the whole history) markedly more predictable than the baseline: an
    attacker markedly better than against the baseline (see :data:`MARKED_RATIO`), a
    worst-week detection below :data:`WORST_WEEK_WARN_SHARE` of the baseline's and
    significantly so (:meth:`WorstWeek.p_value` below ``alpha``), or an entropy more than
    :data:`ENTROPY_MARGIN` below the baseline's."""
    out = []
    for name, score, n, p_value in (
        ("slot", g.slot_attacker, g.slot_predictions, g.slot_p_value),
        ("gap", g.gap_attacker, g.gap_predictions, g.gap_p_value),
    ):
        ratio = score.ratio
        if ratio is not None and ratio >= MARKED_RATIO and p_value < alpha:
            out.append(
                f"{g.group}: the {name} attacker predicts {score.value:.1%} of {n} visits "
                f"(baseline {score.baseline:.1%})"
            )
    ww = g.worst_week
    if (
        ww.value is not None
        and ww.baseline
        and ww.value < WORST_WEEK_WARN_SHARE * ww.baseline
        and g.worst_week_p_value < alpha
    ):
        out.append(
            f"{g.group}: worst-week detection {ww.value:.3f} (baseline {ww.baseline:.3f}): "
            f"{g.worst_week_day} days after a visit, a visit within the next 7 days is "
            f"{ww.baseline / max(ww.value, 1e-9):.0f}x less likely than it should be"
            if ww.value > 0
            else f"{g.group}: worst-week detection 0 (baseline {ww.baseline:.3f}): "
            f"{g.worst_week_day} days after a visit, no visit has ever come in the next 7 days"
        )
    for name, score in (
        ("gap", g.gap_entropy),
        ("weekday", g.weekday_entropy),
        ("time-slot", g.slot_entropy),
    ):
        value, baseline = score.value, score.baseline
        if value is not None and baseline is not None and value < baseline - ENTROPY_MARGIN:
            out.append(
                f"{g.group}: {name} entropy {value:.2f} (baseline {baseline:.2f}): "
                f"{name}s are concentrated"
            )
    return out


# ---------------------------------------------------------------- manual edits


def edits_reduce_randomness(
    planned: Sequence[PlannedRecord],
    actual: Sequence[VisitRecord],
    policy: Policy,
    match_days: int = EDIT_MATCH_DAYS,
    tolerance: float = EDIT_TOLERANCE,
) -> EditCheck:
    """Compare the plan with what was recorded and warn when visits moved by hand (another
    date or slot than planned) made the attended visits more predictable: a higher slot
    attacker hit rate, or lower weekday or slot entropy, by more than ``tolerance``.

    Each planned visit is matched to the same offender's attended visit nearest in date,
    at most ``match_days`` away (closest pairs first, each visit used once); unmatched
    visits (not done yet, or unplanned) are the same in both versions.
    """
    attended = sorted(
        (v for v in actual if v.outcome in ATTENDED), key=lambda v: (v.offender_id, v.date)
    )
    by_offender: dict[str, list[int]] = defaultdict(list)
    for i, v in enumerate(attended):
        by_offender[v.offender_id].append(i)
    pairs = sorted(
        (abs((attended[i].date - p.date).days), p.date, j, i)
        for j, p in enumerate(planned)
        for i in by_offender.get(p.offender_id, ())
        if abs((attended[i].date - p.date).days) <= match_days
    )
    used_plan: set[int] = set()
    as_planned: dict[int, tuple[dt.date, str | None]] = {}
    for _, _, j, i in pairs:
        if j in used_plan or i in as_planned:
            continue
        used_plan.add(j)
        as_planned[i] = planned[j].date, planned[j].slot or attended[i].slot
    moved = [
        i
        for i, (day, slot) in as_planned.items()
        if day != attended[i].date or slot != attended[i].slot
    ]

    def scores(version: list[tuple[str, dt.date, str | None]]) -> tuple[float | None, ...]:
        labels: dict[str, list[Label]] = defaultdict(list)
        for oid, day, slot in sorted(version, key=lambda x: (x[0], x[1])):
            if slot:
                labels[oid].append((day.weekday(), slot))
        hits = [slot_attacker_hits(seq) for seq in labels.values()]
        n = sum(k for _, k in hits)
        weekdays = Counter(day.weekday() for _, day, _ in version)
        slots = Counter(slot for _, _, slot in version if slot)
        return (
            _rate(sum(h for h, _ in hits), n),
            _normalised_over(weekdays, max(len(_allowed_weekdays(policy) | set(weekdays)), 2)),
            _normalised_over(slots, max(len({s.name for s in policy.slots} | set(slots)), 2)),
        )

    recorded = [(v.offender_id, v.date, v.slot) for v in attended]
    replanned = [
        (v.offender_id, *as_planned.get(i, (v.date, v.slot))) for i, v in enumerate(attended)
    ]
    hit_rec, wd_rec, sl_rec = scores(recorded)
    hit_plan, wd_plan, sl_plan = scores(replanned)
    destinations = Counter(
        f"{Weekday(attended[i].date.weekday()).name.lower()} {attended[i].slot or '?'}"
        for i in moved
    )
    top = destinations.most_common(1)[0] if destinations else None
    warnings = []
    if moved:
        where = f"; {top[1]} of {len(moved)} went to {top[0]}" if top else ""
        if hit_rec is not None and hit_plan is not None and hit_rec > hit_plan + tolerance:
            warnings.append(
                f"manual edits: {len(moved)} visit(s) moved by hand raise the slot attacker's "
                f"hit rate from {hit_plan:.1%} to {hit_rec:.1%}{where}"
            )
        for name, rec, plan in (("weekday", wd_rec, wd_plan), ("time-slot", sl_rec, sl_plan)):
            if rec is not None and plan is not None and rec < plan - tolerance:
                warnings.append(
                    f"manual edits: {len(moved)} visit(s) moved by hand lower {name} entropy "
                    f"from {plan:.2f} to {rec:.2f}{where}"
                )
    return EditCheck(
        matched=len(as_planned),
        moved=len(moved),
        slot_hit_rate_planned=hit_plan,
        slot_hit_rate_recorded=hit_rec,
        weekday_entropy_planned=wd_plan,
        weekday_entropy_recorded=wd_rec,
        slot_entropy_planned=sl_plan,
        slot_entropy_recorded=sl_rec,
        top_destination=top,
        warnings=tuple(warnings),
    )


def _allowed_weekdays(policy: Policy) -> set[int]:
    return {int(d) for s in policy.slots for d in policy.slot_days(s)}


def _normalised_over(counts: Counter[Any], categories: int) -> float | None:
    n = np.array(list(counts.values()), dtype=float)
    if n.sum() <= 0:
        return None
    p = n[n > 0] / n.sum()
    return float(-(p * np.log(p)).sum() / math.log(categories)) + 0.0


# ---------------------------------------------------------------- trade-off


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
        out = {k: _r(v) if isinstance(v, float) else v for k, v in self.__dict__.items()}
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
                        pmf[np.abs(k - _whole_days(np.array(mu))) <= GAP_TOLERANCE_DAYS].sum()
                    ),
                    gap_entropy=normalised_entropy(pmf) + 0.0,
                    slot_attacker=slot,
                    offenders=count,
                    visits_per_year_total=None if count is None else count * per_year,
                )
            )
    return rows
