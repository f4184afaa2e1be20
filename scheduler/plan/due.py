"""Due selection: who needs a visit this week, by when, how urgently, and at which
secret random days and times.

Visit dates are random, not cyclic. After each successful visit the next gap is a draw
from the tier's gap distribution (``scheduler.timing.gaps``: maximum entropy on 1..I with mean
``Policy.gap_mean_share`` x I by default). Each week the draw is made afresh *conditional
on the gap being at least the days already passed*, which composes week by week to
exactly that distribution without storing a secret date anywhere: the plan's seed
(kept in its audit record) replays it. Since a share of visits fails
(``Policy.failed_visit_share``), dates are drawn from the *attempt* distribution
(:func:`scheduler.timing.gaps.attempt_gap_pmf`), whose daily chances are raised so that the
successful visits follow the tier's distribution. A drawn date inside the week makes the visit due,
with ``Policy.visit_options`` random (day, time-of-day) options for the optimiser to
choose among; the interval itself stays the hard deadline. If the next gap after a drawn
visit would end inside the same week, a short-notice revisit is added (within
``Policy.revisit_share_cap``), so a visit never buys the rest of the week.

Urgency orders the visits the planner drops first when capacity is short. A tier's weight
outranks the tier below by more than any bonus within a tier can add (policy validation
keeps weights increasing, and the bonuses below, deadline pressure x2 and MAPPA x1.5, are
bounded by x3, x9 for a re-attempt after a failed visit), so higher tiers are always
served first with the default weights. Within a tier a visit due after this week goes
first: leaving it out costs no compliance, leaving out one due this week makes it late.

With a visit :class:`~scheduler.history.state.History`, offenders are read through
:func:`~scheduler.history.state.standing`: the later of the register's and the history's last
successful visit counts, outcomes set whereabouts (custody, hospital, abroad until their
re-check date; not at address = missing), and a failed attempt to gain entry puts the
offender into the next plan with raised urgency, a due date no later than
``Policy.reattempt_within_days`` after the attempt, and the attempt's weekday and time of
day to avoid.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import TypeVar

import numpy as np

from models import (
    GapShape,
    Offender,
    OffenderStatus,
    Policy,
    Unscheduled,
    UnscheduledReason,
    Weekday,
)
from scheduler.history.state import Condition, History, Standing, standing
from scheduler.plan.draws import Home, draw_index, draw_options, draw_slot, open_slots
from scheduler.timing.gaps import attempt_gap_pmf, conditional_gap_pmf, gap_pmf
from scheduler.timing.slot_mix import available_pairs

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
    #: Latest on-time date (last successful visit + interval, or the re-attempt deadline).
    due_date: date
    urgency: float
    #: Failed attempts to gain entry in a row (0 for a routine visit).
    failed_attempts: int = 0
    #: Weekday and policy slot (time of day) of the last failed attempt: a re-attempt
    #: goes on another weekday at another time of day.
    avoid_weekday: Weekday | None = None
    avoid_slot: str | None = None
    #: Secret (day of the week 0-6, policy slot) options the optimiser chooses among;
    #: empty means any feasible day and time.
    options: tuple[tuple[int, str], ...] = ()
    #: The secretly drawn visit date (None for first, overdue and re-attempt visits).
    target: date | None = None
    #: A short-notice revisit following the offender's other visit this week.
    revisit: bool = False
    #: The options are all on the target day (a revisit follows, so the day is fixed).
    pinned: bool = False
    #: Officers fixed by an issued plan (a rebooking keeps the rest of the week's visits
    #: with their officers); empty: any eligible officer.
    crew: tuple[str, ...] = ()
    #: Visit length in seconds when it is not the tier's (a household's one stop for
    #: several members: :mod:`scheduler.plan.households`); None: the tier's.
    service_s: int | None = None


def due_date(offender: Offender, policy: Policy, week_start: date) -> date:
    """Last successful visit plus the offender's interval; never visited means due now."""
    if offender.last_visit is None:
        return week_start
    return offender.last_visit + timedelta(
        days=policy.interval_for(offender.tier, offender.interval_days)
    )


