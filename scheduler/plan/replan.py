"""Re-planning the rest of a week from what happened since it was planned.

The weekly rota meets reality every morning: an officer phones in sick, yesterday's
visit failed, intelligence asks for a visit within 48 hours, a manager moves a visit by
hand. :func:`replan` re-plans a week's remaining days from its issued rota and a
:class:`DayState` (absences, pins, releases, failed attempts, urgent requests):

- visits before ``start`` keep what they were (done or recorded);
- visits released to their officers, and visits a manager pinned, are fixed (a
  released one keeps its crew, day, time of day and arrival window);
- every other visit keeps its officer, day and time of day as the preferred option,
  with a price for moving it (:data:`TIME_CHANGE_COST_S` for another day,
  :data:`OFFICER_CHANGE_COST_S`, more, for another officer), so the optimiser moves as
  few as it must; its other options are fresh secret draws on the remaining days;
- an absent officer's visits, failed attempts to re-attempt and urgent requests get
  fresh secret options (an urgent one every option before its deadline).

The draws come from a fresh secret seed (recorded in the new rota's audit), through the
same drawing distributions as the weekly plan, so no moved visit lands in a slot an
offender could predict. Teams with nothing to re-plan are left exactly as they were.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from models import (
    AuditRecord,
    Officer,
    OfficerDay,
    Policy,
    Register,
    Rota,
    Unscheduled,
    Visit,
    Weekday,
)
from scheduler.core.roads import offline_travel
from scheduler.core.travel import TravelModel
from scheduler.core.windows import DAY_S, intersect, merge
from scheduler.plan.draws import draw_options
from scheduler.plan.due import DueVisit
from scheduler.plan.planner import SOFTWARE_VERSION, inputs_sha256
from scheduler.plan.problem import TeamProblem, build_team_problem
from scheduler.plan.rebook import route_teams
from scheduler.plan.replan_types import Attempt, Change, DayState, Fix, ReplanResult, Urgent
from scheduler.timing.randomness import new_secret_seed
from scheduler.timing.slot_mix import available_pairs, drawing_policy

WEEK_DAYS = 7
#: Price of moving a visit to another day (or time of day), in seconds of that visit's
#: lateness: as costly as making it this much later, so a visit moves only where it
#: must, never to trade lateness with another of the same urgency.
TIME_CHANGE_COST_S = 43_200
#: Price of giving a visit to another officer: more than a changed time (the officer
#: knows the case; the offender knows the officer).
OFFICER_CHANGE_COST_S = 86_400
#: An urgent visit outranks every routine visit of the week.
URGENT_URGENCY_FACTOR = 20.0


@dataclass
class _Roles:
    """How each due visit of a re-planned team is treated, by (register index, revisit)."""

    fixed: set[tuple[int, bool]] = field(default_factory=set)
    windows: dict[tuple[int, bool], tuple[int, int]] = field(default_factory=dict)
    prefer: dict[tuple[int, bool], tuple[str, int]] = field(default_factory=dict)
    deadline_s: dict[int, int] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)


def replan(
    rota: Rota,
    register: Register,
    policy: Policy,
    start: date,
    state: DayState,
    *,
    seed: int | None = None,
    travel: TravelModel | None = None,
    all_teams: bool = False,
    created_by: str = "",
) -> ReplanResult:
    """Re-plan ``rota``'s days from ``start`` on (see the module docstring).

    ``register`` is the one the week was planned from; ``all_teams`` re-plans every
    team (the from-scratch comparison and the benchmark), not only those with a reason.
    """
    monday = rota.week_start
    if not monday <= start < monday + timedelta(days=WEEK_DAYS):
        raise ValueError(f"{start} is not a day of the week of {monday}")
    seed = new_secret_seed() if seed is None else seed
    rng = np.random.default_rng([seed, start.toordinal()])
    travel = travel or offline_travel(policy)
    register = _with_urgent_crews(register, state.urgent)
    officers = [_available(o, monday, start, state.absences) for o in register.officers]
    unit_of = {o.id: o.planning_unit for o in register.officers}
    unit_of_offender = {o.id: unit_of[o.manager_id] for o in register.offenders}
    teams = _teams_to_replan(rota, state, start, unit_of, unit_of_offender, all_teams)
    drawing = drawing_policy(policy, register.officers, register.offenders)
    roles = _Roles()
    due = _due_visits(rota, register, drawing, start, state, teams, unit_of_offender, roles, rng)
    problems, unplaced = [], []
    for team in sorted(teams):
        problem, bad = build_team_problem(
            team,
            [o for o in officers if o.planning_unit == team],
            [d for d in due if unit_of_offender[d.offender_id] == team],
            register.offenders,
            policy,
            monday,
            travel,
            rng,
        )
        _apply_roles(problem, roles, drawing)
        problems.append(problem)
        unplaced += bad
    new_visits, dropped, days = route_teams(problems, register, policy, monday, start)
    reattempted = {a.offender_id for a in state.failed}
    out = _replanned_rota(
        rota,
        register,
        policy,
        start,
        teams,
        unit_of_offender,
        new_visits,
        unplaced + dropped,
        days,
        reattempted,
        seed,
        created_by,
    )
    changes = _changes(rota, out, start, roles.why)
    missed = [u for u in state.urgent if not _urgent_met(out, u, start)]
    return ReplanResult(out, changes, missed, sorted(teams), seed)


def _with_urgent_crews(register: Register, urgent: Sequence[Urgent]) -> Register:
    """The register with offenders of two-officer urgent requests flagged two-officer."""
    two = {u.offender_id for u in urgent if u.two_officers}
    if not two:
        return register
    offenders = tuple(
        o.model_copy(update={"two_officers": True}) if o.id in two else o
        for o in register.offenders
    )
    return register.model_copy(update={"offenders": offenders})


def _available(
    officer: Officer, monday: date, start: date, absences: Mapping[str, set[date]]
) -> Officer:
    """The officer with the days before ``start`` (done) and recorded absences taken out."""
    past = {monday + timedelta(days=d) for d in range((start - monday).days)}
    away = set(officer.absent) | past | set(absences.get(officer.id, set()))
    return officer.model_copy(update={"absent": tuple(sorted(away))})


def _teams_to_replan(
    rota: Rota,
    state: DayState,
    start: date,
    unit_of: dict[str, str],
    unit_of_offender: dict[str, str],
    all_teams: bool,
) -> set[str]:
    """Teams with a reason to re-plan: an officer away on a remaining day, a pin, a
    failed attempt to re-attempt or an urgent request."""
    if all_teams:
        return set(unit_of.values())
    end = rota.week_start + timedelta(days=WEEK_DAYS - 1)
    teams = {
        unit_of[o]
        for o, days in state.absences.items()
        if o in unit_of and any(start <= d <= end for d in days)
    }
    teams |= {unit_of_offender[p.offender_id] for p in state.pins}
    teams |= {unit_of_offender[a.offender_id] for a in state.failed}
    teams |= {unit_of_offender[u.offender_id] for u in state.urgent}
    return teams


def _due_visits(
    rota: Rota,
    register: Register,
    drawing: Policy,
    start: date,
    state: DayState,
    teams: set[str],
    unit_of_offender: dict[str, str],
    roles: _Roles,
    rng: np.random.Generator,
) -> list[DueVisit]:
    """The re-planned teams' due visits from ``start`` on, each with its role."""
    index = {o.id: i for i, o in enumerate(register.offenders)}
    monday = rota.week_start
    first = (start - monday).days
    pins = {p.offender_id: p for p in state.pins}
    urgent = {u.offender_id: u for u in state.urgent}
    away = {o: d for o, d in state.absences.items()}
    due: list[DueVisit] = []
    for v in rota.visits:
        if v.date < start or unit_of_offender[v.offender_id] not in teams:
            continue
        if v.offender_id in urgent and not v.short_notice:
            continue  # the urgent request replaces it
        i, key = index[v.offender_id], (index[v.offender_id], v.short_notice)
        d0 = (v.date - monday).days
        present = not any(v.date in away.get(o, set()) for o in v.officer_ids)
        pin = pins.get(v.offender_id) if not v.short_notice else None
        off = register.offenders[i]
        if pin is not None:
            roles.fixed.add(key)
            roles.why[v.offender_id] = "pinned by a manager"
            crew = (pin.officer_id,) if not off.two_officers else ()
            due.append(_as_due(v, i, ((pin.date - monday).days, pin.slot), crew))
        elif present and (
            (v.offender_id, v.date, v.officer_ids) in state.released
            or off.two_officers
            or v.short_notice
        ):
            roles.fixed.add(key)
            if (v.offender_id, v.date, v.officer_ids) in state.released:
                roles.windows[key] = _arrival_window(v, monday)
            due.append(_as_due(v, i, (d0, v.slot), v.officer_ids))
        else:
            if not present:
                gone = [o for o in v.officer_ids if v.date in away.get(o, set())]
                roles.why[v.offender_id] = f"officer {', '.join(gone)} absent"
            roles.prefer[key] = (v.officer_ids[0], d0)
            # Present officer: only later days, so no visit moves just to be less late.
            after = first if not present else d0
            drawn = _draws(drawing, register, i, monday, after, v.due_date, rng, skip=d0)
            options = tuple(sorted({(d0, v.slot), *drawn}))
            due.append(_as_due(v, i, (d0, v.slot), (), options=options))
    for a in state.failed:
        if unit_of_offender[a.offender_id] not in teams or a.offender_id in urgent:
            continue
        due.append(_reattempt(a, rota, register, drawing, index, first, rng))
        roles.why[a.offender_id] = (
            "re-attempt after a visit called off"
            if a.called_off
            else "re-attempt after a failed visit"
        )
    for u in state.urgent:
        if u.offender_id in index and unit_of_offender[u.offender_id] in teams:
            due.append(_urgent_due(u, register, drawing, index, monday, first, roles))
    return due


