"""Workload lower bound: the fewest officers that could do a register's visit workload
under the policy, whatever the planner.

Per team, the smallest size (officers taken as :func:`scheduler.staffing.restaff.restaff`
takes them) that passes three necessary conditions for keeping up with the policy's
visits week after week (:mod:`scheduler.staffing.team_bound`):

1. **hours**: the visit workload, with the least travel into each home, fits the
   officers' visit hours net of the least return to base, at the expected attendance;
2. **time windows**: the work of offenders who can only be visited on some set of
   shifts (evenings, Saturdays) fits the hours those shifts give;
3. **reach**: every visit can be made at all (a shift it fits, any gender rule, two
   officers together for a joint visit).

The register's bound is the smallest total whose split over the teams
(:func:`scheduler.staffing.restaff.team_counts`, as a sweep spreads officers) gives every
team its bound; :meth:`LowerBound.for_target` holds a staffing target to the checks it
needs. The reasoning, what the bound leaves out and what it assumes:
``docs/design/staffing.md``. Everything is an expectation per week, on the register at
the start.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

import numpy as np

from models import Offender, Officer, Policy, Register, RiskTier
from models.simulation import EventRates
from scheduler.core.travel import GreatCircleTravel, TravelModel
from scheduler.staffing.lower_bound import Horizon, LowerBound, TeamBound
from scheduler.staffing.reach import WEEK_DAYS
from scheduler.staffing.restaff import RosterOrder, proportional_total
from scheduler.staffing.team_bound import availability, team_bound, unit_staffing
from scheduler.timing.gaps import gap_pmf, mean_gap


def workload_lower_bound(
    register: Register,
    policy: Policy | None = None,
    rates: EventRates | None = None,
    *,
    travel: TravelModel | None = None,
    order: RosterOrder = "reach",
    visit_hours: float | None = None,
    horizon: Horizon | None = None,
) -> LowerBound:
    """The fewest officers that could do the register's visit workload (module
    docstring: three checks per team, teams split as a sweep splits them).

    The work, per week, of every offender active at the start: successful visits at
    ``7 / mean gap`` of their interval under the policy's gap distribution, attempts at
    ``1 / (1 - rates.fail_share)`` per success, each taking the tier's visit minutes
    plus the least travel into the home (twice for a two-officer visit). An
    officer-day gives its visit hours (``visit_hours`` overrides every officer's, as
    :func:`scheduler.staffing.restaff.restaff` does) less the least drive back to base,
    times the expected share of days at work (:func:`availability`). Offenders no
    officer of their team can ever visit are counted (``unservable``) and their work
    left out. ``order``: how a team of any size is made up
    (:func:`scheduler.staffing.restaff.roster`). ``horizon``: the weeks a sweep
    measures, so a target below 100% counts an offender a small team cannot visit at
    all as late only in the measured weeks past their due date (without it: in every
    week).
    """
    policy = policy or Policy()
    rates = rates or EventRates()
    travel = travel or GreatCircleTravel(policy.speed_kmh, policy.circuity)
    sizes = Counter(o.team for o in register.officers)
    off_team = {o.id: o.team for o in register.officers}
    loads = Counter(off_team[o.manager_id] for o in register.offenders)
    grouped = any(o.cover_group for o in register.officers)
    teams = _team_bounds(register, policy, rates, travel, order, visit_hours, horizon)
    weights = [t.officers_now for t in teams]
    all_hours = float(np.average([t.hours_per_officer for t in teams], weights=weights))
    work = sum(t.workload_hours for t in teams)
    pooled = max(1, math.ceil(work / all_hours - 1e-9)) if all_hours > 0 else 1
    officers, split = _split_totals(teams, len(sizes), grouped)
    return LowerBound(
        officers=officers,
        officers_pooled=pooled,
        visits_per_week=sum(t.visits_per_week for t in teams),
        attempts_per_week=sum(t.attempts_per_week for t in teams),
        visit_hours_per_week=sum(t.visit_hours for t in teams),
        travel_hours_per_week=sum(t.travel_hours for t in teams),
        hours_per_officer_week=all_hours,
        teams=tuple(teams),
        unservable=sum(t.unservable for t in teams),
        unservable_high=sum(t.unservable_high for t in teams),
        grouped=grouped,
        team_sizes=tuple(sorted(sizes.items())),
        team_offenders=tuple(sorted(loads.items())),
        **split,
    )


def _team_bounds(
    register: Register,
    policy: Policy,
    rates: EventRates,
    travel: TravelModel,
    order: RosterOrder,
    visit_hours: float | None,
    horizon: Horizon | None,
) -> list[TeamBound]:
    """Each planning unit's :class:`TeamBound`, by name; with cover groups each unit's
    levels are force totals."""
    per_success = 1.0 / (1.0 - rates.fail_share)
    at_work = availability(rates)
    rate = _visit_rate(policy)
    staff, caseload = _planning_units(register)
    sizes = Counter(o.team for o in register.officers)
    grouped = any(o.cover_group for o in register.officers)
    return [
        team_bound(
            unit,
            staff[unit],
            caseload.get(unit, []),
            policy,
            travel,
            per_success=per_success,
            at_work=at_work,
            rate=rate,
            order=order,
            visit_hours=visit_hours,
            horizon=horizon,
            staffing=(
                unit_staffing(
                    staff[unit], caseload.get(unit, []), sizes, policy, order, visit_hours
                )
                if grouped
                else None
            ),
        )
        for unit in sorted(staff)
    ]


def _visit_rate(policy: Policy) -> Callable[[RiskTier, int], float]:
    """Successful visits a week to an offender of a tier and interval: ``7 / mean gap``
    under the policy's gap distribution (:func:`scheduler.timing.gaps.gap_pmf`)."""
    cache: dict[tuple[RiskTier, int], float] = {}

    def rate(tier: RiskTier, interval: int) -> float:
        if (tier, interval) not in cache:
            pmf = gap_pmf(policy.gap_shape, interval, policy.gap_mean_share[tier])
            cache[(tier, interval)] = WEEK_DAYS / mean_gap(pmf)
        return cache[(tier, interval)]

    return rate