def urgency(offender: Offender, policy: Policy, due: date, week_start: date) -> float:
    """Tier weight x deadline pressure (1 to 2) x MAPPA bonus.

    Deadline pressure is 1 for a visit due after this week, 1.5 for one due by its
    Sunday, and 1.5 plus half the share of an interval overdue (capped at 2) for an
    overdue one. Leaving out a visit due after this week costs no compliance (it comes
    back next week); leaving out one due this week makes it late: within a tier the
    planner drops the first kind first. Never-visited offenders count as a full interval
    overdue: a first visit to a new registration is as pressing as a long-missed one.
    """
    interval = policy.interval_for(offender.tier, offender.interval_days)
    mappa_bonus = 1.0 + 0.25 * (offender.mappa_level - 1)
    return (
        policy.urgency_weight[offender.tier]
        * deadline_pressure(offender.last_visit is None, due, week_start, interval)
        * mappa_bonus
    )


#: Deadline pressure of a visit due by the end of the week it is planned in.
DUE_THIS_WEEK = 1.5


def deadline_pressure(first_visit: bool, due: date, week_start: date, interval: int) -> float:
    """1 for a visit due after the week from ``week_start``, :data:`DUE_THIS_WEEK` for
    one due within it, rising to 2 as it falls an interval overdue (2 for a first
    visit)."""
    if first_visit:
        return 2.0
    if due >= week_start + timedelta(days=WEEK_DAYS):
        return 1.0
    overdue_share = min(max((week_start - due).days, 0) / interval, 1.0)
    return DUE_THIS_WEEK + (2.0 - DUE_THIS_WEEK) * overdue_share


T = TypeVar("T")

#: Overdue and never-visited offenders are visited on one of the week's first days
#: (Monday-Thursday), drawn at random: as soon as possible, but never always on Monday.
URGENT_DAYS = 4
WEEK_DAYS = 7


def select_due(
    offenders: tuple[Offender, ...] | list[Offender],
    policy: Policy,
    week_start: date,
    history: History | None = None,
    *,
    rng: np.random.Generator,
    next_week_cover: Callable[[Offender], bool] | None = None,
) -> tuple[list[DueVisit], list[Unscheduled]]:
    """Split the register into visits due this week and everyone else, each of the
    latter with a reason. ``history`` (recorded outcomes) supplies later successful
    visits, whereabouts and failed attempts to re-attempt; ``rng`` (secret, from the
    plan's seed) draws the visit dates and times, in register order.
    ``next_week_cover(offender)`` says whether any officer can make the offender's visit
    next week (known leave counted): a visit due next week that none can make is booked
    this week (as :func:`needs_margin` visits are)."""
    due: list[DueVisit] = []
    rest: list[Unscheduled] = []
    # (drawn visit, revisit day, the offender's slot weights)
    followers: list[tuple[DueVisit, int, dict[str, float], Home]] = []
    # (position in due, the days options are drawn on with their weights, slot weights,
    # the drawn day or None when every option is drawn alike, home pairs)
    drawn: list[tuple[int, list[tuple[int, float]], dict[str, float], int | None, Home]] = []
    for i, registered in enumerate(offenders):
        st = standing(registered, history, week_start)
        off = st.offender
        deadline = due_date(off, policy, week_start)
        if off.status in STATUS_REASON:
            rest.append(_status_unscheduled(off, deadline, st))
            continue
        slots = _slot_weights(st, policy)
        home = available_pairs(off, policy) if off.unavailable.weekly else None
        if st.last_failed is not None:  # always back in the next plan, sooner if need be
            when = min(deadline, st.last_failed.date + timedelta(days=policy.reattempt_within_days))
            dv, days, weights = _reattempt(i, st, policy, when, week_start, slots, home, rng)
            due.append(dv)
            drawn.append((len(due) - 1, days, weights, None, home))
            continue
        if off.last_visit is None or deadline < week_start:
            days = [(d, 1.0) for d in range(min(URGENT_DAYS, WEEK_DAYS))]
            due.append(_any_day_visit(i, off, policy, week_start, deadline, days, slots, home, rng))
            drawn.append((len(due) - 1, days, slots, None, home))
            continue
        visit = _drawn_visit(i, st, policy, week_start, deadline, slots, home, rng, next_week_cover)
        if isinstance(visit, Unscheduled):
            rest.append(visit)
            continue
        dv, days, t, nxt = visit
        due.append(dv)
        drawn.append((len(due) - 1, days, slots, t, home))
        if nxt is not None:
            followers.append((dv, nxt, slots, home))
    if policy.visit_options >= 2 and policy.option_day_pull > 0:
        due = _pull_options_together(due, drawn, offenders, policy, week_start, rng)
    pinned, revisits = _revisits(followers, len(due), policy, week_start, rng)
    due = [pinned.get(dv.index, dv) for dv in due] + revisits
    due.sort(key=lambda d: -d.urgency)
    return due, rest


