"""Multi-week simulation: the real weekly planner, week after week, with drawn events.

Each week: officers' absences are drawn; register events happen (registrations and
deregistrations, notified moves, custody, hospital, notified travel abroad, absconding);
``plan_week`` plans the week from the register and the visit history; every planned
visit gets an outcome from the offender's true whereabouts and the failure rates; the
outcomes go into the history the next week is planned from. Outcomes are drawn day by
day; at the end of a day with visits the police called off, the rest of the week is
re-planned with them rebooked (:func:`scheduler.plan.rebook.rebook`), as a manager would.
Nothing re-implements a stage of the pipeline: the simulator only draws what the world
does.

Every draw comes from one seed (a ``SeedSequence`` spawned per week), so a run replays
exactly, whatever else runs beside it.

Compliance is measured two ways (:class:`Measure`), per active offender at the end of
each week after the warm-up:

* ``on_time``: the offender has had a *successful* visit within their interval (plus
  ``Policy.grace_days``). This is the register's own standard, but no staffing reaches
  100%: about one attempt in five fails at the door (no answer, refused), and a failure
  in the last days of an interval makes the offender late whatever the unit does.
* ``attempted``: the unit *knocked on the door on time*: the offender is on time as
  above, or, past their interval, the first attempt at the door since the last successful
  visit (successful or not) was made by the due date and the latest attempt is no more
  than ``Policy.reattempt_within_days`` (+ grace) old, i.e. each failed attempt was
  followed up within the policy's re-attempt window. A visit called off by the police is
  no attempt; an offender back from custody, hospital or abroad (or found again) after
  their due date is due an attempt within the re-attempt window of their return. This
  is what staffing controls: an offender late only because they were not
  in or refused entry (a matter for a section 96B warrant, not for more officers) counts
  as attempted on time; one late because no officer got there does not.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import partial

import numpy as np

from models import (
    Location,
    Offender,
    OffenderStatus,
    Officer,
    Policy,
    Register,
    RiskTier,
    Rota,
    Unavailability,
    VisitOutcome,
)
from models.common import UK_LAT, UK_LON
from models.simulation import EventRates
from scheduler.core.travel import TravelModel
from scheduler.history.state import History, OffenderHistory, OutcomeEvent, standing, step
from scheduler.plan.planner import plan_week
from scheduler.plan.rebook import rebook
from scheduler.timing.visits import VisitRecord

TIERS = (RiskTier.LOW, RiskTier.MEDIUM, RiskTier.HIGH, RiskTier.VERY_HIGH)
WEEK = 7
#: Weeks in a year, for per-year rates.
WEEKS_PER_YEAR = 365.25 / 7
#: How far (degrees, ~300 m) a new registration or a move lands from the address it is
#: modelled on: homes stay in the unit's real spread of addresses.
JITTER_DEG = 0.003
_AWAY = (VisitOutcome.IN_CUSTODY, VisitOutcome.IN_HOSPITAL, VisitOutcome.ABROAD)


class Measure(StrEnum):
    """Which compliance a figure or a staffing target means (module docstring)."""

    #: A successful visit within the interval (the register's standard).
    ON_TIME = "on_time"
    #: An attempt at the door by the due date, failed ones followed up within the
    #: re-attempt window: the part of compliance that staffing controls.
    ATTEMPTED = "attempted"


@dataclass(frozen=True)
class WeekRow:
    """What one simulated week did."""

    week: int
    week_start: date
    offenders: int
    #: Offenders at home and on routine management (the ones who can be overdue).
    active: int
    officers: int
    #: Officer working days lost to leave, sickness and abstraction this week.
    officer_days_absent: int
    due: int
    planned: int
    revisits: int
    completed: int
    failed: int
    shortfall: int
    overdue: dict[RiskTier, int]
    longest_gap: dict[RiskTier, int]
    missing: int
    away: int
    travel_h: float
    busy_h: float
    budget_h: float
    #: Visits called off by the police and rebooked later the same week.
    rebooked: int = 0

    @property
    def utilisation(self) -> float:
        return self.busy_h / self.budget_h if self.budget_h else 0.0

    def flat(self) -> dict[str, object]:
        """One CSV row (columns :data:`WEEK_COLUMNS`)."""
        row: dict[str, object] = {k: getattr(self, k) for k in _WEEK_COUNTS}
        for t in TIERS:
            row[f"overdue_{t.value}"] = self.overdue[t]
        for t in TIERS:
            row[f"longest_gap_{t.value}"] = self.longest_gap[t]
        row["travel_h"] = round(self.travel_h, 2)
        row["utilisation"] = round(self.utilisation, 4)
        return row


_WEEK_COUNTS = (
    "week",
    "week_start",
    "offenders",
    "active",
    "officers",
    "officer_days_absent",
    "due",
    "planned",
    "revisits",
    "rebooked",
    "completed",
    "failed",
    "shortfall",
    "missing",
    "away",
)
#: Columns of ``weekly.csv``.
WEEK_COLUMNS = (
    *_WEEK_COUNTS,
    *(f"overdue_{t.value}" for t in TIERS),
    *(f"longest_gap_{t.value}" for t in TIERS),
    "travel_h",
    "utilisation",
)


@dataclass(frozen=True)
class OfficerWeek:
    week: int
    officer_id: str
    team: str
    caseload: int
    busy_h: float
    budget_h: float

    @property
    def utilisation(self) -> float:
        return self.busy_h / self.budget_h if self.budget_h else 0.0


@dataclass
class SimulationResult:
    """Per-week rows, per-officer-week rows and every visit, plus the compliance figures
    a staffing target is checked against."""

    seed: int
    weeks: list[WeekRow] = field(default_factory=list)
    officer_weeks: list[OfficerWeek] = field(default_factory=list)
    visits: list[VisitRecord] = field(default_factory=list)
    #: Per tier: [offender-weeks on time, offender-weeks counted] after the warm-up.
    on_time: dict[RiskTier, list[int]] = field(default_factory=dict)
    #: Per tier: [offender-weeks attempted on time, offender-weeks counted].
    attempted: dict[RiskTier, list[int]] = field(default_factory=dict)
    #: Per tier, the offender-weeks not attempted on time by what held each up that week
    #: (:func:`late_cause`): which lateness staffing could change.
    late: dict[RiskTier, Counter[str]] = field(default_factory=dict)
    warmup_weeks: int = 0

    def late_causes(self, high_only: bool = False) -> dict[str, int]:
        """Offender-weeks not attempted on time after the warm-up, by cause, most first:
        over high and very high only, or over every tier."""
        total: Counter[str] = Counter()
        for t, c in self.late.items():
            if t.is_high or not high_only:
                total.update(c)
        return dict(total.most_common())

    def compliance(self, measure: Measure = Measure.ON_TIME) -> dict[str, float]:
        """Share of active offender-weeks (after the warm-up) compliant under ``measure``
        (:class:`Measure`), by tier, for high and very high together, and over all
        tiers."""
        tally = self.on_time if Measure(measure) is Measure.ON_TIME else self.attempted
        out: dict[str, float] = {}
        for t in TIERS:
            ok, n = tally.get(t, [0, 0])
            out[t.value] = ok / n if n else 1.0
        hi = [tally.get(t, [0, 0]) for t in TIERS if t.is_high]
        every = [tally.get(t, [0, 0]) for t in TIERS]
        out["high_and_very_high"] = _share(hi)
        out["all"] = _share(every)
        return out

    def totals(self) -> dict[str, float]:
        w = self.weeks
        return {
            "weeks": len(w),
            "planned": sum(r.planned for r in w),
            "completed": sum(r.completed for r in w),
            "failed": sum(r.failed for r in w),
            "shortfall": sum(r.shortfall for r in w),
            "revisits": sum(r.revisits for r in w),
            "rebooked": sum(r.rebooked for r in w),
            "travel_h": round(sum(r.travel_h for r in w), 1),
            "utilisation": round(
                sum(r.busy_h for r in w) / max(sum(r.budget_h for r in w), 1e-9), 4
            ),
            "offenders_end": w[-1].offenders if w else 0,
            "overdue_end": sum(w[-1].overdue.values()) if w else 0,
        }


def _share(parts: Iterable[list[int]]) -> float:
    ok = n = 0
    for a, b in parts:
        ok, n = ok + a, n + b
    return ok / n if n else 1.0


@dataclass(frozen=True)
class PlannedWeek:
    """One simulated week's planning inputs and its rota."""

    week: int
    week_start: date
    register: Register
    history: History
    seed: int
    rota: Rota


