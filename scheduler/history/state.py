"""Visit history: what recorded outcomes mean for each offender.

A pure state machine over an offender's outcomes in date order (no database, no clock):

========================  ==============================================================
outcome                   effect
========================  ==============================================================
completed                 successful visit: last success = its date; failures cleared;
                          any away/missing condition cleared
no_answer, refused_entry  failed attempt to gain entry: appended to the failures in a row
                          (re-attempted; at ``Policy.warrant_after_failed_entries`` in a
                          row a section 96B warrant may be sought); condition cleared
not_at_address            condition *missing* (possible breach of notification
                          requirements) until a later outcome; failures cleared
in_custody, in_hospital,  condition *away* with a re-check date (the outcome's own, or
abroad                    its date + ``Policy.recheck_days``); failures cleared
cancelled_by_police       no attempt was made: nothing changes
========================  ==============================================================

:func:`standing` combines the register entry with the history on a given day: the later
of the two last-visit dates, the failures since then, and the effective status (missing
from either source first, then an outcome's condition until its re-check date, then the
register's status). The planner (:func:`scheduler.plan.due.select_due`) and ``rota status``
both read offenders through it, so they never disagree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from models import Offender, OffenderStatus, Policy, VisitOutcome, Weekday

_AWAY_STATUS = {
    VisitOutcome.IN_CUSTODY: OffenderStatus.IN_CUSTODY,
    VisitOutcome.IN_HOSPITAL: OffenderStatus.IN_HOSPITAL,
    VisitOutcome.ABROAD: OffenderStatus.ABROAD,
    VisitOutcome.NOT_AT_ADDRESS: OffenderStatus.MISSING,
}


@dataclass(frozen=True)
class OutcomeEvent:
    """One recorded outcome, as the history needs it. ``slot`` is the policy slot (time of
    day) of the attempt when known; ``recheck`` an explicit re-check date; ``seq`` orders
    outcomes of the same day (recording order)."""

    offender_id: str
    date: dt.date
    outcome: VisitOutcome
    slot: str | None = None
    recheck: dt.date | None = None
    arms_done: bool | None = None
    seq: int = 0


@dataclass(frozen=True)
class Attempt:
    """A failed attempt to gain entry: when, and at what time of day."""

    date: dt.date
    outcome: VisitOutcome
    slot: str | None = None

    @property
    def weekday(self) -> Weekday:
        return Weekday(self.date.weekday())


@dataclass(frozen=True)
class Condition:
    """Why the offender is not at home: ``MISSING`` (not at address, no re-check: it
    needs escalation) or custody / hospital / abroad until ``recheck``."""

    status: OffenderStatus
    since: dt.date
    recheck: dt.date | None = None

    def active_on(self, day: dt.date) -> bool:
        return self.recheck is None or day < self.recheck


@dataclass(frozen=True)
class OffenderHistory:
    """The state an offender's outcomes leave behind."""

    last_success: dt.date | None = None
    #: Whether the ARMS assessment was done at the last successful visit.
    arms_done: bool | None = None
    #: Failed attempts to gain entry since the last outcome of any other kind, oldest first.
    failed_entries: tuple[Attempt, ...] = ()
    condition: Condition | None = None
    outcomes: int = 0
    #: (weekday, policy slot) of every attended visit (completed or no entry), oldest
    #: first: the offender saw the police at the door either way, so new visits avoid
    #: their most frequent weekday and time of day.
    attended: tuple[tuple[Weekday, str | None], ...] = ()


def replay(events: Iterable[OutcomeEvent], policy: Policy) -> OffenderHistory:
    """Run one offender's outcomes through the state machine (any order in; date order
    used)."""
    state = OffenderHistory()
    for ev in sorted(events, key=lambda e: (e.date, e.seq)):
        state = step(state, ev, policy)
    return state