def _status_unscheduled(off: Offender, deadline: date, st: Standing) -> Unscheduled:
    """An offender whose status means no routine visit, with why."""
    return Unscheduled(
        offender_id=off.id,
        tier=off.tier,
        reason=STATUS_REASON[off.status],
        due_date=deadline,
        detail=_status_detail(off.status, st.condition),
    )


def _any_day_visit(
    index: int,
    off: Offender,
    policy: Policy,
    week_start: date,
    deadline: date,
    days: list[tuple[int, float]],
    slots: dict[str, float],
    home: Home,
    rng: np.random.Generator,
) -> DueVisit:
    """A visit with options drawn alike on ``days`` (no drawn date among them): a first
    or overdue visit, or one booked a week early."""
    opts = draw_options(rng, policy, week_start, days, slots, home=home)
    u = urgency(off, policy, deadline, week_start)
    return DueVisit(index, off.id, deadline, u, options=opts)


def _drawn_visit(
    index: int,
    st: Standing,
    policy: Policy,
    week_start: date,
    deadline: date,
    slots: dict[str, float],
    home: Home,
    rng: np.random.Generator,
    next_week_cover: Callable[[Offender], bool] | None,
) -> Unscheduled | tuple[DueVisit, list[tuple[int, float]], int | None, int | None]:
    """A routine visit from the secret gap draw: not due this week (unless it needs a
    week's margin), or due with the drawn date's option first. Returns the visit, the
    days its options were drawn on, the drawn day (None when drawn alike) and the day
    of a short-notice revisit (None when there is none)."""
    off = st.offender
    assert off.last_visit is not None
    gap_key = (
        policy.gap_shape,
        policy.interval_for(off.tier, off.interval_days),
        policy.gap_mean_share[off.tier],
        policy.failed_visit_share,
    )
    pmf = _gap_pmf(*gap_key)
    passed = max((week_start - off.last_visit).days, 1)
    cond, cum = _conditional_gap(*gap_key, passed)
    gap = 1 + _draw_from_cumulative(rng, cum)
    target = off.last_visit + timedelta(days=gap)
    t = (target - week_start).days
    if t >= WEEK_DAYS and (
        needs_margin(off, home, deadline, week_start, policy)
        or _uncovered_next_week(off, deadline, week_start, next_week_cover)
    ):
        days = [(d, 1.0) for d in range(WEEK_DAYS)]
        dv = _any_day_visit(index, off, policy, week_start, deadline, days, slots, home, rng)
        return dv, days, None, None
    if t >= WEEK_DAYS:
        return Unscheduled(
            offender_id=off.id,
            tier=off.tier,
            reason=UnscheduledReason.NOT_DUE,
            due_date=deadline,
            detail=f"due by {deadline.isoformat()} (visit date drawn in secret)",
        )
    t = max(t, 0)
    in_week = _in_week_days(cond, off.last_visit, week_start, st, policy)
    opts = draw_options(rng, policy, week_start, in_week, slots, first_day=t, home=home)
    dv = DueVisit(
        index,
        off.id,
        deadline,
        urgency(off, policy, deadline, week_start),
        options=opts,
        target=target,
    )
    nxt = t + 1 + draw_index(rng, pmf)
    if nxt < WEEK_DAYS and not off.two_officers:  # joint visits are booked by hand
        return dv, in_week, t, nxt
    return dv, in_week, t, None


def needs_margin(
    off: Offender, home: Home, deadline: date, week_start: date, policy: Policy
) -> bool:
    """A visit few officer-days can make, due by the end of next week: booked this week,
    whatever the draw, so one absence or one lost evening in its due week does not make
    it late; a week's margin leaves the due week to fall back on. Few can make it when
    the offender is at home only at some times of the week and the visit needs two
    officers (often two on the same late shift), or they are at home on at most
    :data:`SCARCE_DAYS` days of the week in the slots the unit staffs (e.g. weekday
    evenings when one late shift a week covers them)."""
    if home is None or deadline >= week_start + timedelta(days=14):
        return False
    return off.two_officers or home_days(policy, week_start, home) <= SCARCE_DAYS


