"""Gap distributions: how many days pass between successful visits.

A tier's interval ``I`` is a *maximum* gap. Visiting exactly every ``I`` days is the only
compliant schedule with one visit per ``I`` days, and it is the most predictable one.
Unpredictability is bought with extra visits: gaps with mean ``mu < I`` cost ``I / mu``
times the fixed-cycle workload. For given ``I`` and ``mu`` the least predictable gap
distribution on ``1..I`` is the maximum-entropy one, a truncated geometric
``P(G = k) ∝ exp(-lam * k)`` (uniform when ``mu = (I + 1) / 2``; mass rising towards ``I``
when ``mu`` is larger, which is the usual case).

Everything here is a pure function of ``I`` and ``mu`` returning numpy arrays indexed by
gap - 1, so the planner, the audit and the trade-off table use the same numbers.
"""

from __future__ import annotations

import math

import numpy as np

from models import GapShape

WEEK_DAYS = 7


def max_entropy_gap_pmf(interval: int, mean: float) -> np.ndarray:
    """P(G = k) for k = 1..interval: the maximum-entropy distribution with this mean.

    Solved for the geometric rate by bisection on the (monotone) mean; at the ends the
    distribution degenerates to a point mass (mean 1 or mean I).
    """
    _check(interval, mean)
    k = np.arange(1, interval + 1, dtype=float)
    if mean >= interval - 1e-9:
        return _point_mass(interval, interval)
    if mean <= 1 + 1e-9:
        return _point_mass(interval, 1)
    lo, hi = -60.0, 60.0  # per day: exp(-60) is below double precision's resolution
    for _ in range(200):
        mid = (lo + hi) / 2
        if float(_geometric(k, mid) @ k) > mean:
            lo = mid  # a larger rate moves mass to short gaps and lowers the mean
        else:
            hi = mid
    return _geometric(k, (lo + hi) / 2)


def uniform_gap_pmf(interval: int, mean: float) -> np.ndarray:
    """Uniform on ``a..interval`` with ``a = 2 * mean - interval`` (mixed between the two
    nearest integers so the mean is exact)."""
    _check(interval, mean)
    a_real = max(1.0, 2 * mean - interval)
    lo = int(math.floor(a_real))
    pmf = np.zeros(interval)
    if lo >= interval:
        return _point_mass(interval, interval)
    # Mix uniform(lo..I) and uniform(lo+1..I) to hit the mean.
    m_lo, m_hi = (lo + interval) / 2, (lo + 1 + interval) / 2
    w = 1.0 if m_hi == m_lo else min(max((m_hi - (a_real + interval) / 2) / (m_hi - m_lo), 0), 1)
    pmf[lo - 1 :] += w / (interval - lo + 1)
    pmf[lo:] += (1 - w) / (interval - lo)
    return pmf


def fixed_gap_pmf(interval: int) -> np.ndarray:
    """Every gap is exactly the interval."""
    return _point_mass(interval, interval)


def gap_pmf(shape: GapShape, interval: int, share: float) -> np.ndarray:
    """The policy's gap distribution for an interval and a mean gap of ``share * I``
    (never below one day)."""
    mean = max(1.0, share * interval)
    if shape is GapShape.FIXED:
        return fixed_gap_pmf(interval)
    if shape is GapShape.UNIFORM:
        return uniform_gap_pmf(interval, mean)
    return max_entropy_gap_pmf(interval, mean)


def mean_gap(pmf: np.ndarray) -> float:
    return float(pmf @ np.arange(1, len(pmf) + 1))


def normalised_entropy(pmf: np.ndarray) -> float:
    """Shannon entropy over its maximum (log of the support size): 1 is uniform."""
    p = pmf[pmf > 0]
    if len(pmf) <= 1:
        return 0.0
    return float(-(p * np.log(p)).sum() / math.log(len(pmf)))


def survival(pmf: np.ndarray) -> np.ndarray:
    """S[d] = P(G > d) for d = 0..I (S[0] = 1, S[I] = 0). Summed from the tail: ``1 -
    cumsum`` loses the far tail to rounding, and hazards near the interval divide by it."""
    tail = np.cumsum(np.asarray(pmf, dtype=float)[::-1])[::-1]
    return np.concatenate([[1.0], np.clip(tail[1:], 0.0, 1.0), [0.0]])


