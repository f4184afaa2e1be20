"""Seeded synthetic registers for benchmarks, demos and tests.

Three scenarios, from one police unit to the whole of England and Wales:

``borough``
    One Met borough unit (Croydon): about 300 offenders, 6 officers, one team working
    from two stations.
``met``
    The Metropolitan Police: about 7,100 offenders over the 32 Met boroughs (the City
    of London has its own force), one team per borough.
``national``
    England and Wales: 70,052 offenders over the 42 MAPPA areas, about 1,400 officers
    in teams of 6-8, one set of teams per force (43 forces: the London area is the Met
    plus a small City of London Police team).

Every draw comes from one ``numpy.random.Generator`` seeded by the caller and passed
down explicitly, so a scenario is a pure function of ``(name, seed, week_start,
scale)``. Nothing reads the clock.

Figures are marked as in the scenario facts: [SOURCED] figures come with a source
there, [ESTIMATE] figures are working assumptions kept here as named constants so they
can be changed in one place. The generated people are fictitious: ids are pseudonyms
(``RSO-000123``) and homes are random points, never addresses.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from models.common import UK_LAT, UK_LON, ClockWindow, Location, Weekday
from models.offender import (
    DateRange,
    Gender,
    Offender,
    OffenderStatus,
    RiskTier,
    Unavailability,
    WeeklyWindow,
)
from models.officer import DEFAULT_CASELOAD_CAP, Officer, Shift
from models.policy import Policy
from models.register import Register
from scheduler.timing.gaps import gap_pmf, survival

SCENARIOS = ("borough", "met", "national")
DEFAULT_SCENARIO = "borough"
DEFAULT_SEED = 20261130
DEFAULT_WEEK_START = date(2026, 11, 30)

# --------------------------------------------------------------------------------------
# Scenario parameters. [SOURCED] ones cite the scenario facts / domain brief; the rest
# are [ESTIMATE]s, documented here so they can be tuned in one place.
# --------------------------------------------------------------------------------------

#: [ESTIMATE] London RSOs at 31 Mar 2024 (facts §2: pop aged 10+ / 1,099), allocated to
#: boroughs pro rata to population. The ``met`` scenario drops the City of London share.
LONDON_RSOS = 7_100
#: [ESTIMATE] Offenders in the ``borough`` scenario: Croydon's pro-rata share is ~306;
#: 300 gives exactly 6 officers at 1:50, the brief's "one borough" size.
BOROUGH_RSOS = 300
BOROUGH_NAME = "Croydon"
#: [SOURCED] NSPCC: about one officer per 50 RSOs; also the default caseload cap.
OFFENDERS_PER_OFFICER = DEFAULT_CASELOAD_CAP
#: [ESTIMATE] Officers per national team (MOSOVO units of 6-8).
TEAM_SIZE = 7
#: [ESTIMATE] Spread of offenders around a MAPPA area centre: 14 km x sqrt(population in
#: millions), clipped to 10-25 km; points beyond 2.5 sigma are redrawn.
AREA_SIGMA_KM_PER_SQRT_MILLION = 14.0
AREA_SIGMA_KM = (10.0, 25.0)

#: Tier order used for every per-tier table below (same order as ``RiskTier``).
TIERS: tuple[RiskTier, ...] = (RiskTier.LOW, RiskTier.MEDIUM, RiskTier.HIGH, RiskTier.VERY_HIGH)
#: [SOURCED, approximate] domain brief: 50/30/18/2 % low/medium/high/very high.
TIER_SHARES = (0.50, 0.30, 0.18, 0.02)
#: [ESTIMATE] Chance an offender is flagged two-officers-only, by tier (overall ~11%).
TWO_OFFICER_P = (0.05, 0.10, 0.25, 0.50)
#: [ESTIMATE] MAPPA level 2 / 3 chance by tier: overall ~2.5% level 2, ~0.5% level 3,
#: level 3 only for high and very high (facts §5: the vast majority are level 1).
MAPPA_LEVEL2_P = (0.005, 0.02, 0.075, 0.15)
MAPPA_LEVEL3_P = (0.0, 0.0, 0.02, 0.07)
#: [ESTIMATE] Status shares (facts §2/§5: ~0.5% of the Met caseload unaccounted for).
#: Whatever is left is active, except reactive management below.
STATUS_SHARES: tuple[tuple[OffenderStatus, float], ...] = (
    (OffenderStatus.MISSING, 0.005),
    (OffenderStatus.IN_CUSTODY, 0.02),
    (OffenderStatus.IN_HOSPITAL, 0.005),
    (OffenderStatus.ABROAD, 0.01),
)
#: [ESTIMATE] Share of (otherwise active) low-tier offenders on reactive management.
REACTIVE_SHARE_OF_LOW = 0.25
#: [ESTIMATE] New registrations with no home visit yet (``last_visit`` None).
NEVER_VISITED_SHARE = 0.01
#: [ESTIMATE] Share of offenders already past their interval (a backlog), with days
#: since the last visit ~ U(interval, interval x LAST_VISIT_SPREAD).
OVERDUE_SHARE = 0.05
LAST_VISIT_SPREAD = 1.12
#: [ESTIMATE] Per-person interval overrides (the plan must always allow one).
INTERVAL_OVERRIDE_P = 0.02
INTERVAL_OVERRIDES = (56, 120)
#: [ESTIMATE] Offenders who must be visited by an officer of a given gender; most such
#: requirements ask for a female officer.
GENDER_REQUIREMENT_P = 0.03
FEMALE_REQUIREMENT_SHARE = 2 / 3
#: [ESTIMATE] Offenders with known weekly hours away from home (work, appointments).
WEEKLY_UNAVAILABLE_P = 0.15
_WEEKDAYS = frozenset({Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI})
_TUE_SAT = frozenset({Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI, Weekday.SAT})
WEEKLY_PATTERNS: tuple[tuple[frozenset[Weekday], str, str, float], ...] = (
    (_WEEKDAYS, "09:00", "17:00", 0.6),
    (_WEEKDAYS, "08:00", "16:00", 0.2),
    (_TUE_SAT, "10:00", "18:00", 0.2),
)
#: [ESTIMATE] How far custody / hospital / travel periods reach around the week
#: (days before ``week_start``, days after the week's Sunday), inclusive ranges.
DATE_RANGE_DAYS: dict[OffenderStatus, tuple[tuple[int, int], tuple[int, int]]] = {
    OffenderStatus.IN_CUSTODY: ((7, 540), (14, 730)),
    OffenderStatus.IN_HOSPITAL: ((1, 60), (1, 90)),
    OffenderStatus.ABROAD: ((0, 14), (1, 21)),
}

#: [ESTIMATE] Officers (facts §6: MOSOVO units work days Mon-Fri with some lates).
OFFICER_FEMALE_SHARE = 0.4
LATE_SHIFT_SHARE = 1 / 3
SATURDAY_SHARE = 1 / 6
DAY_SHIFT = ("08:00", "16:00")
LATE_SHIFT = ("12:00", "20:00")
SATURDAY_SHIFT = ("10:00", "18:00")
VISIT_HOURS = (3.0, 3.25, 3.5, 3.75, 4.0)

_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON_EQUATOR = 111.320


# --------------------------------------------------------------------------------------
# Reference tables
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Borough:
    """One row of ``london_boroughs.csv`` (facts §3)."""

    name: str
    lat: float
    lon: float
    area_km2: float
    population: int
    bcu: str

    @property
    def slug(self) -> str:
        return slugify(self.name)

    @property
    def is_met(self) -> bool:
        """The City of London is policed by the City of London Police, not the Met."""
        return self.name != "City of London"


@dataclass(frozen=True)
class MappaArea:
    """One row of ``mappa_areas.csv`` (facts §4). Centres and populations are rough."""

    name: str
    lat: float
    lon: float
    pop_millions: float
    rso_estimate_2024: int
    rso_sourced: int | None
    rso_sourced_year: int | None
    source_key: str

    @property
    def slug(self) -> str:
        """``"Cleveland (Teesside MAPPA)"`` -> ``"cleveland"``."""
        return slugify(re.sub(r"\(.*?\)", "", self.name))

    @property
    def is_london(self) -> bool:
        return self.name.startswith("London")


def slugify(text: str) -> str:
    """Lower-case, ``-``-separated, letters and digits only (a valid team name)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _read_csv(filename: str) -> list[dict[str, str]]:
    text = resources.files("data").joinpath(filename).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@lru_cache(maxsize=1)