def _as_due(
    v: Visit,
    index: int,
    option: tuple[int, str],
    crew: tuple[str, ...],
    options: tuple[tuple[int, str], ...] | None = None,
) -> DueVisit:
    return DueVisit(
        index,
        v.offender_id,
        v.due_date,
        v.urgency,
        options=options or (option,),
        revisit=v.short_notice,
        crew=crew,
    )


def _arrival_window(v: Visit, monday: date) -> tuple[int, int]:
    """A released visit's arrival window in week seconds (its officers have it)."""
    base = datetime.combine(monday, datetime.min.time())
    lo = int((v.arrival - base).total_seconds())
    return lo, max(lo + 60, int((v.window_end - base).total_seconds()) + 60)


def _draws(
    drawing: Policy,
    register: Register,
    i: int,
    monday: date,
    first: int,
    due_date: date,
    rng: np.random.Generator,
    skip: int | None = None,
) -> tuple[tuple[int, str], ...]:
    """Fresh secret (day, slot) options on the remaining days (by the due day when any
    is left), drawn as the weekly plan draws them: the policy's slot shares among the
    slots at which the offender is at home."""
    last = (due_date - monday).days
    days = [(d, 1.0 if d <= last else 0.0) for d in range(first, WEEK_DAYS) if d != skip]
    if not days:
        return ()
    home = available_pairs(register.offenders[i], drawing)
    return draw_options(rng, drawing, monday, days, {}, home=home)


