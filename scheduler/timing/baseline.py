"""The baseline schedule: maximum-entropy gaps at the policy's mean gap share and
(weekday, slot)s drawn by slot share, and each attacker's score against it over a history
as long as the one audited (seeded Monte Carlo where no closed form fits)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from models import Policy
from scheduler.timing.attackers import (
    GAP_TOLERANCE_DAYS,
    MIN_AT_RISK,
    binomial_upper_tail,
    km_worst_week,
    whole_days,
)
from scheduler.timing.gaps import max_entropy_gap_pmf, survival, worst_week_detection
from scheduler.timing.visits import Label, OffenderSequence


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
    guess = whole_days(np.cumsum(g, axis=1)[:, :-1] / np.arange(1, n_gaps))
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


class AuditBaseline:
    """The baseline schedule's numbers for one policy and history, each computed once and
    shared by every row."""

    def __init__(
        self,
        policy: Policy,
        seqs: Sequence[OffenderSequence],
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

    def key(self, s: OffenderSequence) -> tuple[int, float]:
        return s.interval, self.policy.gap_mean_share[s.tier]

    def slot_of(self, s: OffenderSequence) -> AttackerBaseline:
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
