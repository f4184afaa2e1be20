"""Tests for the seeded synthetic scenarios in ``data/scenarios.py``.

The national scenario is only generated at a small ``scale`` here to keep the file fast;
the full-size run is measured by the benchmarks.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data import (
    DEFAULT_SCENARIO,
    SCENARIOS,
    Scenario,
    generate,
    load_boroughs,
    load_mappa_areas,
    scenario_summary,
)
from data.parameters import LAST_VISIT_SPREAD
from models import OffenderStatus, Policy, RiskTier, Weekday
from models.common import UK_LAT, UK_LON

NATIONAL_SCALE = 0.05
MONDAY = date(2026, 11, 30)


@pytest.fixture(scope="module")
def borough() -> Scenario:
    return generate("borough")


@pytest.fixture(scope="module")
def met() -> Scenario:
    return generate("met")


@pytest.fixture(scope="module")
def national() -> Scenario:
    return generate("national", scale=NATIONAL_SCALE)


@pytest.fixture(scope="module", params=["borough", "met", "national"])
def any_scenario(
    request: pytest.FixtureRequest, borough: Scenario, met: Scenario, national: Scenario
) -> Scenario:
    return {"borough": borough, "met": met, "national": national}[request.param]


# ---- invariants every scenario must hold -----------------------------------------------


def check_invariants(s: Scenario) -> None:
    """Checks shared by the fixed-seed tests and the hypothesis property test."""
    reg = s.register
    assert s.week_start.weekday() == Weekday.MON
    officers = {o.id: o for o in reg.officers}
    load = Counter(o.manager_id for o in reg.offenders)
    team_offenders: Counter[str] = Counter()
    for off in reg.offenders:
        manager = officers[off.manager_id]  # every manager exists
        team_offenders[manager.team] += 1
        assert UK_LAT[0] <= off.home.lat <= UK_LAT[1]
        assert UK_LON[0] <= off.home.lon <= UK_LON[1]
        assert re.fullmatch(r"RSO-\d{6}", off.id)
    team_size = Counter(o.team for o in reg.officers)
    for o in reg.officers:
        assert UK_LAT[0] <= o.base.lat <= UK_LAT[1]
        assert UK_LON[0] <= o.base.lon <= UK_LON[1]
        assert o.id.startswith("OFF-")
        # capacity suffices in every generated team, so nobody is above the cap
        if team_offenders[o.team] <= team_size[o.team] * o.caseload_cap:
            assert load[o.id] <= o.caseload_cap


def test_invariants(any_scenario: Scenario) -> None:
    check_invariants(any_scenario)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(SCENARIOS), seed=st.integers(0, 2**32 - 1), scale=st.floats(0.002, 0.3))
def test_invariants_any_seed_and_scale(name: str, seed: int, scale: float) -> None:
    check_invariants(generate(name, seed, scale=scale))


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dx = (lon1 - lon2) * 111.32 * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, (lat1 - lat2) * 110.57)


def test_met_managers_are_in_the_offenders_borough(met: Scenario) -> None:
    # offenders carry no team field: their team is their manager's, which must be the
    # team of the borough they live in (homes stay within ~1.15 x the borough radius)
    boroughs = {b.slug: b for b in load_boroughs()}
    teams = {o.id: o.team for o in met.register.officers}
    for off in met.register.offenders:
        b = boroughs[teams[off.manager_id]]
        radius = math.sqrt(b.area_km2 / math.pi)
        assert km(off.home.lat, off.home.lon, b.lat, b.lon) <= 1.2 * radius, off.id


def test_national_managers_are_in_the_offenders_area(national: Scenario) -> None:
    areas = {a.slug: a for a in load_mappa_areas() if not a.is_london}
    officers = {o.id: o for o in national.register.officers}
    nearest_own = 0
    bases: dict[str, tuple[float, float]] = {
        o.team: (o.base.lat, o.base.lon) for o in officers.values()
    }
    for off in national.register.offenders:
        team = officers[off.manager_id].team
        unit = re.sub(r"-\d+$", "", team)
        if unit in areas:  # homes lie within 2.5 sigma (<= 62.5 km) of the area centre
            a = areas[unit]
            assert km(off.home.lat, off.home.lon, a.lat, a.lon) <= 63, off.id
        same_unit = {t: b for t, b in bases.items() if re.sub(r"-\d+$", "", t) == unit}
        closest = min(same_unit, key=lambda t: km(off.home.lat, off.home.lon, *same_unit[t]))
        nearest_own += closest == team
    # offenders join the nearest base with room: nearly all are at their nearest base
    assert nearest_own / len(national.register.offenders) >= 0.85


def test_caseloads_at_most_cap_when_capacity_suffices(any_scenario: Scenario) -> None:
    summary = scenario_summary(any_scenario)
    assert summary["caseload"]["over_cap"] == 0
    assert summary["caseload"]["max"] <= 50


# ---- determinism and arguments -------------------------------------------------------


@pytest.mark.parametrize(("name", "scale"), [("borough", 1.0), ("met", 0.1), ("national", 0.02)])
def test_same_seed_gives_identical_scenario(name: str, scale: float) -> None:
    assert generate(name, 7, scale=scale) == generate(name, 7, scale=scale)


@pytest.mark.parametrize(("name", "scale"), [("borough", 1.0), ("met", 0.1), ("national", 0.02)])
def test_different_seed_gives_different_scenario(name: str, scale: float) -> None:
    a, b = generate(name, 1, scale=scale), generate(name, 2, scale=scale)
    assert a.register != b.register
    homes_a = {(o.id, o.home) for o in a.register.offenders}
    homes_b = {(o.id, o.home) for o in b.register.offenders}
    assert homes_a != homes_b


def test_default_scenario_is_listed() -> None:
    assert DEFAULT_SCENARIO in SCENARIOS
    assert SCENARIOS == ("borough", "met", "national")


def test_unknown_name_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="borough, met, national"):
        generate("scotland")


def test_week_start_must_be_a_monday() -> None:
    with pytest.raises(ValueError, match="not a Monday"):
        generate("borough", week_start=date(2026, 12, 1))


@pytest.mark.parametrize("scale", [0.0, -1.0, math.nan, math.inf])
def test_scale_must_be_positive_and_finite(scale: float) -> None:
    with pytest.raises(ValueError, match="scale"):
        generate("borough", scale=scale)


def test_week_start_moves_history_with_it(borough: Scenario) -> None:
    # same seed, a week later: every offender's history is the same relative to the week
    later = generate("borough", week_start=MONDAY + timedelta(days=7))
    assert later.week_start == MONDAY + timedelta(days=7)
    for a, b in zip(borough.register.offenders, later.register.offenders, strict=True):
        assert a.id == b.id
        if a.last_visit is None:
            assert b.last_visit is None
        else:
            assert b.last_visit is not None
            assert b.last_visit - a.last_visit == timedelta(days=7)


# ---- sizes --------------------------------------------------------------------------


def test_borough_size(borough: Scenario) -> None:
    assert len(borough.register.offenders) == 300
    assert len(borough.register.officers) == 6
    assert {o.team for o in borough.register.officers} == {"croydon"}
    # officers work from one or two stations
    assert 1 <= len({o.base for o in borough.register.officers}) <= 2


def test_met_size(met: Scenario) -> None:
    n = len(met.register.offenders)
    assert abs(n - 7_100) <= 0.03 * 7_100
    teams = Counter(o.team for o in met.register.officers)
    assert len(teams) == 32
    assert "city-of-london" not in teams
    assert "croydon" in teams and "barking-and-dagenham" in teams
    # officers are ceil(offenders / 50) per borough: ~1:44 overall (the per-borough
    # rounding up adds ~0.5 officer per borough to the ~142 of a flat 1:50)
    per_team = scenario_summary(met)["by_unit"]
    for team, row in per_team.items():
        assert row["officers"] == math.ceil(row["offenders"] / 50), team
    assert 140 <= len(met.register.officers) <= 165


def test_met_boroughs_pro_rata_to_population(met: Scenario) -> None:
    boroughs = {b.slug: b for b in load_boroughs()}
    london_pop = sum(b.population for b in boroughs.values())
    for team, row in scenario_summary(met)["by_unit"].items():
        expected = 7_100 * boroughs[team].population / london_pop
        assert abs(row["offenders"] - expected) <= 1, team


def test_national_small_scale_size(national: Scenario) -> None:
    n = len(national.register.offenders)
    assert n == round(70_052 * NATIONAL_SCALE)
    # at least one officer per force, so small scales have a few more officers than 1:50
    assert n / 50 <= len(national.register.officers) <= n / 50 + 43


def test_national_has_43_forces(national: Scenario) -> None:
    units = scenario_summary(national)["by_unit"]
    assert len(units) == 43
    assert "met" in units and "city-of-london" in units
    assert units["city-of-london"]["teams"] == 1
    for unit, row in units.items():
        assert re.fullmatch(r"[a-z0-9-]+", unit)
        assert row["offenders"] >= 1


def test_national_team_ids_and_sizes(national: Scenario) -> None:
    teams = Counter(o.team for o in national.register.officers)
    for team in teams:
        assert re.fullmatch(r"[a-z0-9-]+-\d{2}", team), team
    for o in national.register.officers:
        assert re.fullmatch(r"OFF-\d{2}-\d{4}", o.id)


def test_national_full_size_team_split() -> None:
    # team sizing only (no generation): ceil(n / 50) officers per area, ~7 per team
    areas = load_mappa_areas()
    officers = sum(math.ceil(a.rso_estimate_2024 / 50) for a in areas)
    assert sum(a.rso_estimate_2024 for a in areas) == 70_052
    assert abs(officers - 1_400) <= 0.03 * 1_400


def test_national_area_totals_are_pro_rata(national: Scenario) -> None:
    units = scenario_summary(national)["by_unit"]
    for area in load_mappa_areas():
        expected = area.rso_estimate_2024 * NATIONAL_SCALE
        if area.is_london:
            got = units["met"]["offenders"] + units["city-of-london"]["offenders"]
        else:
            got = units[area.slug]["offenders"]
        assert abs(got - expected) <= 1, area.name


# ---- attribute mix ------------------------------------------------------------------


def test_tier_shares_on_met(met: Scenario) -> None:
    n = len(met.register.offenders)
    counts = Counter(o.tier for o in met.register.offenders)
    expected = {
        RiskTier.VERY_HIGH: 0.02,
        RiskTier.HIGH: 0.18,
        RiskTier.MEDIUM: 0.30,
        RiskTier.LOW: 0.50,
    }
    for tier, share in expected.items():
        assert abs(counts[tier] / n - share) <= 0.02, tier


def test_status_and_mappa_mix_on_met(met: Scenario) -> None:
    offenders = met.register.offenders
    n = len(offenders)
    status = Counter(o.status for o in offenders)
    assert abs(status[OffenderStatus.MISSING] / n - 0.005) <= 0.003
    assert abs(status[OffenderStatus.IN_CUSTODY] / n - 0.02) <= 0.005
    assert abs(status[OffenderStatus.ABROAD] / n - 0.01) <= 0.004
    low = [o for o in offenders if o.tier is RiskTier.LOW]
    reactive = [o for o in offenders if o.status is OffenderStatus.REACTIVE]
    assert all(o.tier is RiskTier.LOW for o in reactive)
    assert 0.20 <= len(reactive) / len(low) <= 0.30
    levels = Counter(o.mappa_level for o in offenders)
    assert levels[1] / n >= 0.95
    assert 0.015 <= levels[2] / n <= 0.035
    assert 0 < levels[3] / n <= 0.01
    assert all(
        o.tier in (RiskTier.HIGH, RiskTier.VERY_HIGH) for o in offenders if o.mappa_level == 3
    )


def test_flags_mix_on_met(met: Scenario) -> None:
    offenders = met.register.offenders
    n = len(offenders)
    two = Counter(o.tier for o in offenders if o.two_officers)
    tiers = Counter(o.tier for o in offenders)
    assert 0.07 <= sum(two.values()) / n <= 0.14
    # two-officer visits are more likely the higher the tier
    rates = [
        two[t] / tiers[t]
        for t in (RiskTier.LOW, RiskTier.MEDIUM, RiskTier.HIGH, RiskTier.VERY_HIGH)
    ]
    assert rates == sorted(rates)
    assert 0.01 <= sum(o.officer_gender is not None for o in offenders) / n <= 0.05
    assert 0.10 <= sum(bool(o.unavailable.weekly) for o in offenders) / n <= 0.20
    assert 0.01 <= sum(o.interval_days is not None for o in offenders) / n <= 0.03
    never = sum(o.last_visit is None for o in offenders)
    assert 0.005 <= never / n <= 0.015
    assert all(o.status is OffenderStatus.ACTIVE for o in offenders if o.last_visit is None)


def test_gender_requirement_met_by_manager(any_scenario: Scenario) -> None:
    gender = {o.id: o.gender for o in any_scenario.register.officers}
    for o in any_scenario.register.offenders:
        if o.officer_gender is not None:
            assert gender[o.manager_id] == o.officer_gender


def test_custody_and_hospital_blocked_all_week(met: Scenario) -> None:
    days = [met.week_start + timedelta(days=d) for d in range(7)]
    for o in met.register.offenders:
        if o.status in (OffenderStatus.IN_CUSTODY, OffenderStatus.IN_HOSPITAL):
            assert all(o.unavailable.blocked_windows(d) == [(0, 86400)] for d in days), o.id


def test_last_visits_are_in_the_past(any_scenario: Scenario) -> None:
    policy = Policy()
    for o in any_scenario.register.offenders:
        if o.last_visit is not None:
            gap = (any_scenario.week_start - o.last_visit).days
            assert 1 <= gap <= 1 + LAST_VISIT_SPREAD * policy.interval_for(o.tier, o.interval_days)


def due_share(s: Scenario) -> float:
    policy = Policy()
    sunday = s.week_start + timedelta(days=6)
    active = [o for o in s.register.offenders if o.status is OffenderStatus.ACTIVE]
    due = [
        o
        for o in active
        if o.last_visit is None
        or o.last_visit + timedelta(days=policy.interval_for(o.tier, o.interval_days)) <= sunday
    ]
    return len(due) / len(active)


def test_borough_due_share(borough: Scenario) -> None:
    share = due_share(borough)
    assert 0.02 <= share <= 0.15
    assert scenario_summary(borough)["due_share_of_active"] == pytest.approx(share, abs=1e-4)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_borough_due_share_other_seeds(seed: int) -> None:
    assert 0.02 <= due_share(generate("borough", seed)) <= 0.15


def test_officer_rota_mix(met: Scenario) -> None:
    officers = met.register.officers
    n = len(officers)
    female = sum(o.gender is not None and o.gender.value == "female" for o in officers)
    assert 0.3 <= female / n <= 0.5
    late = [
        o for o in officers if any(s.day < Weekday.SAT and s.window.end.hour > 16 for s in o.shifts)
    ]
    saturday = [o for o in officers if any(s.day == Weekday.SAT for s in o.shifts)]
    assert 0.25 <= len(late) / n <= 0.42
    assert 0.08 <= len(saturday) / n <= 0.25
    summary = scenario_summary(met)
    assert summary["late_shift_officers"] == len(late)
    assert summary["saturday_officers"] == len(saturday)
    for o in officers:
        assert len(o.shifts) == 5
        assert 3.0 <= o.visit_hours <= 4.0
        assert o.caseload_cap == 50


def test_summary_is_consistent(any_scenario: Scenario) -> None:
    summary = scenario_summary(any_scenario)
    n = len(any_scenario.register.offenders)
    assert summary["offenders"] == n
    assert sum(summary["by_tier"].values()) == n
    assert sum(summary["by_status"].values()) == n
    assert sum(summary["by_mappa_level"].values()) == n
    assert sum(u["offenders"] for u in summary["by_unit"].values()) == n
    assert sum(u["officers"] for u in summary["by_unit"].values()) == summary["officers"]