def _reattempt(
    a: Attempt,
    rota: Rota,
    register: Register,
    drawing: Policy,
    index: dict[str, int],
    first: int,
    rng: np.random.Generator,
) -> DueVisit:
    """A failed (or called-off) attempt's re-attempt on the remaining days: raised
    urgency, another weekday and time of day than the failed one."""
    i = index[a.offender_id]
    earlier = [v for v in rota.visits if v.offender_id == a.offender_id and v.date <= a.date]
    base = earlier[-1] if earlier else None
    due_date = base.due_date if base else a.date + timedelta(days=drawing.reattempt_within_days)
    if not a.called_off:
        due_date = min(due_date, a.date + timedelta(days=drawing.reattempt_within_days))
    urgency = (base.urgency if base else 1.0) * (
        1.0 if a.called_off else drawing.reattempt_urgency_factor
    )
    options = _draws(drawing, register, i, rota.week_start, first, due_date, rng)
    return DueVisit(
        i,
        a.offender_id,
        due_date,
        urgency,
        failed_attempts=0 if a.called_off else 1,
        avoid_weekday=None if a.called_off else _weekday(a.date),
        avoid_slot=None if a.called_off else a.slot,
        options=options,
    )


def _weekday(day: date) -> Weekday:
    return Weekday(day.weekday())