def load_boroughs() -> tuple[Borough, ...]:
    """The 33 London boroughs (incl. City of London), in file order."""
    return tuple(
        Borough(
            name=r["borough"],
            lat=float(r["lat"]),
            lon=float(r["lon"]),
            area_km2=float(r["area_km2"]),
            population=int(r["population_mid2020"]),
            bcu=r["bcu"],
        )
        for r in _read_csv("london_boroughs.csv")
    )


@lru_cache(maxsize=1)
def load_mappa_areas() -> tuple[MappaArea, ...]:
    """The 42 MAPPA areas of England and Wales, in file order."""
    return tuple(
        MappaArea(
            name=r["mappa_area"],
            lat=float(r["approx_lat"]),
            lon=float(r["approx_lon"]),
            pop_millions=float(r["approx_pop_millions"]),
            rso_estimate_2024=int(r["rso_estimate_2024"]),
            rso_sourced=int(r["rso_sourced"]) if r["rso_sourced"] else None,
            rso_sourced_year=int(r["rso_sourced_year"]) if r["rso_sourced_year"] else None,
            source_key=r["source_key"],
        )
        for r in _read_csv("mappa_areas.csv")
    )


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """A generated register and the week it is meant to be planned for."""

    name: str
    week_start: date
    register: Register
    description: str


