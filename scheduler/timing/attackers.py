"""The attackers: what an offender who knows their own visit history predicts, and the
statistics that score it (Kaplan-Meier worst week, plug-in entropy, binomial tails).
The attacker models are described in ``docs/design/predictability-audit.md``."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from scheduler.timing.gaps import WEEK_DAYS, normalised_entropy

#: The gap attacker hits when a visit comes within this many days of its prediction.
GAP_TOLERANCE_DAYS = 3
#: Fewest open gaps at a number of days since the last visit for the tier's worst-week
#: estimate to consider that day.
MIN_AT_RISK = 30


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
    guess = whole_days(np.cumsum(g)[:-1] / np.arange(1, len(g)))
    return int((np.abs(g[1:] - guess) <= tolerance).sum()), len(g) - 1


def whole_days(days: np.ndarray) -> np.ndarray:
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


def hit_rate(hits: float, n: int) -> float | None:
    """Hits (or expected hits) per prediction; None without predictions."""
    return float(hits) / n if n else None