def detection_within(pmf: np.ndarray, window: int = WEEK_DAYS) -> np.ndarray:
    """For each d = 0..I-1 days without a visit: P(a visit within the next ``window``
    days | none for d days). Entries where no gap is that long are NaN."""
    s = survival(pmf)
    n = len(pmf)
    d = np.arange(n)
    ahead = s[np.minimum(d + window, n)]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (s[d] - ahead) / s[d]
    out[s[d] <= 1e-12] = np.nan
    return out


def worst_week_detection(pmf: np.ndarray, window: int = WEEK_DAYS) -> float:
    """The attacker's safest moment: the smallest chance that a visit comes within the
    next ``window`` days, over every number of days since the last visit. 0 for a fixed
    cycle longer than the window; higher is better."""
    return float(np.nanmin(detection_within(pmf, window)))


def conditional_gap_pmf(pmf: np.ndarray, at_least: int) -> np.ndarray:
    """P(G = k | G >= at_least) for k = 1..I (zeros below ``at_least``). A gap already
    longer than the interval leaves all mass on the interval (the visit is overdue)."""
    n = len(pmf)
    out = np.zeros(n)
    lo = max(at_least, 1)
    if lo > n:
        out[-1] = 1.0
        return out
    tail = pmf[lo - 1 :]
    total = tail.sum()
    if total <= 0:
        out[-1] = 1.0
        return out
    out[lo - 1 :] = tail / total
    return out


def hazard(pmf: np.ndarray) -> np.ndarray:
    """h[k - 1] = P(G = k | G >= k): the chance of a visit on day k of a gap still open."""
    s = survival(pmf)[:-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        h = np.where(s > 1e-12, pmf / np.where(s > 0, s, 1.0), 1.0)
    return np.clip(h, 0.0, 1.0)


def attempt_gap_pmf(pmf: np.ndarray, failure_share: float) -> np.ndarray:
    """The gap distribution to draw *attempts* from so that *successful* visits follow
    ``pmf`` when each attempt fails (nobody home, refused, cancelled) with probability
    ``failure_share``.

    Each day's attempt hazard is the target hazard divided by ``1 - failure_share``
    (capped at 1): a failed attempt leaves the gap open, and successes are attempts
    thinned by ``1 - failure_share``, so the successful-visit hazard is the target's on
    every day where the cap does not bind (near the interval it does: there every day
    is attempted). Without this, failures stretch the gaps, the mean gap overshoots the
    budget and the chance of a visit soon after the last one falls below the
    baseline's."""
    if not 0.0 <= failure_share < 1.0:
        raise ValueError(f"failure share must lie in [0, 1), got {failure_share}")
    if failure_share == 0.0:
        return pmf
    a = np.minimum(hazard(pmf) / (1.0 - failure_share), 1.0)
    open_before = np.concatenate([[1.0], np.cumprod(1.0 - a)[:-1]])
    out = a * open_before
    out[-1] += max(0.0, 1.0 - float(out.sum()))  # the deadline takes what is left
    return np.asarray(out / out.sum())


def visits_per_year(interval: int, share: float, shape: GapShape = GapShape.MAX_ENTROPY) -> float:
    """Successful visits a year at this budget (365.25 / mean gap)."""
    return 365.25 / mean_gap(gap_pmf(shape, interval, share))


def _geometric(k: np.ndarray, rate: float) -> np.ndarray:
    logits = -rate * k
    w = np.exp(logits - logits.max())
    return np.asarray(w / w.sum())


def _point_mass(interval: int, at: int) -> np.ndarray:
    pmf = np.zeros(interval)
    pmf[at - 1] = 1.0
    return pmf


def _check(interval: int, mean: float) -> None:
    if interval < 1:
        raise ValueError(f"interval must be at least 1 day, got {interval}")
    if not 1 <= mean <= interval:
        raise ValueError(f"mean gap {mean} must lie between 1 and the interval {interval}")