def generate(
    name: str,
    seed: int = DEFAULT_SEED,
    *,
    week_start: date = DEFAULT_WEEK_START,
    scale: float = 1.0,
    policy: Policy | None = None,
) -> Scenario:
    """Build a synthetic scenario.

    Parameters
    ----------
    name
        One of :data:`SCENARIOS`.
    seed
        Seed for ``numpy.random.default_rng``; the same arguments always give the same
        scenario.
    week_start
        The Monday of the week to plan. Last-visit dates count back from it.
    scale
        Multiplies offender counts (officers follow at 1:50), e.g. ``0.05`` for a quick
        test or ``1.05`` for a year of register growth.
    policy
        Supplies the per-tier visit intervals used to draw last visits; defaults to
        ``Policy()``.
    """
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; valid names: {', '.join(SCENARIOS)}")
    if week_start.weekday() != Weekday.MON:
        raise ValueError(f"week_start {week_start} is a {week_start:%A}, not a Monday")
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    policy = policy or Policy()
    rng = np.random.default_rng(seed)
    builder = {"borough": _borough_teams, "met": _met_teams, "national": _national_teams}[name]
    teams, where = builder(rng, scale)
    register = _assemble(rng, teams, week_start, policy)
    n_off, n_officers = len(register.offenders), len(register.officers)
    description = (
        f"{where} {n_off:,} offenders, {n_officers:,} officers in {len(teams)} team(s); "
        f"week of {week_start.isoformat()}, seed {seed}, scale {scale:g}. Synthetic: "
        "pseudonymous ids and random home points. Tier mix ~2/18/30/50% (very high/high/"
        "medium/low) from the domain brief; statuses, flags, work hours and shifts are "
        "documented estimates (data/scenarios.py)."
    )
    return Scenario(name=name, week_start=week_start, register=register, description=description)