def _urgent_due(
    u: Urgent,
    register: Register,
    drawing: Policy,
    index: dict[str, int],
    monday: date,
    first: int,
    roles: _Roles,
) -> DueVisit:
    """An urgent request as a due visit: every option before its deadline (a deadline
    of hours leaves no room for a draw), outranking every routine visit."""
    i = index[u.offender_id]
    off = register.offenders[i]
    deadline_s = int((u.deadline - datetime.combine(monday, datetime.min.time())).total_seconds())
    roles.deadline_s[i] = deadline_s
    roles.why[u.offender_id] = f"urgent: wanted by {u.deadline:%a %d %b %H:%M}"
    options = tuple(
        (d, s.name)
        for d in range(first, WEEK_DAYS)
        for s in drawing.slots
        if d * DAY_S + s.window.start_s < deadline_s
        and _weekday(monday + timedelta(days=d)) in drawing.slot_days(s)
    )
    urgency = max(drawing.urgency_weight.values()) * URGENT_URGENCY_FACTOR
    return DueVisit(
        i, off.id, min(u.deadline.date(), monday + timedelta(days=6)), urgency, options=options
    )


def _apply_roles(problem: TeamProblem, roles: _Roles, policy: Policy) -> None:
    """Fixed visits keep their domain through every repair pass (a released one its
    arrival window); urgent ones never arrive after their deadline; kept ones pay for
    leaving their issued officer or day for another officer or a fresh secret option,
    and a repair pass never widens them beyond those options."""
    K, V = problem.n_officers, len(problem.veh_officer)
    cost = np.zeros((problem.n_nodes - K, V), dtype=np.int64)
    for j in range(problem.n_nodes - K):
        dv = problem.visits[int(problem.visit_of_node[j])]
        key = (dv.index, dv.revisit)
        if key in roles.windows:
            cut = intersect(problem.windows[j], [roles.windows[key]])
            problem.windows[j] = cut or problem.windows[j]
        if key in roles.fixed:
            problem.full_windows[j] = problem.windows[j]
            problem.full_vehicles[j] = problem.vehicles[j]
        if dv.index in roles.deadline_s and not dv.revisit:
            end = roles.deadline_s[dv.index]
            problem.windows[j] = intersect(problem.windows[j], [(0, end)])
            problem.full_windows[j] = intersect(problem.full_windows[j], [(0, end)])
            if not problem.windows[j]:
                problem.vehicles[j] = []
        if key in roles.prefer and problem.pair_of_node[j] < 0:
            officer, day = roles.prefer[key]
            _fall_back_to(problem, j, dv.options, policy)
            other = np.array([problem.officer_ids[int(k)] != officer for k in problem.veh_officer])
            moves = other * OFFICER_CHANGE_COST_S + (problem.veh_day != day) * TIME_CHANGE_COST_S
            cost[j] = moves * int(problem.late_cost[j])
    problem.visit_vehicle_cost = cost