def _planning_units(
    register: Register,
) -> tuple[dict[str, list[Officer]], dict[str, list[Offender]]]:
    """Officers (team by team, each team's own order kept) and offenders per planning
    unit."""
    team_of = {o.id: o.planning_unit for o in register.officers}
    staff: dict[str, list[Officer]] = defaultdict(list)
    for o in register.officers:
        staff[o.planning_unit].append(o)
    caseload: dict[str, list[Offender]] = defaultdict(list)
    for off in register.offenders:
        caseload[team_of[off.manager_id]].append(off)
    for unit_officers in staff.values():
        unit_officers.sort(key=lambda o: o.team)  # stable: each team's own order kept
    return staff, caseload


def _split_totals(
    teams: Sequence[TeamBound], n_teams: int, grouped: bool
) -> tuple[int, dict[str, int]]:
    """The register's bound and its split figures from the units' bounds: for cover
    groups the units' figures are already force totals (the sweep's split), so their
    maximum; otherwise the smallest total whose proportional split gives each its own."""
    if grouped:
        officers = max(n_teams, *(t.officers for t in teams))
        return officers, {
            "officers_any_split": officers,
            "officers_hours": max(t.officers_hours for t in teams),
            "reach_high": max(t.reach_high for t in teams),
            "reach_all": max(t.reach_all for t in teams),
        }
    unit_sizes = {t.team: t.officers_now for t in teams}
    officers = proportional_total(unit_sizes, {t.team: t.officers for t in teams})
    return officers, {
        "officers_any_split": sum(t.officers for t in teams),
        "officers_hours": sum(t.officers_hours for t in teams),
        "reach_high": proportional_total(unit_sizes, {t.team: t.reach_high for t in teams}),
        "reach_all": proportional_total(unit_sizes, {t.team: t.reach_all for t in teams}),
    }


__all__ = ["workload_lower_bound"]
