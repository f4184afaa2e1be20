"""Travel times between points.

Offline by default: great-circle distance times a circuity factor (roads are longer than
the straight line) at an urban speed, optionally by time of day. Anything with
``matrix_s`` can stand in, e.g. a road-network server (:mod:`scheduler.core.roads`);
none is called unless the user configures it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

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
    #: Speeds by time of day: ``(start_s, end_s, speed_kmh)`` with seconds from
    #: midnight, start inclusive, end exclusive, not overlapping. Outside every band the
    #: model drives at ``speed_kmh``. :meth:`matrix_s` always uses ``speed_kmh``; ask for
    #: a time of day with :meth:`at`, :meth:`matrix_at_s` or, one per destination,
    #: :meth:`matrix_by_arrival_s` (what the weekly planner uses).
    bands: tuple[tuple[int, int, float], ...] = ()

    def matrix_s(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        road_m = distance_matrix_m(lat, lon) * self.circuity
        return np.rint(road_m / (self.speed_kmh / 3.6)).astype(np.int64)

    def speed_for(self, second_of_day: int) -> float:
        """Speed in km/h of a trip starting ``second_of_day`` seconds after midnight."""
        t = int(second_of_day) % 86_400
        for start_s, end_s, speed in self.bands:
            if start_s <= t < end_s:
                return speed
        return self.speed_kmh

    def at(self, second_of_day: int) -> GreatCircleTravel:
        """The constant-speed model of that time of day (its ``matrix_s`` is the matrix
        for trips then), e.g. one per officer-day from the shift's start."""
        return GreatCircleTravel(self.speed_for(second_of_day), self.circuity)

    def matrix_at_s(self, lat: np.ndarray, lon: np.ndarray, second_of_day: int) -> np.ndarray:
        """Travel seconds for trips starting at ``second_of_day``."""
        return self.at(second_of_day).matrix_s(lat, lon)

    def speeds_kmh(self, second_of_day: np.ndarray) -> np.ndarray:
        """:meth:`speed_for` of each time (seconds after midnight); ``speed_kmh`` where a
        time is negative (none given)."""
        t = np.asarray(second_of_day, dtype=np.int64)
        out = np.full(t.shape, self.speed_kmh, dtype=float)
        tod = t % 86_400
        for start_s, end_s, speed in self.bands:
            out[(t >= 0) & (start_s <= tod) & (tod < end_s)] = speed
        return out

    def matrix_by_arrival_s(
        self, lat: np.ndarray, lon: np.ndarray, second_of_day: np.ndarray
    ) -> np.ndarray:
        """Travel seconds with each trip at the speed of the time of day it ends:
        ``second_of_day[j]`` for trips to point ``j``; a point with a negative time (an
        officer's base, where the day ends) is reached at the speed of the time its trip
        starts from (``second_of_day`` of the origin). Without bands this is
        :meth:`matrix_s`, exactly."""
        if not self.bands:
            return self.matrix_s(lat, lon)
        t = np.asarray(second_of_day, dtype=np.int64)
        arrive = self.speeds_kmh(t)
        speed = np.where(t[None, :] >= 0, arrive[None, :], arrive[:, None])
        road_m = distance_matrix_m(lat, lon) * self.circuity
        return np.rint(road_m / (speed / 3.6)).astype(np.int64)


def __getattr__(name: str) -> Any:
    # ``OsrmTravel`` moved to scheduler.core.roads (batched, cached); the old import
    # path keeps working without importing the client for offline runs.
    if name == "OsrmTravel":
        from scheduler.core.roads import OsrmTravel

        return OsrmTravel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