def _fall_back_to(
    problem: TeamProblem, j: int, options: tuple[tuple[int, str], ...], policy: Policy
) -> None:
    """Node ``j``'s repair domain cut to its (day, slot) options, as the problem cuts a
    visit's windows to its drawn options (union over its officer-days)."""
    spans = {s.name: (s.window.start_s, s.window.end_s) for s in policy.slots}
    wanted = merge([(d * DAY_S + spans[n][0], d * DAY_S + spans[n][1]) for d, n in options])
    days = {d for d, _ in options}
    windows = intersect(problem.full_windows[j], wanted)
    vehicles = [v for v in problem.full_vehicles[j] if int(problem.veh_day[v]) in days]
    if windows and vehicles:
        problem.full_windows[j], problem.full_vehicles[j] = windows, vehicles


def _replanned_rota(
    rota: Rota,
    register: Register,
    policy: Policy,
    start: date,
    teams: set[str],
    unit_of_offender: dict[str, str],
    new_visits: list[Visit],
    unplaced: list[Unscheduled],
    days: list[OfficerDay],
    reattempted: set[str],
    seed: int,
    created_by: str,
) -> Rota:
    """The week: visits before ``start`` and of untouched teams as they were, the
    re-planned teams' later days new; a re-attempt marked ``rebooked``."""
    keep = [
        v for v in rota.visits if v.date < start or unit_of_offender[v.offender_id] not in teams
    ]
    earlier = {v.offender_id for v in keep if v.date < start and not v.short_notice}
    new_visits = [
        v.model_copy(update={"rebooked": True})
        if v.offender_id in reattempted and v.offender_id in earlier and not v.short_notice
        else v
        for v in new_visits
    ]
    listed = {v.offender_id for v in keep + new_visits if not v.follows_earlier_visit}
    gone = [u for u in unplaced if u.offender_id not in listed and u.offender_id not in earlier]
    still = [u for u in rota.unscheduled if u.offender_id not in {g.offender_id for g in gone}]
    still = [u for u in still if u.offender_id not in listed]
    order = {o.id: i for i, o in enumerate(register.offenders)}
    old_days = [
        d
        for d in rota.officer_days
        if d.date < start or _team_of_officer(register, d.officer_id) not in teams
    ]
    audit = AuditRecord(
        inputs_sha256=inputs_sha256(register, policy, rota.week_start),
        seed=seed,
        policy=policy.model_dump(mode="json"),
        week_start=rota.week_start,
        created_by=created_by,
        software_version=SOFTWARE_VERSION,
    )
    return Rota(
        week_start=rota.week_start,
        visits=tuple(sorted(keep + new_visits, key=lambda v: (v.arrival, v.officer_ids))),
        unscheduled=tuple(sorted(still + gone, key=lambda u: order.get(u.offender_id, 0))),
        officer_days=tuple(sorted(old_days + days, key=lambda d: (d.date, d.officer_id))),
        audit=audit,
    )


def _team_of_officer(register: Register, officer_id: str) -> str | None:
    return next((o.planning_unit for o in register.officers if o.id == officer_id), None)


def _changes(before: Rota, after: Rota, start: date, why: dict[str, str]) -> list[Change]:
    """Every visit from ``start`` on that is new, gone, or has another officer, day or
    time of day than before (a shift of minutes within its time of day is no change)."""

    def later(rota: Rota) -> dict[tuple[str, bool], Visit]:
        return {(v.offender_id, v.short_notice): v for v in rota.visits if v.date >= start}

    old, new = later(before), later(after)
    out = []
    for key in sorted(set(old) | set(new)):
        b, a = old.get(key), new.get(key)
        if (
            b is not None
            and a is not None
            and (b.officer_ids, b.date, b.slot) == (a.officer_ids, a.date, a.slot)
        ):
            continue
        reason = why.get(key[0]) or ("left out: no room" if a is None else "moved to make room")
        out.append(Change(key[0], b, a, reason))
    return out


def _urgent_met(rota: Rota, u: Urgent, start: date) -> bool:
    """Whether the rota visits the offender from ``start`` on, before the deadline."""
    return any(
        v.offender_id == u.offender_id
        and v.date >= start
        and v.arrival <= u.deadline
        and (not u.two_officers or len(v.officer_ids) == 2)
        for v in rota.visits
    )


__all__ = ["Attempt", "Change", "DayState", "Fix", "ReplanResult", "Urgent", "replan"]