@dataclass
class _Truth:
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
class _State:
    offenders: dict[str, Offender]
    officers: list[Officer]
    history: dict[str, OffenderHistory]
    truth: dict[str, _Truth]
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


def simulate(
    register: Register,
    policy: Policy,
    start: date,
    weeks: int,
    *,
    seed: int,
    rates: EventRates | None = None,
    travel: TravelModel | None = None,
    warmup_weeks: int = 0,
    on_week: Callable[[WeekRow], None] | None = None,
    on_plan: Callable[[PlannedWeek], None] | None = None,
    rebook_cancelled: bool = True,
) -> SimulationResult:
    """Run the weekly planner for ``weeks`` weeks from the Monday ``start``.

    ``warmup_weeks`` are left out of the compliance figures (a scenario starts with a
    backlog); ``on_week`` is called after each week (progress); ``on_plan`` gets each
    week's planning inputs and rota (e.g. to re-plan the same week another way).
    ``rebook_cancelled``: the unit rebooks a visit the police called off on the rest of
    its week (:func:`scheduler.plan.rebook.rebook`, run at the end of the day), as a manager
    would; off, it waits for next week's plan.
    """
    if start.weekday() != 0:
        raise ValueError(f"{start} is not a Monday")
    if weeks < 1:
        raise ValueError("simulate at least one week")
    rates = rates or EventRates()
    state = _State(
        offenders={o.id: o for o in register.offenders},
        officers=list(register.officers),
        history={},
        truth=defaultdict(_Truth),
        registered={o.id: start for o in register.offenders if o.last_visit is None},
        last_success={o.id: o.last_visit for o in register.offenders},
        longest=defaultdict(int),
    )
    result = SimulationResult(seed=seed, warmup_weeks=warmup_weeks)
    for w, child in enumerate(np.random.SeedSequence(seed).spawn(weeks)):
        plan_seq, event_seq = child.spawn(2)
        rng = np.random.default_rng(event_seq)
        monday = start + timedelta(days=WEEK * w)
        officers, state.leave_next = _absences(state.officers, monday, rates, rng, state.leave_next)
        events = _register_events(state, monday, policy, rates, rng)
        week_register = Register(offenders=tuple(state.offenders.values()), officers=officers)
        plan_seed = int(plan_seq.generate_state(1, np.uint64)[0] >> 1)
        history = History(dict(state.history))
        rota = plan_week(
            week_register,
            policy,
            monday,
            seed=plan_seed,
            travel=travel,
            history=history,
            created_by="simulation",
        )
        if on_plan is not None:
            on_plan(PlannedWeek(w, monday, week_register, history, plan_seed, rota))
        rebook_rest = (
            partial(_rebook_rest, register=week_register, policy=policy, travel=travel)
            if rebook_cancelled
            else None
        )
        rota, visits, outcomes = _visit_outcomes(rota, state, rates, rng, rebook_rest)
        result.visits += visits
        _apply(state, events + outcomes, policy)
        row, officer_rows = _measure(w, monday, rota, visits, week_register, state, policy, result)
        result.weeks.append(row)
        result.officer_weeks += officer_rows
        if on_week is not None:
            on_week(row)
    return result