def step(state: OffenderHistory, ev: OutcomeEvent, policy: Policy) -> OffenderHistory:
    """One transition of the state machine."""
    n = state.outcomes + 1
    o = ev.outcome
    seen = state.attended
    if o.is_success or o.is_failed_entry:
        seen = (*seen, (Weekday(ev.date.weekday()), ev.slot))
    if o.is_neutral:
        return OffenderHistory(
            state.last_success, state.arms_done, state.failed_entries, state.condition, n, seen
        )
    if o.is_success:
        last = state.last_success
        if last is None or ev.date >= last:
            return OffenderHistory(ev.date, ev.arms_done, (), None, n, seen)
        return OffenderHistory(last, state.arms_done, (), None, n, seen)
    if o.is_failed_entry:
        failed = (*state.failed_entries, Attempt(ev.date, o, ev.slot))
        return OffenderHistory(state.last_success, state.arms_done, failed, None, n, seen)
    status = _AWAY_STATUS[o]
    recheck = None
    if status is not OffenderStatus.MISSING:
        recheck = ev.recheck or ev.date + timedelta(days=policy.recheck_days[status])
    return OffenderHistory(
        state.last_success, state.arms_done, (), Condition(status, ev.date, recheck), n, seen
    )


@dataclass
class History:
    """Every offender's :class:`OffenderHistory`, by offender id."""

    by_offender: dict[str, OffenderHistory] = field(default_factory=dict)

    @classmethod
    def from_events(cls, events: Iterable[OutcomeEvent], policy: Policy) -> History:
        grouped: dict[str, list[OutcomeEvent]] = defaultdict(list)
        for ev in events:
            grouped[ev.offender_id].append(ev)
        return cls({oid: replay(evs, policy) for oid, evs in grouped.items()})

    def of(self, offender_id: str) -> OffenderHistory:
        return self.by_offender.get(offender_id, _EMPTY)

    def __len__(self) -> int:
        return len(self.by_offender)

    def fingerprint(self) -> str:
        """SHA-256 of the whole state, for a plan's audit record."""
        h = hashlib.sha256()
        for oid in sorted(self.by_offender):
            h.update(f"{oid}={self.by_offender[oid]!r};".encode())
        return h.hexdigest()


_EMPTY = OffenderHistory()


@dataclass(frozen=True)
class Standing:
    """An offender on one day: the register entry with the history applied.

    ``offender`` carries the effective ``last_visit`` and ``status``; ``failed_entries``
    are the failed attempts to gain entry since the last successful visit; ``condition``
    is an outcome's condition still in force; ``lapsed`` one whose re-check date has
    passed (the offender is planned for again, and the re-check is overdue).
    """

    offender: Offender
    failed_entries: tuple[Attempt, ...] = ()
    condition: Condition | None = None
    lapsed: Condition | None = None
    arms_done: bool | None = None
    attended: tuple[tuple[Weekday, str | None], ...] = ()

    @property
    def last_failed(self) -> Attempt | None:
        return self.failed_entries[-1] if self.failed_entries else None


def standing(offender: Offender, history: History | None, day: dt.date) -> Standing:
    """Combine the register entry with the recorded outcomes, as of ``day``."""
    if history is None:
        return Standing(offender)
    h = history.of(offender.id)
    if h.outcomes == 0:
        return Standing(offender)
    last = offender.last_visit
    if h.last_success is not None and (last is None or h.last_success > last):
        last = h.last_success
    failed = tuple(a for a in h.failed_entries if last is None or a.date > last)
    cond = h.condition
    if cond is not None and last is not None and cond.since < last:
        cond = None  # the register records a successful visit since
    active = cond if cond is not None and cond.active_on(day) else None
    lapsed = cond if cond is not None and active is None else None
    status = offender.status
    if status is not OffenderStatus.MISSING and active is not None:
        status = active.status
    updated = offender.model_copy(update={"last_visit": last, "status": status})
    arms = h.arms_done if last == h.last_success else None
    return Standing(updated, failed, active, lapsed, arms, h.attended)
