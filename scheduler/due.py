"""Due selection: who needs a visit this week, by when, and how urgently.

Urgency orders the visits the planner drops first when capacity is short. A tier's weight
outranks the tier below by more than any bonus within a tier can add (policy validation
keeps weights increasing, and the bonuses below are bounded by x3, x9 for a re-attempt
after a failed visit), so higher tiers are always served first with the default weights.

With a visit :class:`~scheduler.history.History`, offenders are read through
:func:`~scheduler.history.standing`: the later of the register's and the history's last
successful visit counts, outcomes set whereabouts (custody, hospital, abroad until their
re-check date; not at address = missing), and a failed attempt to gain entry puts the
offender into the next plan with raised urgency, a due date no later than
``Policy.reattempt_within_days`` after the attempt, and the attempt's weekday and time of
day to avoid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from models import Offender, OffenderStatus, Policy, Unscheduled, UnscheduledReason, Weekday
from scheduler.history import Condition, History, Standing, standing

#: Status -> why there is no routine visit. Missing offenders need escalation, not a
#: visit next quarter; custody/hospital/abroad are tracked, never dropped.
STATUS_REASON = {
    OffenderStatus.REACTIVE: UnscheduledReason.REACTIVE,
    OffenderStatus.IN_CUSTODY: UnscheduledReason.IN_CUSTODY,
    OffenderStatus.IN_HOSPITAL: UnscheduledReason.IN_HOSPITAL,
    OffenderStatus.ABROAD: UnscheduledReason.ABROAD,
    OffenderStatus.MISSING: UnscheduledReason.MISSING,
}


@dataclass(frozen=True)
class DueVisit:
    """A visit the week should contain. ``index`` points into the register's offenders."""

    index: int
    offender_id: str
    due_date: date
    urgency: float
    #: Failed attempts to gain entry in a row (0 for a routine visit).
    failed_attempts: int = 0
    #: Weekday and policy slot (time of day) of the last failed attempt: a re-attempt
    #: goes on another weekday at another time of day.
    avoid_weekday: Weekday | None = None
    avoid_slot: str | None = None


def due_date(offender: Offender, policy: Policy, week_start: date) -> date:
    """Last successful visit plus the offender's interval; never visited means due now."""
    if offender.last_visit is None:
        return week_start
    return offender.last_visit + timedelta(
        days=policy.interval_for(offender.tier, offender.interval_days)
    )


def urgency(offender: Offender, policy: Policy, due: date, week_start: date) -> float:
    """Tier weight x (1 + share of an interval overdue, capped at 1) x MAPPA bonus.

    Never-visited offenders count as a full interval overdue: a first visit to a new
    registration is as pressing as a long-missed one.
    """
    interval = policy.interval_for(offender.tier, offender.interval_days)
    if offender.last_visit is None:
        overdue_share = 1.0
    else:
        overdue_share = min(max((week_start - due).days, 0) / interval, 1.0)
    mappa_bonus = 1.0 + 0.25 * (offender.mappa_level - 1)
    return policy.urgency_weight[offender.tier] * (1.0 + overdue_share) * mappa_bonus


def select_due(
    offenders: tuple[Offender, ...] | list[Offender],
    policy: Policy,
    week_start: date,
    history: History | None = None,
) -> tuple[list[DueVisit], list[Unscheduled]]:
    """Split the register into visits due by the end of the look-ahead and everyone else,
    each of the latter with a reason. ``history`` (recorded outcomes) supplies later
    successful visits, whereabouts and failed attempts to re-attempt."""
    horizon = week_start + timedelta(days=policy.due_window_days - 1)
    due: list[DueVisit] = []
    rest: list[Unscheduled] = []
    for i, registered in enumerate(offenders):
        st = standing(registered, history, week_start)
        off = st.offender
        when = due_date(off, policy, week_start)
        if off.status in STATUS_REASON:
            rest.append(
                Unscheduled(
                    offender_id=off.id,
                    tier=off.tier,
                    reason=STATUS_REASON[off.status],
                    due_date=when,
                    detail=_status_detail(off.status, st.condition),
                )
            )
            continue
        failed = st.last_failed
        if failed is not None:  # always back in the next plan, sooner if need be
            when = min(when, failed.date + timedelta(days=policy.reattempt_within_days))
        elif when > horizon:
            rest.append(
                Unscheduled(
                    offender_id=off.id,
                    tier=off.tier,
                    reason=UnscheduledReason.NOT_DUE,
                    due_date=when,
                    detail=f"next due {when.isoformat()}",
                )
            )
            continue
        due.append(_due_visit(i, st, policy, when, week_start))
    due.sort(key=lambda d: -d.urgency)
    return due, rest


def _due_visit(index: int, st: Standing, policy: Policy, when: date, week_start: date) -> DueVisit:
    off = st.offender
    u = urgency(off, policy, when, week_start)
    failed = st.last_failed
    if failed is None:
        return DueVisit(index, off.id, when, u)
    return DueVisit(
        index,
        off.id,
        when,
        u * policy.reattempt_urgency_factor,
        failed_attempts=len(st.failed_entries),
        avoid_weekday=failed.weekday,
        avoid_slot=failed.slot,
    )


def _status_detail(status: OffenderStatus, condition: Condition | None = None) -> str:
    text = {
        OffenderStatus.MISSING: "not at address: escalate (consider circulating as wanted/missing)",
        OffenderStatus.REACTIVE: "reactive management: visit on new information only",
        OffenderStatus.IN_CUSTODY: "in custody: re-check release date",
        OffenderStatus.IN_HOSPITAL: "in hospital: re-check discharge date",
        OffenderStatus.ABROAD: "abroad: re-check return date",
    }[status]
    if condition is not None and condition.status is status:
        text += f" (recorded {condition.since}"
        text += f", re-check by {condition.recheck})" if condition.recheck else ")"
    return text
