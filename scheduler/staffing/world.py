"""The world a simulation draws: officers' absences, register events (registrations,
deregistrations, moves, custody, hospital, travel abroad, absconding) and where each
offender really is, which the planner learns only from visit outcomes."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from models import (
    Location,
    Offender,
    OffenderStatus,
    Officer,
    Policy,
    Unavailability,
    VisitOutcome,
)
from models.common import UK_LAT, UK_LON
from models.simulation import EventRates
from scheduler.history.state import OffenderHistory, OutcomeEvent

WEEK = 7
#: Weeks in a year, for per-year rates.
WEEKS_PER_YEAR = 365.25 / 7
#: How far (degrees, ~300 m) a new registration or a move lands from the address it is
#: modelled on: homes stay in the unit's real spread of addresses.
JITTER_DEG = 0.003


@dataclass
class Truth:
    """Where an offender really is (the planner only learns it from outcomes)."""

    away: VisitOutcome | None = None  # custody / hospital / abroad
    until: date | None = None
    absconded_until: date | None = None

    def on(self, day: date) -> VisitOutcome | None:
        if self.absconded_until is not None and day < self.absconded_until:
            return VisitOutcome.NOT_AT_ADDRESS
        if self.away is not None and self.until is not None and day < self.until:
            return self.away
        return None


@dataclass
class SimState:
    """What a simulation carries from week to week: the register, the visit history,
    the truth behind it and the gaps and knocks the measures need."""

    offenders: dict[str, Offender]
    officers: list[Officer]
    history: dict[str, OffenderHistory]
    truth: dict[str, Truth]
    #: First day each offender counts from when never visited (registration).
    registered: dict[str, date]
    #: Last successful visit seen and longest gap so far, per offender.
    last_success: dict[str, date | None]
    longest: dict[str, int]
    #: First and latest attempt at the door (failed entry) since the last successful
    #: visit, per offender with one (the ``attempted`` measure).
    first_knock: dict[str, date] = field(default_factory=dict)
    last_knock: dict[str, date] = field(default_factory=dict)
    #: Offenders not active (away, missing, reactive) at the last week's end, and the
    #: week's end each was first seen active again since their last successful visit.
    inactive: set[str] = field(default_factory=set)
    returned: dict[str, date] = field(default_factory=dict)
    next_id: int = 1
    seq: int = 0
    #: Officers on leave next week (leave is booked ahead; None before the first week).
    leave_next: set[str] | None = None


def draw_absences(
    officers: list[Officer],
    monday: date,
    rates: EventRates,
    rng: np.random.Generator,
    on_leave: set[str] | None = None,
) -> tuple[tuple[Officer, ...], set[str]]:
    """This week's officers with their absent days: leave in whole weeks, booked a week
    ahead (``on_leave``: drawn last week; drawn now for the first week), so next week's
    leave is on the roster the planner sees; sickness and abstraction as single days,
    unknown until they happen. Returns the officers and who is on leave next week."""
    days = [monday + timedelta(days=d) for d in range(WEEK)]
    later = [day + timedelta(days=WEEK) for day in days]
    if on_leave is None:
        on_leave = {o.id for o in officers if rng.random() < rates.leave_share}
    leave_next = {o.id for o in officers if rng.random() < rates.leave_share}
    out = []
    for o, absent in zip(officers, _absent_days(officers, days, on_leave, rates, rng), strict=True):
        if o.id in leave_next:
            absent += tuple(later)
        out.append(o.model_copy(update={"absent": absent}) if absent else o)
    return tuple(out), leave_next


def _absent_days(
    officers: list[Officer],
    days: list[date],
    on_leave: set[str],
    rates: EventRates,
    rng: np.random.Generator,
) -> list[tuple[date, ...]]:
    """Each officer's absent days this week: the whole week on leave, else single days."""
    single = rates.sickness_share + rates.abstraction_share
    return [
        tuple(days) if o.id in on_leave else tuple(d for d in days if rng.random() < single)
        for o in officers
    ]


def unforeseen_absences(
    officers: tuple[Officer, ...], monday: date
) -> tuple[tuple[Officer, ...], dict[str, set[date]]]:
    """Split the week's absences drawn by :func:`draw_absences` into what the unit knows
    when it plans on Monday (leave: the whole week, booked ahead) and what it learns only
    that morning (single days of sickness or abstraction). Returns the roster the planner
    sees and the unforeseen days by officer."""
    week = {monday + timedelta(days=d) for d in range(WEEK)}
    roster, unforeseen = [], {}
    for o in officers:
        this_week = set(o.absent) & week
        if this_week and this_week != week:
            unforeseen[o.id] = this_week
            kept = tuple(d for d in o.absent if d not in week)
            o = o.model_copy(update={"absent": kept})
        roster.append(o)
    return tuple(roster), unforeseen


