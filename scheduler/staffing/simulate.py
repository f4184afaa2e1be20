"""Multi-week simulation: the real weekly planner, week after week, with drawn events.

Each week: officers' absences are drawn; register events happen (registrations and
deregistrations, notified moves, custody, hospital, notified travel abroad, absconding);
``plan_week`` plans the week from the register and the visit history; every planned
visit gets an outcome from the offender's true whereabouts and the failure rates; the
outcomes go into the history the next week is planned from. Outcomes are drawn day by
day, as a unit lives them (``daily_replan``, the default): the planner sees booked leave
only; each morning the day's sickness and abstraction become known, and the rest of the
week is re-planned with :func:`scheduler.plan.replan.replan`, the command a manager runs
(``rota absent`` / ``rota replan``): the absent officers' visits move, the failed and
called-off visits of the days before are re-attempted, the day's other visits stay as
released. Without it, the planner is told the week's absences on Monday and only visits
the police called off are rebooked (:func:`scheduler.plan.rebook.rebook`), the model of
earlier releases.
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

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

import numpy as np

from models import Policy, Register, Rota, Visit, VisitOutcome
from models.simulation import EventRates
from scheduler.core.travel import TravelModel
from scheduler.history.state import History, OffenderHistory, OutcomeEvent, step
from scheduler.plan.planner import plan_week
from scheduler.plan.rebook import rebook
from scheduler.plan.replan import replan
from scheduler.plan.replan_types import Attempt, DayState
from scheduler.staffing.result import SimulationResult, WeekRow
from scheduler.staffing.week_measure import measure_week
from scheduler.staffing.world import (
    WEEK,
    SimState,
    Truth,
    draw_absences,
    outcome_event,
    register_events,
    unforeseen_absences,
)
from scheduler.timing.visits import VisitRecord

_AWAY = (VisitOutcome.IN_CUSTODY, VisitOutcome.IN_HOSPITAL, VisitOutcome.ABROAD)


@dataclass(frozen=True)
class PlannedWeek:
    """One simulated week's planning inputs and its rota."""

    week: int
    week_start: date
    register: Register
    history: History
    seed: int
    rota: Rota


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
    daily_replan: bool = True,
) -> SimulationResult:
    """Run the weekly planner for ``weeks`` weeks from the Monday ``start``.

    ``warmup_weeks`` are left out of the compliance figures (a scenario starts with a
    backlog); ``on_week`` is called after each week (progress); ``on_plan`` gets each
    week's planning inputs and rota (e.g. to re-plan the same week another way).
    ``rebook_cancelled``: the unit rebooks a visit the police called off on the rest of
    its week (:func:`scheduler.plan.rebook.rebook`, run at the end of the day), as a manager
    would; off, it waits for next week's plan.
    ``daily_replan``: absences other than leave are learnt on the day and each morning
    with news the rest of the week is re-planned (see the module docstring); off, the
    planner knows the week's absences in advance and only called-off visits are rebooked.
    """
    if start.weekday() != 0:
        raise ValueError(f"{start} is not a Monday")
    if weeks < 1:
        raise ValueError("simulate at least one week")
    rates = rates or EventRates()
    state = SimState(
        offenders={o.id: o for o in register.offenders},
        officers=list(register.officers),
        history={},
        truth=defaultdict(Truth),
        registered={o.id: start for o in register.offenders if o.last_visit is None},
        last_success={o.id: o.last_visit for o in register.offenders},
        longest=defaultdict(int),
    )
    result = SimulationResult(seed=seed, warmup_weeks=warmup_weeks)
    for w, child in enumerate(np.random.SeedSequence(seed).spawn(weeks)):
        plan_seq, event_seq = child.spawn(2)
        rng = np.random.default_rng(event_seq)
        monday = start + timedelta(days=WEEK * w)
        officers, state.leave_next = draw_absences(
            state.officers, monday, rates, rng, state.leave_next
        )
        events = register_events(state, monday, policy, rates, rng)
        unforeseen: dict[str, set[date]] = {}
        if daily_replan:
            officers, unforeseen = unforeseen_absences(officers, monday)
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
        if daily_replan:
            morning = _Mornings(
                week_register, policy, travel, unforeseen, plan_seq, rebook_cancelled
            )
            rota, visits, outcomes = _visit_outcomes(rota, state, rates, rng, morning=morning)
        else:
            rebook_rest = (
                partial(_rebook_rest, register=week_register, policy=policy, travel=travel)
                if rebook_cancelled
                else None
            )
            rota, visits, outcomes = _visit_outcomes(rota, state, rates, rng, rebook_rest)
        result.visits += visits
        _apply(state, events + outcomes, policy)
        row, officer_rows = measure_week(
            w, monday, rota, visits, week_register, state, policy, result
        )
        result.weeks.append(row)
        result.officer_weeks += officer_rows
        if on_week is not None:
            on_week(row)
    return result


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


