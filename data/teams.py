"""Teams of a scenario: where offenders live, who manages them, where officers start.

A team is drafted as arrays (:class:`Team`) before any pydantic object exists; one
builder per scenario (:func:`borough_teams`, :func:`met_teams`, :func:`national_teams`)
returns the teams and a phrase describing them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from data.apportion import apportion
from data.geometry import balanced_split, capacitated_nearest, scatter, to_deg, to_km
from data.parameters import (
    AREA_SIGMA_KM,
    AREA_SIGMA_KM_PER_SQRT_MILLION,
    BOROUGH_NAME,
    BOROUGH_RSOS,
    LONDON_RSOS,
    OFFENDERS_PER_OFFICER,
    TEAM_SIZE,
)
from data.reference import Borough, load_boroughs, load_mappa_areas


@dataclass
class Team:
    """Draft of one team before pydantic objects exist (arrays, local indices)."""

    name: str
    officer_ids: list[str]
    base_lat: np.ndarray  # per officer
    base_lon: np.ndarray
    home_lat: np.ndarray  # per offender
    home_lon: np.ndarray
    manager: np.ndarray  # per offender: index into officer_ids


def _officer_count(n_offenders: int) -> int:
    return max(1, math.ceil(n_offenders / OFFENDERS_PER_OFFICER))


def _borough_homes(rng: np.random.Generator, b: Borough, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Homes clustered around 2-5 random sub-centres (town centres, estates) inside a
    borough of radius ``sqrt(area / pi)``; sigma 0.2 x sqrt(area)."""
    radius = math.sqrt(b.area_km2 / math.pi)
    n_sub = int(np.clip(round(b.area_km2 / 20), 2, 5))
    r = 0.55 * radius * np.sqrt(rng.random(n_sub))
    theta = 2 * np.pi * rng.random(n_sub)
    centres = np.column_stack((r * np.cos(theta), r * np.sin(theta)))
    weights = rng.dirichlet(np.full(n_sub, 2.0))
    return scatter(
        rng,
        n,
        b.lat,
        b.lon,
        centres,
        weights,
        sigma_km=0.2 * math.sqrt(b.area_km2),
        max_r_km=1.15 * radius,
    )


def _assign_managers(
    rng: np.random.Generator, homes_km: np.ndarray, stations_km: np.ndarray, station_of: np.ndarray
) -> np.ndarray:
    """Manager (index into the team's officers) for each offender.

    Offenders go to the nearest station that still has room (caseload cap per officer),
    then round-robin among that station's officers, so caseloads within a station
    differ by at most one. If the whole team is over capacity, the cap is raised to
    ``ceil(n / officers)`` for everyone: the overload is spread evenly.
    """
    n, k = len(homes_km), len(station_of)
    cap = max(OFFENDERS_PER_OFFICER, math.ceil(n / k))
    per_station = np.bincount(station_of, minlength=len(stations_km))
    station = capacitated_nearest(homes_km, stations_km, per_station * cap)
    manager = np.empty(n, dtype=np.int64)
    for s in range(len(stations_km)):
        mine = rng.permutation(np.flatnonzero(station == s))
        officers = rng.permutation(np.flatnonzero(station_of == s))
        manager[mine] = officers[np.arange(len(mine)) % len(officers)]
    return manager


def _borough_team(
    rng: np.random.Generator, b: Borough, n: int, team: str, officer_ids: list[str]
) -> Team:
    """One team for one borough: homes in the borough, officers at 1 station (2 when
    the team has 5 or more officers) near the centroid."""
    lat, lon = _borough_homes(rng, b, n)
    k = len(officer_ids)
    n_stations = 2 if k >= 5 else 1
    radius = math.sqrt(b.area_km2 / math.pi)
    r = 0.3 * radius * np.sqrt(rng.random(n_stations))
    theta = 2 * np.pi * rng.random(n_stations)
    stations = np.column_stack((r * np.cos(theta), r * np.sin(theta)))
    station_of = np.arange(k) % n_stations
    manager = _assign_managers(rng, to_km(lat, lon, b.lat, b.lon), stations, station_of)
    s_lat, s_lon = to_deg(stations, b.lat, b.lon)
    return Team(team, officer_ids, s_lat[station_of], s_lon[station_of], lat, lon, manager)