def _uncovered_next_week(
    off: Offender,
    deadline: date,
    week_start: date,
    cover: Callable[[Offender], bool] | None,
) -> bool:
    """Due by the end of next week, and no officer can make the visit next week."""
    if cover is None or deadline >= week_start + timedelta(days=2 * WEEK_DAYS):
        return False
    return not cover(off)


#: At home in staffed slots on this many days of the week or fewer: a scarce visit.
SCARCE_DAYS = 2


def home_days(policy: Policy, week_start: date, home: Home) -> int:
    """Days of the week with a staffed slot (the drawing policy's) the offender is at
    home in."""
    return sum(
        bool(open_slots(policy, week_start + timedelta(days=d), home)) for d in range(WEEK_DAYS)
    )


def _pull_options_together(
    due: list[DueVisit],
    drawn: list[tuple[int, list[tuple[int, float]], dict[str, float], int | None, Home]],
    offenders: tuple[Offender, ...] | list[Offender],
    policy: Policy,
    week_start: date,
    rng: np.random.Generator,
) -> list[DueVisit]:
    """Redraw all but one of each visit's options on days its manager has other visits'
    options (``Policy.option_day_pull``), so the optimiser can chain them into one trip.
    The one kept is the drawn date's option, or for a re-attempt or an overdue visit
    (whose options are all drawn alike) one of them at random: each visit keeps one
    option drawn as if no other offender existed. ``drawn``: (position in ``due``, the
    days with their weights, slot weights, drawn day or None, home pairs)."""
    by_manager: dict[str, list[int]] = {}
    for j, dv in enumerate(due):
        by_manager.setdefault(offenders[dv.index].manager_id, []).append(j)
    out = list(due)
    for pos, in_week, slots, t, home in drawn:
        dv = due[pos]
        mates = [j for j in by_manager[offenders[dv.index].manager_id] if j != pos]
        count = Counter(d for j in mates for d, _ in out[j].options)
        if t is not None:
            opts = [o for o in dv.options if o[0] == t][:1]
        else:
            opts = [dv.options[int(rng.integers(len(dv.options)))]] if dv.options else []
        for _ in range(4 * policy.visit_options):
            if len(opts) >= policy.visit_options:
                break
            used = {d for d, _ in opts}
            days = [(d, w * count[d] ** policy.option_day_pull) for d, w in in_week]
            days = [(d, w) for d, w in days if d not in used and count[d] and w > 0]
            if not days:
                break
            d = days[draw_index(rng, np.array([w for _, w in days]))][0]
            slot = draw_slot(rng, policy, week_start + timedelta(days=d), slots, home)
            if slot is not None:
                opts.append((d, slot))
        # Too few shared days: keep the independently drawn options for the rest.
        opts += [o for o in dv.options if o not in opts][: policy.visit_options - len(opts)]
        out[pos] = replace(dv, options=tuple(sorted(set(opts))))
    return out


def _revisits(
    followers: list[tuple[DueVisit, int, dict[str, float], Home]],
    n_due: int,
    policy: Policy,
    week_start: date,
    rng: np.random.Generator,
) -> tuple[dict[int, DueVisit], list[DueVisit]]:
    """Short-notice revisits for drawn visits whose next gap ends this week, most urgent
    first within the cap. The first visit is then pinned to its drawn day: returns the
    pinned first visits by register index, and the revisits."""
    cap = math.ceil(policy.revisit_share_cap * n_due)
    chosen = sorted(followers, key=lambda f: -f[0].urgency)[:cap]
    firsts: dict[int, DueVisit] = {}
    out: list[DueVisit] = []
    for dv, day, slots, home in chosen:
        assert dv.target is not None
        first_day = (dv.target - week_start).days
        pinned = draw_options(rng, policy, week_start, [(first_day, 1.0)], slots, home=home)
        later = draw_options(rng, policy, week_start, [(day, 1.0)], slots, home=home)
        if not pinned or not later:
            continue
        firsts[dv.index] = DueVisit(
            dv.index,
            dv.offender_id,
            dv.due_date,
            dv.urgency,
            options=pinned,
            target=dv.target,
            pinned=True,
        )
        out.append(
            DueVisit(
                dv.index,
                dv.offender_id,
                week_start + timedelta(days=day),
                dv.urgency / 2,
                options=later,
                target=week_start + timedelta(days=day),
                revisit=True,
            )
        )
    return firsts, out