def scenario_summary(s: Scenario, policy: Policy | None = None) -> dict[str, Any]:
    """Counts that describe a scenario (JSON-serialisable), e.g. for documentation.

    ``due_this_week`` counts active offenders never visited or whose interval ends by
    the week's Sunday; ``overdue`` those whose interval ended before the Monday.
    """
    policy = policy or Policy()
    offenders, officers = s.register.offenders, s.register.officers
    sunday = s.week_start + timedelta(days=6)
    load = Counter(o.manager_id for o in offenders)
    cap = {o.id: o.caseload_cap for o in officers}
    team_offenders: Counter[str] = Counter()
    officer_team = {o.id: o.team for o in officers}
    for o in offenders:
        team_offenders[officer_team[o.manager_id]] += 1
    team_officers = Counter(o.team for o in officers)
    active = [o for o in offenders if o.status is OffenderStatus.ACTIVE]
    due = overdue = 0
    for o in active:
        if o.last_visit is None:
            due += 1
            continue
        deadline = o.last_visit + timedelta(days=policy.interval_for(o.tier, o.interval_days))
        due += deadline <= sunday
        overdue += deadline < s.week_start

    def unit(team: str) -> str:
        return re.sub(r"-\d+$", "", team)

    by_unit: dict[str, dict[str, int]] = {}
    for team in sorted(team_officers):
        u = by_unit.setdefault(unit(team), {"teams": 0, "offenders": 0, "officers": 0})
        u["teams"] += 1
        u["offenders"] += team_offenders[team]
        u["officers"] += team_officers[team]
    loads = [load[o.id] for o in officers]
    return {
        "name": s.name,
        "week_start": s.week_start.isoformat(),
        "offenders": len(offenders),
        "officers": len(officers),
        "teams": len(team_officers),
        "offenders_per_officer": round(len(offenders) / max(1, len(officers)), 2),
        "by_tier": {t.value: sum(o.tier is t for o in offenders) for t in TIERS},
        "by_status": {st.value: sum(o.status is st for o in offenders) for st in OffenderStatus},
        "by_mappa_level": {lvl: sum(o.mappa_level == lvl for o in offenders) for lvl in (1, 2, 3)},
        "two_officers": sum(o.two_officers for o in offenders),
        "officer_gender_required": sum(o.officer_gender is not None for o in offenders),
        "weekly_unavailability": sum(bool(o.unavailable.weekly) for o in offenders),
        "date_unavailability": sum(bool(o.unavailable.dates) for o in offenders),
        "interval_override": sum(o.interval_days is not None for o in offenders),
        "never_visited": sum(o.last_visit is None for o in offenders),
        "active": len(active),
        "due_this_week": due,
        "due_share_of_active": round(due / max(1, len(active)), 4),
        "overdue": overdue,
        "caseload": {
            "max": max(loads, default=0),
            "mean": round(sum(loads) / max(1, len(loads)), 2),
            "over_cap": sum(load[o.id] > cap[o.id] for o in officers),
        },
        "officer_gender": {g.value: sum(o.gender is g for o in officers) for g in Gender},
        "late_shift_officers": sum(
            any(sh.day < Weekday.SAT and sh.window.end > time(16) for sh in o.shifts)
            for o in officers
        ),
        "saturday_officers": sum(any(sh.day == Weekday.SAT for sh in o.shifts) for o in officers),
        "by_unit": by_unit,
    }


# --------------------------------------------------------------------------------------
# Geometry and apportioning helpers
# --------------------------------------------------------------------------------------


def _km_per_deg_lon(lat0: float) -> float:
    return _KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))


