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

The generator is split by what it draws: :mod:`data.teams` places homes and bases and
assigns managers, :mod:`data.officers` and :mod:`data.offenders` draw their attributes,
and :mod:`data.parameters` holds every figure, marked as in the scenario facts:
[SOURCED] figures come with a source there, [ESTIMATE] figures are working assumptions.
The generated people are fictitious: ids are pseudonyms (``RSO-000123``) and homes are
random points, never addresses.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

import numpy as np

from data.offenders import draw_offenders
from data.officers import draw_officers
from data.parameters import TIERS
from data.teams import Team, borough_teams, met_teams, national_teams
from models.common import Weekday
from models.offender import Gender, OffenderStatus
from models.policy import Policy
from models.register import Register

SCENARIOS = ("borough", "met", "national")
DEFAULT_SCENARIO = "borough"
DEFAULT_SEED = 20261130
DEFAULT_WEEK_START = date(2026, 11, 30)


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
    builder = {"borough": borough_teams, "met": met_teams, "national": national_teams}[name]
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


def _assemble(
    rng: np.random.Generator, teams: list[Team], week_start: date, policy: Policy
) -> Register:
    """The register of ``teams``: officers first, then offenders (the draw order)."""
    officers, female = draw_officers(rng, teams)
    offenders = draw_offenders(rng, teams, female, [o.id for o in officers], week_start, policy)
    return Register(offenders=offenders, officers=tuple(officers))
