"""Fit the offline travel model (great circle x circuity / speed) to a routing server.

The offline model is proportional: a trip's time is its straight-line distance times
``circuity / speed``, zero for zero distance, as the optimiser's matrices must be. So
the fit is least squares through the origin, in two steps that keep both figures
meaningful:

1. circuity = the slope of the server's *road distance* on the straight-line distance;
2. speed = circuity / (the slope of the server's *duration* on the straight-line
   distance), so ``circuity / speed`` is exactly the least-squares slope of duration and
   the offline durations are the best proportional fit to the server's.

An affine fit (``duration ~ a x distance + b``) would fit short trips better, but its
intercept (parking, finding the door) is not travel the model can express: it belongs
in the visit's service time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scheduler.core.exceptions import RotaError
from scheduler.core.travel import distance_matrix_m

#: Pairs closer than this are left out: at a few hundred metres, snapping to the road
#: network and one-way streets dominate the ratio.
MIN_PAIR_M = 200.0


class CalibrationError(RotaError):
    """The server's answers cannot be fitted (too few routable pairs, or a fit outside
    the bounds a policy accepts)."""


@dataclass(frozen=True)
class ErrorSummary:
    """Offline minus server durations over the sample, absolute."""

    median_s: float
    p90_s: float
    median_pct: float
    p90_pct: float


@dataclass(frozen=True)
class TravelFit:
    """The fitted offline figures and how well the old and the new ones match."""

    circuity: float
    speed_kmh: float
    pairs: int
    before: ErrorSummary
    after: ErrorSummary


def sample_points(n_points: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``size`` distinct points out of ``n_points``, drawn with ``rng``."""
    if n_points < 2:
        raise CalibrationError("calibration needs at least two points")
    return np.sort(rng.choice(n_points, size=min(size, n_points), replace=False))


def error_summary(predicted_s: np.ndarray, actual_s: np.ndarray) -> ErrorSummary:
    err = np.abs(predicted_s - actual_s)
    pct = 100.0 * err / np.maximum(actual_s, 1.0)
    return ErrorSummary(
        float(np.median(err)),
        float(np.percentile(err, 90)),
        float(np.median(pct)),
        float(np.percentile(pct, 90)),
    )


def fit_offline(
    lat: np.ndarray,
    lon: np.ndarray,
    road_s: np.ndarray,
    road_m: np.ndarray,
    *,
    speed_kmh: float,
    circuity: float,
) -> TravelFit:
    """Fit circuity and speed to the server's tables between the points.

    Parameters
    ----------
    road_s, road_m
        The server's square duration (seconds) and distance (metres) tables, NaN where
        it found no route.
    speed_kmh, circuity
        The current offline figures, for the "before" errors.
    """
    straight_m = distance_matrix_m(lat, lon)
    use = (
        ~np.eye(len(lat), dtype=bool)
        & np.isfinite(road_s)
        & np.isfinite(road_m)
        & (straight_m >= MIN_PAIR_M)
    )
    pairs = int(use.sum())
    if pairs < 10:
        raise CalibrationError(
            f"only {pairs} routable pair(s) at least {MIN_PAIR_M:g} m apart: sample more points"
        )
    x, dist, dur = straight_m[use], road_m[use], road_s[use]
    fitted_circuity = float(x @ dist / (x @ x))
    seconds_per_m = float(x @ dur / (x @ x))
    fitted_speed = fitted_circuity / seconds_per_m * 3.6
    if not 1.0 <= fitted_circuity <= 3.0 or not 1.0 < fitted_speed <= 120.0:
        raise CalibrationError(
            f"the fit (circuity {fitted_circuity:.2f}, speed {fitted_speed:.1f} km/h) is "
            "outside what a policy accepts (circuity 1-3, speed 1-120 km/h): is the "
            "server's map the area of the points?"
        )
    return TravelFit(
        circuity=fitted_circuity,
        speed_kmh=fitted_speed,
        pairs=pairs,
        before=error_summary(x * circuity / (speed_kmh / 3.6), dur),
        after=error_summary(x * seconds_per_m, dur),
    )