def _absences(
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
    single = rates.sickness_share + rates.abstraction_share
    out = []
    for o in officers:
        if o.id in on_leave:
            absent = tuple(days)
        else:
            absent = tuple(d for d in days if rng.random() < single)
        if o.id in leave_next:
            absent += tuple(later)
        out.append(o.model_copy(update={"absent": absent}) if absent else o)
    return tuple(out), leave_next


def _register_events(
    state: _State, monday: date, policy: Policy, rates: EventRates, rng: np.random.Generator
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
            events.append(_event(state, oid, day, VisitOutcome.COMPLETED))
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
            events.append(_event(state, oid, day, VisitOutcome.IN_CUSTODY, recheck=until))
        elif hit[3]:
            truth.away = VisitOutcome.IN_HOSPITAL
            truth.until = day + timedelta(days=_weeks(rng, rates.hospital_weeks))
        elif hit[4]:
            until = day + timedelta(days=_weeks(rng, rates.abroad_weeks))
            truth.away, truth.until = VisitOutcome.ABROAD, until
            events.append(_event(state, oid, day, VisitOutcome.ABROAD, recheck=until))
        elif hit[5]:
            truth.absconded_until = day + timedelta(days=_weeks(rng, rates.located_weeks))
    _register_new(state, monday, rates, rng)
    return events


def _homes_by_team(state: _State) -> dict[str, list[Location]]:
    """The week's home addresses per team: a notified move lands near one of them, so it
    stays in the area the team covers (a move across London would leave the offender
    with a manager two hours' drive away, never visited)."""
    team_of = {o.id: o.team for o in state.officers}
    out: dict[str, list[Location]] = defaultdict(list)
    for off in state.offenders.values():
        out[team_of[off.manager_id]].append(off.home)
    return out


def _register_new(state: _State, monday: date, rates: EventRates, rng: np.random.Generator) -> None:
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


def _deregister(state: _State, oid: str) -> None:
    del state.offenders[oid]
    state.history.pop(oid, None)
    state.truth.pop(oid, None)
    state.first_knock.pop(oid, None)
    state.last_knock.pop(oid, None)
    state.returned.pop(oid, None)
    state.inactive.discard(oid)


def _rebook_rest(
    rota: Rota,
    cancelled: set[str],
    day: date,
    *,
    register: Register,
    policy: Policy,
    travel: TravelModel | None,
) -> Rota:
    return rebook(rota, register, policy, cancelled, day, travel=travel)


def _visit_outcomes(
    rota: Rota,
    state: _State,
    rates: EventRates,
    rng: np.random.Generator,
    rebook_rest: Callable[[Rota, set[str], date], Rota] | None = None,
) -> tuple[Rota, list[VisitRecord], list[OutcomeEvent]]:
    """An outcome for every planned visit, day by day: the offender's true whereabouts
    first, then the failure rates for someone at home. At the end of a day with visits
    the police called off, ``rebook_rest`` (if given) re-plans the rest of the week;
    returns the week's rota as it ended up."""
    records: list[VisitRecord] = []
    events: list[OutcomeEvent] = []
    fail = np.cumsum([rates.cancelled_by_police, rates.no_answer, rates.refused_entry])
    kinds = (VisitOutcome.CANCELLED_BY_POLICE, VisitOutcome.NO_ANSWER, VisitOutcome.REFUSED_ENTRY)
    for d in range(WEEK):
        day = rota.week_start + timedelta(days=d)
        cancelled: set[str] = set()
        for v in sorted((v for v in rota.visits if v.date == day), key=lambda v: v.arrival):
            if v.offender_id not in state.offenders:
                continue
            truth = state.truth[v.offender_id]
            where = truth.on(v.date)
            recheck = truth.until if where in _AWAY else None
            if where is None:
                k = int(np.searchsorted(fail, rng.random(), side="right"))
                where = kinds[k] if k < len(kinds) else VisitOutcome.COMPLETED
            if where is VisitOutcome.CANCELLED_BY_POLICE:
                cancelled.add(v.offender_id)
            off = state.offenders[v.offender_id]
            ev = _event(state, v.offender_id, v.date, where, slot=v.slot, recheck=recheck)
            events.append(ev)
            records.append(
                VisitRecord(v.offender_id, v.tier, v.date, v.slot, where, off.interval_days)
            )
        if cancelled and rebook_rest is not None and d < WEEK - 1:
            rota = rebook_rest(rota, cancelled, day)
    return rota, records, events


def _event(
    state: _State,
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


def _apply(state: _State, events: list[OutcomeEvent], policy: Policy) -> None:
    """Run the week's outcomes through the history state machine, in date order, and
    keep the gaps between successful visits."""
    empty = OffenderHistory()
    for ev in sorted(events, key=lambda e: (e.date, e.seq)):
        if ev.offender_id not in state.offenders:
            continue
        state.history[ev.offender_id] = step(state.history.get(ev.offender_id, empty), ev, policy)
        _knock(state, ev)
        if ev.outcome.is_success:
            prev = state.last_success.get(ev.offender_id)
            if prev is not None:
                gap = (ev.date - prev).days
                state.longest[ev.offender_id] = max(state.longest[ev.offender_id], gap)
            state.last_success[ev.offender_id] = ev.date


def _knock(state: _State, ev: OutcomeEvent) -> None:
    """Keep the attempts at the door since the last successful visit: a failed entry
    adds one; any other outcome but a police cancellation (success, or the offender
    found away or gone) ends the episode."""
    oid = ev.offender_id
    if ev.outcome.is_failed_entry:
        state.first_knock.setdefault(oid, ev.date)
        state.last_knock[oid] = ev.date
    elif not ev.outcome.is_neutral:
        state.first_knock.pop(oid, None)
        state.last_knock.pop(oid, None)
        if ev.outcome.is_success:
            state.returned.pop(oid, None)


def attempted_on_time(
    sunday: date,
    due: date,
    first_knock: date | None,
    last_knock: date | None,
    policy: Policy,
    returned: date | None = None,
) -> bool:
    """The ``attempted`` measure for one offender at the end of a week: on time, or
    past ``due`` (last successful visit + interval) with a first attempt at the door by
    ``due`` and the latest no more than ``reattempt_within_days`` old (grace added to
    both, as for ``on_time``). An offender who came back (from custody, hospital,
    abroad, missing) after ``due`` was seen active again at the end of the week
    ``returned``: their first attempt is due within the re-attempt window of that."""
    grace = timedelta(days=policy.grace_days)
    window = timedelta(days=policy.reattempt_within_days + policy.grace_days)
    if returned is not None:
        due = max(due, returned + window - grace)
    if sunday <= due + grace:
        return True
    if first_knock is None or last_knock is None:
        return False
    return first_knock <= due + grace and sunday - last_knock <= window


#: Late causes besides the planner's shortfall reasons (``UnscheduledReason``).
CANCELLED = VisitOutcome.CANCELLED_BY_POLICE.value
KNOCKED_LATE = "knocked_late"
NOT_PLANNED = "not_planned"


def late_cause(oid: str, shortfall: dict[str, str], cancelled: set[str], knocked: bool) -> str:
    """Why an offender is not attempted on time at the end of a week: the planner's
    reason for leaving their visit out this week (capacity, no two officers together,
    no officer on duty when they are at home, ...); else a planned visit the police
    called off; else knocks that came after the due date or whose follow-up is overdue;
    else not in this week's plan at all (e.g. every option's officer absent)."""
    if oid in shortfall:
        return shortfall[oid]
    if oid in cancelled:
        return CANCELLED
    return KNOCKED_LATE if knocked else NOT_PLANNED


def _measure(
    w: int,
    monday: date,
    rota: Rota,
    outcomes: list[VisitRecord],
    register: Register,
    state: _State,
    policy: Policy,
    result: SimulationResult,
) -> tuple[WeekRow, list[OfficerWeek]]:
    sunday = monday + timedelta(days=WEEK - 1)
    history = History(state.history)
    overdue: Counter[RiskTier] = Counter()
    longest: dict[RiskTier, int] = dict.fromkeys(TIERS, 0)
    missing = away = active = 0
    inactive: set[str] = set()
    counted = w >= result.warmup_weeks
    shortfall_of = {
        u.offender_id: u.reason.value for u in rota.unscheduled if u.reason.is_shortfall
    }
    cancelled = {v.offender_id for v in outcomes if v.outcome is VisitOutcome.CANCELLED_BY_POLICE}
    for off in state.offenders.values():
        st = standing(off, history, sunday)
        status = st.offender.status
        if status is OffenderStatus.MISSING:
            missing += 1
        if status is not OffenderStatus.ACTIVE:
            away += status is not OffenderStatus.MISSING and status is not OffenderStatus.REACTIVE
            inactive.add(off.id)
            continue
        if off.id in state.inactive:
            state.returned[off.id] = sunday
        active += 1
        last = st.offender.last_visit or state.registered.get(off.id, monday)
        gap = (sunday - last).days
        interval = policy.interval_for(off.tier, off.interval_days)
        longest[off.tier] = max(longest[off.tier], state.longest.get(off.id, 0), gap)
        late = gap > interval + policy.grace_days
        overdue[off.tier] += late
        if counted:
            tally = result.on_time.setdefault(off.tier, [0, 0])
            tally[0] += not late
            tally[1] += 1
            knocked = not late or attempted_on_time(
                sunday,
                last + timedelta(days=interval),
                state.first_knock.get(off.id),
                state.last_knock.get(off.id),
                policy,
                state.returned.get(off.id),
            )
            tried = result.attempted.setdefault(off.tier, [0, 0])
            tried[0] += knocked
            tried[1] += 1
            if not knocked:
                cause = late_cause(off.id, shortfall_of, cancelled, off.id in state.first_knock)
                result.late.setdefault(off.tier, Counter())[cause] += 1
    state.inactive = inactive
    completed = sum(v.outcome.is_success for v in outcomes)
    caseload = Counter(o.manager_id for o in register.offenders)
    busy: Counter[str] = Counter()
    budget: Counter[str] = Counter()
    for d in rota.officer_days:
        busy[d.officer_id] += d.busy_s
        budget[d.officer_id] += d.budget_s
    officer_rows = [
        OfficerWeek(w, o.id, o.team, caseload[o.id], busy[o.id] / 3600, budget[o.id] / 3600)
        for o in register.officers
    ]
    absent = sum(
        1
        for o in register.officers
        for d in o.absent
        if monday <= d <= sunday and any(s.day == d.weekday() for s in o.shifts)
    )
    shortfall = sum(u.reason.is_shortfall for u in rota.unscheduled)
    first_visits = sum(not v.follows_earlier_visit for v in rota.visits)
    row = WeekRow(
        week=w + 1,
        week_start=monday,
        offenders=len(register.offenders),
        active=active,
        officers=len(register.officers),
        officer_days_absent=absent,
        due=first_visits + shortfall,
        planned=len(rota.visits),
        revisits=sum(v.short_notice for v in rota.visits),
        rebooked=sum(v.rebooked for v in rota.visits),
        completed=completed,
        failed=len(outcomes) - completed,
        shortfall=shortfall,
        overdue={t: overdue[t] for t in TIERS},
        longest_gap=longest,
        missing=missing,
        away=away,
        travel_h=sum(d.travel_s for d in rota.officer_days) / 3600,
        busy_h=sum(busy.values()) / 3600,
        budget_h=sum(budget.values()) / 3600,
    )
    return row, officer_rows


def _weeks(rng: np.random.Generator, mean_weeks: float) -> int:
    """A duration in days, exponential with the given mean in weeks (at least a day)."""
    return max(1, int(round(rng.exponential(mean_weeks * WEEK))))


def _jitter(home: Location, rng: np.random.Generator) -> Location:
    lat = float(np.clip(home.lat + rng.normal(0, JITTER_DEG), *UK_LAT))
    lon = float(np.clip(home.lon + rng.normal(0, JITTER_DEG * 1.6), *UK_LON))
    return Location(lat=round(lat, 6), lon=round(lon, 6))


def visit_rows(result: SimulationResult) -> list[dict[str, object]]:
    """The visit history in the audit's CSV format (``rota audit --history``)."""
    return [
        {
            "offender_id": v.offender_id,
            "tier": v.tier.value,
            "date": v.date.isoformat(),
            "slot": v.slot or "",
            "outcome": v.outcome.value,
            "interval_days": v.interval_days or "",
        }
        for v in result.visits
    ]
