"""Whole numbers in given proportions: exact pro-rata splits, stochastic rounding and
shuffled labels in exact shares (the mixes stay stable even for one small unit)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def apportion(total: int, weights: Sequence[float], minimum: int = 0) -> np.ndarray:
    """Split ``total`` pro rata to ``weights`` (largest remainder, exact sum). Units
    below ``minimum`` take one from the largest unit while the total allows it."""
    w = np.asarray(weights, dtype=float)
    exact = total * w / w.sum()
    out = np.floor(exact).astype(np.int64)
    short = total - int(out.sum())
    out[np.argsort(-(exact - out), kind="stable")[:short]] += 1
    if minimum and total >= minimum * len(out):
        while (out < minimum).any():
            out[int(np.argmin(out))] += 1
            out[int(np.argmax(out))] -= 1
    return out


def stochastic_round(rng: np.random.Generator, x: float) -> int:
    """``floor(x)`` or ``ceil(x)`` with the probability that keeps the mean at ``x``."""
    return int(math.floor(x + rng.random()))


def quota(rng: np.random.Generator, n: int, shares: Sequence[float]) -> np.ndarray:
    """Labels ``0..len(shares)-1`` in exact proportions (largest remainder), shuffled:
    keeps the mix stable even for a 300-offender unit."""
    counts = apportion(n, shares)
    return rng.permutation(np.repeat(np.arange(len(shares)), counts))