def register_events(
    state: SimState, monday: date, policy: Policy, rates: EventRates, rng: np.random.Generator
) -> list[OutcomeEvent]:
    """The week's register changes, in place; returns the outcomes the unit is told of
    (custody, notified travel)."""
    per_week = (
        np.array(
            [
                rates.deregistrations_per_year,
                rates.moves_per_year,
                rates.custody_per_year,
                rates.hospital_per_year,
                rates.abroad_per_year,
                rates.abscond_per_year,
            ]
        )
        / WEEKS_PER_YEAR
    )
    ids = list(state.offenders)
    homes = _homes_by_team(state)
    team_of = {o.id: o.team for o in state.officers}
    u = rng.random((len(ids), len(per_week)))
    day_of = rng.integers(0, WEEK, size=len(ids))
    events: list[OutcomeEvent] = []
    for n, oid in enumerate(ids):
        off = state.offenders[oid]
        truth = state.truth[oid]
        day = monday + timedelta(days=int(day_of[n]))
        if truth.absconded_until is not None and truth.absconded_until <= day:
            truth.absconded_until = None  # located: found and visited
            events.append(outcome_event(state, oid, day, VisitOutcome.COMPLETED))
        hit = u[n] < per_week
        if hit[0]:
            _deregister(state, oid)
            continue
        if truth.on(day) is not None or off.status is not OffenderStatus.ACTIVE:
            continue
        if hit[1]:  # a move within the team's own area (someone else's address there)
            mine = homes[team_of[off.manager_id]]
            home = mine[int(rng.integers(len(mine)))]
            state.offenders[oid] = off.model_copy(update={"home": _jitter(home, rng)})
        if hit[2]:
            until = day + timedelta(days=_weeks(rng, rates.custody_weeks))
            truth.away, truth.until = VisitOutcome.IN_CUSTODY, until
            events.append(outcome_event(state, oid, day, VisitOutcome.IN_CUSTODY, recheck=until))
        elif hit[3]:
            truth.away = VisitOutcome.IN_HOSPITAL
            truth.until = day + timedelta(days=_weeks(rng, rates.hospital_weeks))
        elif hit[4]:
            until = day + timedelta(days=_weeks(rng, rates.abroad_weeks))
            truth.away, truth.until = VisitOutcome.ABROAD, until
            events.append(outcome_event(state, oid, day, VisitOutcome.ABROAD, recheck=until))
        elif hit[5]:
            truth.absconded_until = day + timedelta(days=_weeks(rng, rates.located_weeks))
    _register_new(state, monday, rates, rng)
    return events


def _homes_by_team(state: SimState) -> dict[str, list[Location]]:
    """The week's home addresses per team: a notified move lands near one of them, so it
    stays in the area the team covers (a move across London would leave the offender
    with a manager two hours' drive away, never visited)."""
    team_of = {o.id: o.team for o in state.officers}
    out: dict[str, list[Location]] = defaultdict(list)
    for off in state.offenders.values():
        out[team_of[off.manager_id]].append(off.home)
    return out


def _register_new(
    state: SimState, monday: date, rates: EventRates, rng: np.random.Generator
) -> None:
    """New registrations, each modelled on a random current offender (tier, flags,
    weekly availability and neighbourhood; not their dated absences), managed by the
    least-loaded officer of that offender's team."""
    count = int(rng.poisson(len(state.offenders) * rates.registrations_per_year / WEEKS_PER_YEAR))
    if not count or not state.offenders:
        return
    pool = list(state.offenders.values())
    team_of = {o.id: o.team for o in state.officers}
    load = Counter(o.manager_id for o in pool)
    for _ in range(count):
        model = pool[int(rng.integers(len(pool)))]
        team = team_of[model.manager_id]
        mates = [o.id for o in state.officers if o.team == team]
        manager = min(mates, key=lambda m: (load[m], m))
        load[manager] += 1
        oid = f"SIM-{state.next_id:06d}"
        state.next_id += 1
        state.offenders[oid] = model.model_copy(
            update={
                "id": oid,
                "home": _jitter(model.home, rng),
                "manager_id": manager,
                "last_visit": None,
                "interval_days": None,
                "status": OffenderStatus.ACTIVE,
                # Known weekly hours away are the model's kind of life; its dated
                # absences (a custody or hospital stay) are not the newcomer's.
                "unavailable": Unavailability(weekly=model.unavailable.weekly),
            }
        )
        state.registered[oid] = monday + timedelta(days=int(rng.integers(WEEK)))
        state.last_success[oid] = None


def _deregister(state: SimState, oid: str) -> None:
    del state.offenders[oid]
    state.history.pop(oid, None)
    state.truth.pop(oid, None)
    state.first_knock.pop(oid, None)
    state.last_knock.pop(oid, None)
    state.returned.pop(oid, None)
    state.inactive.discard(oid)


def outcome_event(
    state: SimState,
    oid: str,
    day: date,
    outcome: VisitOutcome,
    *,
    slot: str | None = None,
    recheck: date | None = None,
) -> OutcomeEvent:
    state.seq += 1
    return OutcomeEvent(
        oid,
        day,
        outcome,
        slot=slot,
        recheck=recheck,
        arms_done=True if outcome is VisitOutcome.COMPLETED else None,
        seq=state.seq,
    )


def _weeks(rng: np.random.Generator, mean_weeks: float) -> int:
    """A duration in days, exponential with the given mean in weeks (at least a day)."""
    return max(1, int(round(rng.exponential(mean_weeks * WEEK))))


def _jitter(home: Location, rng: np.random.Generator) -> Location:
    lat = float(np.clip(home.lat + rng.normal(0, JITTER_DEG), *UK_LAT))
    lon = float(np.clip(home.lon + rng.normal(0, JITTER_DEG * 1.6), *UK_LON))
    return Location(lat=round(lat, 6), lon=round(lon, 6))


__all__ = [
    "JITTER_DEG",
    "WEEK",
    "WEEKS_PER_YEAR",
    "SimState",
    "Truth",
    "draw_absences",
    "unforeseen_absences",
    "outcome_event",
    "register_events",
]