def _to_km(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    """Equirectangular projection around ``(lat0, lon0)``: fine at city/county scale."""
    return np.column_stack(
        (
            (np.asarray(lon) - lon0) * _km_per_deg_lon(lat0),
            (np.asarray(lat) - lat0) * _KM_PER_DEG_LAT,
        )
    )


def _to_deg(xy: np.ndarray, lat0: float, lon0: float) -> tuple[np.ndarray, np.ndarray]:
    return lat0 + xy[:, 1] / _KM_PER_DEG_LAT, lon0 + xy[:, 0] / _km_per_deg_lon(lat0)


def _in_uk(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return (lat >= UK_LAT[0]) & (lat <= UK_LAT[1]) & (lon >= UK_LON[0]) & (lon <= UK_LON[1])


def _scatter(
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
        lat, lon = _to_deg(xy, lat0, lon0)
        bad = (np.hypot(xy[:, 0], xy[:, 1]) > max_r_km) | ~_in_uk(lat, lon)
        if not bad.any():
            break
        xy[bad] = centres_km[which[bad]] + rng.normal(0.0, sigma_km, size=(int(bad.sum()), 2))
    else:  # pragma: no cover - only with absurd parameters; keep the guarantee anyway
        r = np.maximum(np.hypot(xy[:, 0], xy[:, 1]) / max_r_km, 1.0)
        xy = xy / r[:, None]
    lat, lon = _to_deg(xy, lat0, lon0)
    return np.clip(lat, *UK_LAT), np.clip(lon, *UK_LON)


def _apportion(total: int, weights: Sequence[float], minimum: int = 0) -> np.ndarray:
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


def _stochastic_round(rng: np.random.Generator, x: float) -> int:
    """``floor(x)`` or ``ceil(x)`` with the probability that keeps the mean at ``x``."""
    return int(math.floor(x + rng.random()))


def _capacitated_nearest(points: np.ndarray, sites: np.ndarray, capacity: np.ndarray) -> np.ndarray:
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


def _balanced_split(points: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
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


# --------------------------------------------------------------------------------------
# Teams: where offenders live, who manages them, where officers start
# --------------------------------------------------------------------------------------


@dataclass
class _Team:
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
    return _scatter(
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
    station = _capacitated_nearest(homes_km, stations_km, per_station * cap)
    manager = np.empty(n, dtype=np.int64)
    for s in range(len(stations_km)):
        mine = rng.permutation(np.flatnonzero(station == s))
        officers = rng.permutation(np.flatnonzero(station_of == s))
        manager[mine] = officers[np.arange(len(mine)) % len(officers)]
    return manager


def _borough_team(
    rng: np.random.Generator, b: Borough, n: int, team: str, officer_ids: list[str]
) -> _Team:
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
    manager = _assign_managers(rng, _to_km(lat, lon, b.lat, b.lon), stations, station_of)
    s_lat, s_lon = _to_deg(stations, b.lat, b.lon)
    return _Team(team, officer_ids, s_lat[station_of], s_lon[station_of], lat, lon, manager)


def _partitioned_teams(
    rng: np.random.Generator,
    prefix: str,
    lat: np.ndarray,
    lon: np.ndarray,
    next_officer_id: Callable[[], str],
) -> list[_Team]:
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
    homes = _to_km(lat, lon, lat0, lon0)
    patch = _balanced_split(homes, sizes)
    bases = np.array(
        [
            homes[patch == j].mean(axis=0) if (patch == j).any() else (0.0, 0.0)
            for j in range(n_teams)
        ]
    )
    team_of = _capacitated_nearest(homes, bases, np.array(sizes) * OFFENDERS_PER_OFFICER)
    base_lat, base_lon = _to_deg(bases, lat0, lon0)
    teams = []
    for j in range(n_teams):
        mine = np.flatnonzero(team_of == j)
        ids = [next_officer_id() for _ in range(sizes[j])]
        manager = _assign_managers(
            rng, homes[mine], bases[j : j + 1], np.zeros(sizes[j], dtype=np.int64)
        )
        teams.append(
            _Team(
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


def _borough_teams(rng: np.random.Generator, scale: float) -> tuple[list[_Team], str]:
    b = next(x for x in load_boroughs() if x.name == BOROUGH_NAME)
    n = max(1, round(BOROUGH_RSOS * scale))
    next_id = _id_counter("OFF-{:04d}")
    ids = [next_id() for _ in range(_officer_count(n))]
    where = f"One Met borough unit ({b.name}, {b.bcu} BCU):"
    return [_borough_team(rng, b, n, b.slug, ids)], where


def _london_split(total: int) -> list[tuple[Borough, int]]:
    boroughs = load_boroughs()
    counts = _apportion(total, [b.population for b in boroughs], minimum=1)
    return list(zip(boroughs, counts.tolist(), strict=True))


def _met_teams(rng: np.random.Generator, scale: float) -> tuple[list[_Team], str]:
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


def _national_teams(rng: np.random.Generator, scale: float) -> tuple[list[_Team], str]:
    areas = load_mappa_areas()
    counts = _apportion(
        max(1, round(sum(a.rso_estimate_2024 for a in areas) * scale)),
        [a.rso_estimate_2024 for a in areas],
        minimum=1,
    )
    teams: list[_Team] = []
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
        lat, lon = _scatter(
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


def _london_area_teams(rng: np.random.Generator, n: int, next_id: Callable[[], str]) -> list[_Team]:
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


# --------------------------------------------------------------------------------------
# Attributes and pydantic objects
# --------------------------------------------------------------------------------------


def _quota(rng: np.random.Generator, n: int, shares: Sequence[float]) -> np.ndarray:
    """Labels ``0..len(shares)-1`` in exact proportions (largest remainder), shuffled:
    keeps the mix stable even for a 300-offender unit."""
    counts = _apportion(n, shares)
    return rng.permutation(np.repeat(np.arange(len(shares)), counts))


def _days_since_visit(
    rng: np.random.Generator, interval: np.ndarray, policy: Policy, tier: np.ndarray
) -> np.ndarray:
    """Whole days since the last visit: a unit in its steady state under the policy's
    secret gap distribution, plus a backlog of ``OVERDUE_SHARE`` past their interval.

    In a steady state the days since the last visit follow the renewal "age"
    distribution P(A = a) ∝ P(G >= a), a = 1..I (a uniform age would over-state the
    visits due in the first week). Draws are stratified within each (interval, tier)
    group (one uniform per equal-width stratum, strata shuffled), so the share falling
    due is steady from seed to seed even for one small unit.
    """
    days = np.empty(len(interval), dtype=np.int64)
    for value, t in sorted({(int(v), int(k)) for v, k in zip(interval, tier, strict=True)}):
        idx = np.flatnonzero((interval == value) & (tier == t))
        u = (rng.permutation(len(idx)) + rng.random(len(idx))) / len(idx)
        pmf = gap_pmf(policy.gap_shape, value, policy.gap_mean_share[TIERS[t]])
        age_cdf = np.cumsum(survival(pmf)[:-1])  # P(A <= a), a = 1..I, unnormalised
        age_cdf /= age_cdf[-1]
        backlog = u < OVERDUE_SHARE
        ages = 1 + np.searchsorted(age_cdf, (u - OVERDUE_SHARE) / (1 - OVERDUE_SHARE))
        late = value + 1 + (u / OVERDUE_SHARE) * (value * (LAST_VISIT_SPREAD - 1.0))
        days[idx] = np.where(backlog, np.floor(late), np.minimum(ages, value))
    return days


def _clock(start: str, end: str) -> ClockWindow:
    return ClockWindow(start=time.fromisoformat(start), end=time.fromisoformat(end))


def _officers(rng: np.random.Generator, teams: list[_Team]) -> tuple[list[Officer], np.ndarray]:
    """Officer objects and each officer's gender code (1 = female)."""
    day, late, sat = _clock(*DAY_SHIFT), _clock(*LATE_SHIFT), _clock(*SATURDAY_SHIFT)
    officers: list[Officer] = []
    female_codes: list[int] = []
    for t in teams:
        k = len(t.officer_ids)
        female = np.zeros(k, dtype=bool)
        female[rng.permutation(k)[: _stochastic_round(rng, OFFICER_FEMALE_SHARE * k)]] = True
        is_late = np.zeros(k, dtype=bool)
        is_late[rng.permutation(k)[: _stochastic_round(rng, LATE_SHIFT_SHARE * k)]] = True
        is_sat = np.zeros(k, dtype=bool)
        is_sat[rng.permutation(k)[: _stochastic_round(rng, SATURDAY_SHARE * k)]] = True
        hours = rng.choice(VISIT_HOURS, size=k)
        for i in range(k):
            pattern = {d: day for d in range(5)}
            if is_sat[i]:
                del pattern[int(rng.integers(5))]
                pattern[Weekday.SAT] = sat
            if is_late[i]:
                weekdays = sorted(d for d in pattern if d < Weekday.SAT)
                pattern[weekdays[int(rng.integers(len(weekdays)))]] = late
            officers.append(
                Officer(
                    id=t.officer_ids[i],
                    team=t.name,
                    base=Location(
                        lat=round(float(t.base_lat[i]), 5), lon=round(float(t.base_lon[i]), 5)
                    ),
                    shifts=tuple(
                        Shift(day=Weekday(d), window=w) for d, w in sorted(pattern.items())
                    ),
                    visit_hours=float(hours[i]),
                    caseload_cap=OFFENDERS_PER_OFFICER,
                    gender=Gender.FEMALE if female[i] else Gender.MALE,
                )
            )
            female_codes.append(int(female[i]))
    return officers, np.array(female_codes, dtype=np.int64)


def _match_gender_requirements(
    rng: np.random.Generator,
    required: np.ndarray,
    manager: np.ndarray,
    female: np.ndarray,
    team_slices: list[tuple[slice, slice]],
) -> None:
    """Give each offender with an officer-gender requirement a manager of that gender,
    by swapping managers with an unconstrained offender of the same team (caseloads
    unchanged). ``required``: -1 none, 0 male, 1 female; both arrays edited in place.
    A requirement a team cannot meet at all is changed to the gender the team has."""
    for offenders, officers in team_slices:
        req, man = required[offenders], manager[offenders]  # views
        if not (req >= 0).any():
            continue
        present = np.unique(female[officers])
        if len(present) == 1:
            req[req >= 0] = present[0]
        for i in np.flatnonzero((req >= 0) & (female[man] != req)):
            swappable = np.flatnonzero((req < 0) & (female[man] == req[i]))
            if len(swappable):
                j = int(rng.choice(swappable))
                man[i], man[j] = man[j], man[i]


def _assemble(
    rng: np.random.Generator, teams: list[_Team], week_start: date, policy: Policy
) -> Register:
    officers, female = _officers(rng, teams)
    offset = np.cumsum([0] + [len(t.officer_ids) for t in teams])
    sizes = [len(t.home_lat) for t in teams]
    bounds = np.cumsum([0, *sizes])
    team_slices = [
        (slice(int(bounds[j]), int(bounds[j + 1])), slice(int(offset[j]), int(offset[j + 1])))
        for j in range(len(teams))
    ]
    lat = np.concatenate([t.home_lat for t in teams])
    lon = np.concatenate([t.home_lon for t in teams])
    manager = np.concatenate([t.manager + offset[j] for j, t in enumerate(teams)])
    n = len(lat)

    tier = _quota(rng, n, TIER_SHARES)
    status_codes = list(OffenderStatus)
    active, reactive = (
        status_codes.index(OffenderStatus.ACTIVE),
        status_codes.index(OffenderStatus.REACTIVE),
    )
    special = _quota(rng, n, [p for _, p in STATUS_SHARES] + [1 - sum(p for _, p in STATUS_SHARES)])
    status = np.array([status_codes.index(s) for s, _ in STATUS_SHARES] + [active])[special]
    low_active = np.flatnonzero((status == active) & (tier == 0))
    status[
        rng.choice(low_active, size=round(REACTIVE_SHARE_OF_LOW * len(low_active)), replace=False)
    ] = reactive

    override = np.where(
        rng.random(n) < INTERVAL_OVERRIDE_P, rng.choice(INTERVAL_OVERRIDES, size=n), 0
    )
    tier_interval = np.array([policy.interval_days[t] for t in TIERS])
    interval = np.where(override > 0, override, tier_interval[tier])
    days_since = _days_since_visit(rng, interval, policy, tier)
    never = np.zeros(n, dtype=bool)
    still_active = np.flatnonzero(status == active)
    never[
        rng.choice(
            still_active, size=min(len(still_active), round(NEVER_VISITED_SHARE * n)), replace=False
        )
    ] = True

    two = rng.random(n) < np.array(TWO_OFFICER_P)[tier]
    u = rng.random(n)
    p3 = np.array(MAPPA_LEVEL3_P)[tier]
    mappa = np.where(u < p3, 3, np.where(u < p3 + np.array(MAPPA_LEVEL2_P)[tier], 2, 1))

    required = np.where(
        rng.random(n) < GENDER_REQUIREMENT_P,
        (rng.random(n) < FEMALE_REQUIREMENT_SHARE).astype(np.int64),
        -1,
    )
    _match_gender_requirements(rng, required, manager, female, team_slices)

    weekly_ok = (status == active) | (status == reactive)
    weekly = np.where(
        (rng.random(n) < WEEKLY_UNAVAILABLE_P) & weekly_ok,
        rng.choice(len(WEEKLY_PATTERNS), size=n, p=[w for *_, w in WEEKLY_PATTERNS]),
        -1,
    )
    has_dates = np.zeros(n, dtype=bool)
    before = np.zeros(n, dtype=np.int64)
    after = np.zeros(n, dtype=np.int64)
    for st, ((b_lo, b_hi), (a_lo, a_hi)) in DATE_RANGE_DAYS.items():
        mask = status == status_codes.index(st)
        has_dates |= mask
        before[mask] = rng.integers(b_lo, b_hi + 1, size=int(mask.sum()))
        after[mask] = rng.integers(a_lo, a_hi + 1, size=int(mask.sum()))
    ids = rng.permutation(n) + 1

    # ---- pydantic objects (validated); shared immutable parts are built once ----
    patterns = [
        Unavailability(weekly=(WeeklyWindow(days=d, window=_clock(s, e)),))
        for d, s, e, _ in WEEKLY_PATTERNS
    ]
    none = Unavailability()
    sunday = week_start + timedelta(days=6)
    officer_ids = [o.id for o in officers]
    genders = (Gender.MALE, Gender.FEMALE)
    dates: dict[int, date] = {}

    def day_before(d: int) -> date:
        if d not in dates:
            dates[d] = week_start - timedelta(days=d)
        return dates[d]

    rows = zip(
        ids.tolist(),
        np.round(lat, 5).tolist(),
        np.round(lon, 5).tolist(),
        tier.tolist(),
        override.tolist(),
        mappa.tolist(),
        manager.tolist(),
        days_since.tolist(),
        never.tolist(),
        two.tolist(),
        required.tolist(),
        weekly.tolist(),
        status.tolist(),
        has_dates.tolist(),
        before.tolist(),
        after.tolist(),
        strict=True,
    )
    offenders = []
    for oid, la, lo, t, ov, lvl, man, since, nv, tw, req, wk, st, hd, bf, af in rows:
        if hd:
            unavailable = Unavailability(
                dates=(DateRange(first=day_before(bf), last=sunday + timedelta(days=af)),)
            )
        elif wk >= 0:
            unavailable = patterns[wk]
        else:
            unavailable = none
        offenders.append(
            (
                oid,
                Offender(
                    id=f"RSO-{oid:06d}",
                    home=Location(lat=la, lon=lo),
                    tier=TIERS[t],
                    interval_days=ov or None,
                    mappa_level=lvl,
                    manager_id=officer_ids[man],
                    last_visit=None if nv else day_before(since),
                    two_officers=tw,
                    officer_gender=genders[req] if req >= 0 else None,
                    unavailable=unavailable,
                    status=status_codes[st],
                ),
            )
        )
    offenders.sort(key=lambda pair: pair[0])
    return Register(offenders=tuple(o for _, o in offenders), officers=tuple(officers))
