"""Travel times between points.

Offline by default: great-circle distance times a circuity factor (roads are longer than
the straight line) at an urban speed. Anything with ``matrix_s`` can stand in, e.g. a
road-network service; none is called unless the user configures it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG), as geopy's great_circle uses


class TravelModel(Protocol):
    """What the optimiser needs: integer seconds between every pair of points."""

    def matrix_s(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Square int64 matrix of travel seconds, zero diagonal."""
        ...


def great_circle_m(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Haversine distance in metres; broadcasts like numpy."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def distance_matrix_m(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """All-pairs great-circle distance in metres."""
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    return great_circle_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])


@dataclass(frozen=True)
class GreatCircleTravel:
    """Straight-line distance x circuity at a constant speed. Good to a few minutes in
    a city; no network access, so no address ever leaves the machine."""

    speed_kmh: float = 25.0
    circuity: float = 1.35

    def matrix_s(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        road_m = distance_matrix_m(lat, lon) * self.circuity
        return np.rint(road_m / (self.speed_kmh / 3.6)).astype(np.int64)


@dataclass(frozen=True)
class OsrmTravel:
    """Road travel times from an OSRM server's ``table`` service (opt-in only).

    Coordinates are sent to ``url``, so use a server the unit runs itself; the planner
    never calls one unless the user names it. Durations come back in seconds.
    """

    url: str
    timeout_s: float = 30.0

    def matrix_s(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        import json
        import urllib.request

        coords = ";".join(f"{x:.6f},{y:.6f}" for y, x in zip(lat, lon, strict=True))
        query = f"{self.url.rstrip('/')}/table/v1/driving/{coords}?annotations=duration"
        with urllib.request.urlopen(query, timeout=self.timeout_s) as resp:  # noqa: S310
            body = json.load(resp)
        if body.get("code") != "Ok":
            raise RuntimeError(f"OSRM table request failed: {body.get('code')}")
        durations = np.array(body["durations"], dtype=float)
        if durations.shape != (len(lat), len(lat)) or np.isnan(durations).any():
            raise RuntimeError("OSRM returned an incomplete duration table")
        return np.rint(durations).astype(np.int64)