class _Mornings:
    """Each morning of a simulated week: the day's unforeseen absences become known and,
    when there is news (an officer away today, or failed or called-off visits since the
    last re-plan), the rest of the week is re-planned as a manager would with
    ``rota absent`` / ``rota replan``; the day's other visits are already released."""

    def __init__(
        self,
        register: Register,
        policy: Policy,
        travel: TravelModel | None,
        unforeseen: dict[str, set[date]],
        plan_seq: np.random.SeedSequence,
        rebook_cancelled: bool,
    ) -> None:
        self.register, self.policy, self.travel = register, policy, travel
        self.unforeseen = unforeseen
        self.seeds = np.random.default_rng(plan_seq.spawn(1)[0])
        self.rebook_cancelled = rebook_cancelled
        self.pending: list[Attempt] = []
        self.replans = 0

    def away(self, officer_id: str, day: date) -> bool:
        return day in self.unforeseen.get(officer_id, ())

    def failed(self, v: Visit, outcome: VisitOutcome) -> None:
        """Note a visit to re-attempt at the next re-plan."""
        called_off = outcome is VisitOutcome.CANCELLED_BY_POLICE
        if outcome.is_failed_entry or (called_off and self.rebook_cancelled):
            self.pending.append(Attempt(v.offender_id, v.date, v.slot, called_off=called_off))

    def __call__(self, rota: Rota, day: date) -> Rota:
        sick = {o: {day} for o, days in self.unforeseen.items() if day in days}
        if not sick and not self.pending:
            return rota
        released = {
            (v.offender_id, v.date, v.officer_ids)
            for v in rota.visits
            if v.date == day and not any(o in sick for o in v.officer_ids)
        }
        state = DayState(absences=sick, released=released, failed=tuple(self.pending))
        seed = int(self.seeds.integers(2**62))
        result = replan(rota, self.register, self.policy, day, state, seed=seed, travel=self.travel)
        self.pending = []
        self.replans += 1
        return result.rota


def _visit_outcomes(
    rota: Rota,
    state: SimState,
    rates: EventRates,
    rng: np.random.Generator,
    rebook_rest: Callable[[Rota, set[str], date], Rota] | None = None,
    morning: _Mornings | None = None,
) -> tuple[Rota, list[VisitRecord], list[OutcomeEvent]]:
    """An outcome for every planned visit, day by day: the offender's true whereabouts
    first, then the failure rates for someone at home. Each morning, ``morning`` (if
    given) re-plans the rest of the week from the news; at the end of a day with visits
    the police called off, ``rebook_rest`` (if given) rebooks them on the rest of the
    week. A visit whose officer turns out to be away is called off. Returns the week's
    rota as it ended up."""
    records: list[VisitRecord] = []
    events: list[OutcomeEvent] = []
    fail = np.cumsum([rates.cancelled_by_police, rates.no_answer, rates.refused_entry])
    kinds = (VisitOutcome.CANCELLED_BY_POLICE, VisitOutcome.NO_ANSWER, VisitOutcome.REFUSED_ENTRY)
    for d in range(WEEK):
        day = rota.week_start + timedelta(days=d)
        if morning is not None:
            rota = morning(rota, day)
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
            if morning is not None and any(morning.away(o, day) for o in v.officer_ids):
                where, recheck = VisitOutcome.CANCELLED_BY_POLICE, None
            if morning is not None:
                morning.failed(v, where)
            if where is VisitOutcome.CANCELLED_BY_POLICE:
                cancelled.add(v.offender_id)
            off = state.offenders[v.offender_id]
            ev = outcome_event(state, v.offender_id, v.date, where, slot=v.slot, recheck=recheck)
            events.append(ev)
            records.append(
                VisitRecord(v.offender_id, v.tier, v.date, v.slot, where, off.interval_days)
            )
        if cancelled and rebook_rest is not None and d < WEEK - 1:
            rota = rebook_rest(rota, cancelled, day)
    return rota, records, events


def _apply(state: SimState, events: list[OutcomeEvent], policy: Policy) -> None:
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


def _knock(state: SimState, ev: OutcomeEvent) -> None:
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


__all__ = ["PlannedWeek", "simulate"]
