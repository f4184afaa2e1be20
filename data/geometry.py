"""Plane geometry for placing homes and bases: a local projection to kilometres, a
bounded Gaussian scatter, nearest-site assignment with capacities and a balanced
spatial split."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from models.common import UK_LAT, UK_LON

_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON_EQUATOR = 111.320


def _km_per_deg_lon(lat0: float) -> float:
    return _KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))


def to_km(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    """Equirectangular projection around ``(lat0, lon0)``: fine at city/county scale."""
    return np.column_stack(
        (
            (np.asarray(lon) - lon0) * _km_per_deg_lon(lat0),
            (np.asarray(lat) - lat0) * _KM_PER_DEG_LAT,
        )
    )


def to_deg(xy: np.ndarray, lat0: float, lon0: float) -> tuple[np.ndarray, np.ndarray]:
    return lat0 + xy[:, 1] / _KM_PER_DEG_LAT, lon0 + xy[:, 0] / _km_per_deg_lon(lat0)


def _in_uk(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return (lat >= UK_LAT[0]) & (lat <= UK_LAT[1]) & (lon >= UK_LON[0]) & (lon <= UK_LON[1])


def scatter(
    rng: np.random.Generator,
    n: int,
    lat0: float,
    lon0: float,
    centres_km: np.ndarray,
    weights: np.ndarray,
    sigma_km: float,
    max_r_km: float,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points from a Gaussian mixture around ``centres_km`` (relative to
    ``(lat0, lon0)``), redrawing any point further than ``max_r_km`` from the origin or
    outside the UK box, so no point piles up on the boundary."""
    which = rng.choice(len(centres_km), size=n, p=weights)
    xy = centres_km[which] + rng.normal(0.0, sigma_km, size=(n, 2))
    for _ in range(200):
        lat, lon = to_deg(xy, lat0, lon0)
        bad = (np.hypot(xy[:, 0], xy[:, 1]) > max_r_km) | ~_in_uk(lat, lon)
        if not bad.any():
            break
        xy[bad] = centres_km[which[bad]] + rng.normal(0.0, sigma_km, size=(int(bad.sum()), 2))
    else:  # pragma: no cover - only with absurd parameters; keep the guarantee anyway
        r = np.maximum(np.hypot(xy[:, 0], xy[:, 1]) / max_r_km, 1.0)
        xy = xy / r[:, None]
    lat, lon = to_deg(xy, lat0, lon0)
    return np.clip(lat, *UK_LAT), np.clip(lon, *UK_LON)


def capacitated_nearest(points: np.ndarray, sites: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Send each point to its nearest site that still has room.

    Points whose second choice is much worse than their first go first (largest
    regret), so the few who cannot have their nearest site are the ones who lose least.
    Requires ``capacity.sum() >= len(points)``.
    """
    n, m = len(points), len(sites)
    if int(capacity.sum()) < n:
        raise ValueError(f"{n} points but only {int(capacity.sum())} places")
    if m == 1:
        return np.zeros(n, dtype=np.int64)
    dist = np.hypot(points[:, None, 0] - sites[None, :, 0], points[:, None, 1] - sites[None, :, 1])
    pref = np.argsort(dist, axis=1, kind="stable")
    ranked = np.take_along_axis(dist, pref, axis=1)
    order = np.argsort(-(ranked[:, 1] - ranked[:, 0]), kind="stable")
    room = capacity.astype(np.int64).tolist()
    out = np.empty(n, dtype=np.int64)
    prefs = pref.tolist()
    for i in order.tolist():
        for j in prefs[i]:
            if room[j] > 0:
                room[j] -= 1
                out[i] = j
                break
    return out


def balanced_split(points: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
    """Label points into ``len(sizes)`` compact groups, group ``j`` getting a share of
    the points proportional to ``sizes[j]`` (recursive bisection along the wider axis)."""
    labels = np.zeros(len(points), dtype=np.int64)

    def split(idx: np.ndarray, groups: list[int]) -> None:
        if len(groups) == 1:
            labels[idx] = groups[0]
            return
        half = len(groups) // 2
        left, right = groups[:half], groups[half:]
        w_left = sum(sizes[g] for g in left)
        w_all = w_left + sum(sizes[g] for g in right)
        cut = round(len(idx) * w_left / w_all)
        pts = points[idx]
        axis = int(np.argmax(np.ptp(pts, axis=0))) if len(idx) else 0
        ordered = idx[np.argsort(pts[:, axis], kind="stable")]
        split(ordered[:cut], left)
        split(ordered[cut:], right)

    split(np.arange(len(points)), list(range(len(sizes))))
    return labels