@lru_cache(maxsize=256)
def _gap_pmf(shape: GapShape, interval: int, share: float, failure_share: float) -> np.ndarray:
    """The gap distribution visit dates are drawn from: the policy's, with each day's
    chance raised for the visits that will fail (a fixed cycle is left as it is)."""
    pmf = gap_pmf(shape, interval, share)
    if shape is not GapShape.FIXED:
        pmf = attempt_gap_pmf(pmf, failure_share)
    pmf.setflags(write=False)
    return pmf


@lru_cache(maxsize=4096)
def _conditional_gap(
    shape: GapShape, interval: int, share: float, failure_share: float, passed: int
) -> tuple[np.ndarray, list[float]]:
    """The gap distribution given ``passed`` days without a visit, and its cumulative
    sum (as floats, for :func:`bisect.bisect_right`): the same few (tier, days since
    the last visit) recur across a register, so each is computed once, not once per
    offender."""
    cond = conditional_gap_pmf(_gap_pmf(shape, interval, share, failure_share), passed)
    cond.setflags(write=False)
    return cond, np.cumsum(cond).tolist()


def _draw_from_cumulative(rng: np.random.Generator, cum: list[float]) -> int:
    """:func:`~scheduler.plan.draws.draw_index` on a precomputed cumulative sum: the
    same uniform, the same index (``bisect_right`` is ``searchsorted(side="right")``)."""
    return min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(cum) - 1)


def _in_week_days(
    cond: np.ndarray, last: date, week_start: date, st: Standing, policy: Policy
) -> list[tuple[int, float]]:
    """This week's days with their conditional gap probability, the offender's most
    frequent weekday down-weighted: where the alternative options are drawn from."""
    frequent = _most_frequent([w for w, _ in st.attended])
    out = []
    for d in range(WEEK_DAYS):
        gap = (week_start - last).days + d
        if 1 <= gap <= len(cond) and cond[gap - 1] > 0:
            w = float(cond[gap - 1])
            if frequent is not None and Weekday(d) == frequent:
                w *= policy.frequent_slot_weight
            out.append((d, w))
    return out


def _slot_weights(st: Standing, policy: Policy) -> dict[str, float]:
    """Weight kept by each time slot for this offender: their most frequent slot is
    down-weighted (the slot's share on the drawn weekday multiplies it)."""
    frequent = _most_frequent([s for _, s in st.attended if s is not None])
    return {
        s.name: policy.frequent_slot_weight if s.name == frequent else 1.0 for s in policy.slots
    }


def _most_frequent(items: list[T]) -> T | None:
    """The most frequent item (the most recent of tied ones), if it is seen at least twice."""
    if not items:
        return None
    counts = Counter(items)
    top = max(counts.values())
    if top < 2:
        return None
    return next(x for x in reversed(items) if counts[x] == top)


def _reattempt(
    index: int,
    st: Standing,
    policy: Policy,
    when: date,
    week_start: date,
    slots: dict[str, float],
    home: Home,
    rng: np.random.Generator,
) -> tuple[DueVisit, list[tuple[int, float]], dict[str, float]]:
    """A re-attempt after a failed visit: secret options on the week's days up to its
    deadline (the first four if it is already late), never the failed attempt's weekday
    or time of day when another is open. Left to the optimiser, re-attempts would go
    where travel is cheapest, the same weekday mornings week after week. Returns the
    visit, and the day and slot weights its options were drawn with."""
    off = st.offender
    failed = st.last_failed
    assert failed is not None
    u = urgency(off, policy, when, week_start)
    last = (when - week_start).days
    span = range(min(last, WEEK_DAYS - 1) + 1) if last >= 0 else range(URGENT_DAYS)
    days = [(d, 0.0 if Weekday(d) == failed.weekday else 1.0) for d in span]
    weights = {**slots, **({failed.slot: 0.0} if failed.slot in slots else {})}
    dv = DueVisit(
        index,
        off.id,
        when,
        u * policy.reattempt_urgency_factor,
        failed_attempts=len(st.failed_entries),
        avoid_weekday=failed.weekday,
        avoid_slot=failed.slot,
        options=draw_options(rng, policy, week_start, days, weights, home=home),
    )
    return dv, days, weights


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