def _partitioned_teams(
    rng: np.random.Generator,
    prefix: str,
    lat: np.ndarray,
    lon: np.ndarray,
    next_officer_id: Callable[[], str],
) -> list[Team]:
    """Split a force's offenders into teams of about :data:`TEAM_SIZE` officers.

    Team patches come from a balanced spatial split; each team's base is the centre of
    its patch, and offenders then join the nearest base with room (caseload cap x
    officers), so almost all are managed from their nearest base.
    """
    n = len(lat)
    k = _officer_count(n)
    n_teams = max(1, round(k / TEAM_SIZE))
    sizes = [k // n_teams + (j < k % n_teams) for j in range(n_teams)]
    lat0, lon0 = float(np.mean(lat)), float(np.mean(lon))
    homes = to_km(lat, lon, lat0, lon0)
    patch = balanced_split(homes, sizes)
    bases = np.array(
        [
            homes[patch == j].mean(axis=0) if (patch == j).any() else (0.0, 0.0)
            for j in range(n_teams)
        ]
    )
    team_of = capacitated_nearest(homes, bases, np.array(sizes) * OFFENDERS_PER_OFFICER)
    base_lat, base_lon = to_deg(bases, lat0, lon0)
    teams = []
    for j in range(n_teams):
        mine = np.flatnonzero(team_of == j)
        ids = [next_officer_id() for _ in range(sizes[j])]
        manager = _assign_managers(
            rng, homes[mine], bases[j : j + 1], np.zeros(sizes[j], dtype=np.int64)
        )
        teams.append(
            Team(
                f"{prefix}-{j + 1:02d}",
                ids,
                np.full(sizes[j], base_lat[j]),
                np.full(sizes[j], base_lon[j]),
                lat[mine],
                lon[mine],
                manager,
            )
        )
    return teams


def _id_counter(fmt: str) -> Callable[[], str]:
    count = 0

    def next_id() -> str:
        nonlocal count
        count += 1
        return fmt.format(count)

    return next_id


def borough_teams(rng: np.random.Generator, scale: float) -> tuple[list[Team], str]:
    b = next(x for x in load_boroughs() if x.name == BOROUGH_NAME)
    n = max(1, round(BOROUGH_RSOS * scale))
    next_id = _id_counter("OFF-{:04d}")
    ids = [next_id() for _ in range(_officer_count(n))]
    where = f"One Met borough unit ({b.name}, {b.bcu} BCU):"
    return [_borough_team(rng, b, n, b.slug, ids)], where


def _london_split(total: int) -> list[tuple[Borough, int]]:
    boroughs = load_boroughs()
    counts = apportion(total, [b.population for b in boroughs], minimum=1)
    return list(zip(boroughs, counts.tolist(), strict=True))


def met_teams(rng: np.random.Generator, scale: float) -> tuple[list[Team], str]:
    next_id = _id_counter("OFF-{:04d}")
    teams = []
    for b, n in _london_split(max(1, round(LONDON_RSOS * scale))):
        if not b.is_met or n == 0:
            continue
        ids = [next_id() for _ in range(_officer_count(n))]
        teams.append(_borough_team(rng, b, n, b.slug, ids))
    where = (
        "Metropolitan Police, one team per borough (32 boroughs; London's ~7,100 RSOs "
        "pro rata to population, City of London excluded):"
    )
    return teams, where


def national_teams(rng: np.random.Generator, scale: float) -> tuple[list[Team], str]:
    areas = load_mappa_areas()
    counts = apportion(
        max(1, round(sum(a.rso_estimate_2024 for a in areas) * scale)),
        [a.rso_estimate_2024 for a in areas],
        minimum=1,
    )
    teams: list[Team] = []
    for index, (area, n) in enumerate(zip(areas, counts.tolist(), strict=True), start=1):
        if n == 0:
            continue
        next_id = _id_counter(f"OFF-{index:02d}-{{:04d}}")
        if area.is_london:
            teams.extend(_london_area_teams(rng, n, next_id))
            continue
        sigma = float(
            np.clip(AREA_SIGMA_KM_PER_SQRT_MILLION * math.sqrt(area.pop_millions), *AREA_SIGMA_KM)
        )
        lat, lon = scatter(
            rng,
            n,
            area.lat,
            area.lon,
            np.zeros((1, 2)),
            np.ones(1),
            sigma_km=sigma,
            max_r_km=2.5 * sigma,
        )
        teams.extend(_partitioned_teams(rng, area.slug, lat, lon, next_id))
    where = (
        "England and Wales: 42 MAPPA areas, 43 forces (London = Metropolitan Police "
        "'met-NN' teams + City of London Police 'city-of-london-01'), 2024 RSO "
        "estimates per area, teams of ~6-8 officers:"
    )
    return teams, where


def _london_area_teams(rng: np.random.Generator, n: int, next_id: Callable[[], str]) -> list[Team]:
    """The London MAPPA area: homes placed borough by borough (pro rata to population),
    Met offenders split into teams of ~7, City of London offenders in their own team."""
    lats, lons, teams = [], [], []
    for b, k in _london_split(n):
        if k == 0:
            continue
        if not b.is_met:
            ids = [next_id() for _ in range(_officer_count(k))]
            teams.append(_borough_team(rng, b, k, f"{b.slug}-01", ids))
            continue
        lat, lon = _borough_homes(rng, b, k)
        lats.append(lat)
        lons.append(lon)
    if lats:
        teams[:0] = _partitioned_teams(
            rng, "met", np.concatenate(lats), np.concatenate(lons), next_id
        )
    return teams
