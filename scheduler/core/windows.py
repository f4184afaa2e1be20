"""When a visit may start: policy slots, the officer's shift and the offender's
availability, as lists of half-open ``(start_s, end_s)`` intervals in seconds.

Times inside the solver are seconds from the planning week's Monday 00:00.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from models import Offender, Officer, Policy, Weekday

DAY_S = 86_400
WEEK_DAYS = 7

Intervals = list[tuple[int, int]]


def intersect(a: Intervals, b: Intervals) -> Intervals:
    """Intersection of two sorted, disjoint interval lists."""
    out: Intervals = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Intervals, blocked: Intervals) -> Intervals:
    """``a`` minus every blocked interval."""
    out = a
    for bs, be in blocked:
        nxt: Intervals = []
        for s, e in out:
            if be <= s or bs >= e:
                nxt.append((s, e))
                continue
            if s < bs:
                nxt.append((s, bs))
            if be < e:
                nxt.append((be, e))
        out = nxt
    return out


def merge(a: Intervals) -> Intervals:
    """Sort and merge overlapping or touching intervals."""
    out: Intervals = []
    for s, e in sorted(a):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def slot_windows(policy: Policy, day: date, merged: bool = True) -> Intervals:
    """Seconds of day in which policy lets a visit start on ``day`` (one interval per
    slot when ``merged`` is False)."""
    wd = Weekday(day.weekday())
    spans = [(s.window.start_s, s.window.end_s) for s in policy.slots if wd in policy.slot_days(s)]
    return merge(spans) if merged else sorted(spans)


def slot_name(policy: Policy, day: date, second_of_day: int) -> str:
    """The policy slot an arrival falls in (first match), for reporting."""
    wd = Weekday(day.weekday())
    for s in policy.slots:
        if wd in policy.slot_days(s) and s.window.start_s <= second_of_day < s.window.end_s:
            return s.name
    return "other"


def offender_windows(offender: Offender, policy: Policy, day: date, service_s: int) -> Intervals:
    """Arrival times on ``day`` within policy slots at which the whole visit avoids the
    offender's known unavailability (an arrival just before a block is no use)."""
    blocked = [
        (max(0, bs - service_s + 1), be) for bs, be in offender.unavailable.blocked_windows(day)
    ]
    return subtract(slot_windows(policy, day), blocked)


def officer_window(officer: Officer, day: date, service_s: int) -> Intervals:
    """Arrival times on ``day`` that leave the visit inside the officer's shift."""
    return arrivals_in(duty_span(officer, day), service_s)


def duty_span(officer: Officer, day: date) -> tuple[int, int] | None:
    """The (start, end) seconds of day of the officer's shift for visits on ``day``;
    None when off duty or without visit hours."""
    if officer.visit_hours <= 0:
        return None
    shift = officer.shift_on(day)
    return None if shift is None else (shift.window.start_s, shift.window.end_s)


def arrivals_in(span: tuple[int, int] | None, service_s: int) -> Intervals:
    """Arrival times that leave a visit of ``service_s`` inside the shift ``span``."""
    if span is None or span[1] - service_s < span[0]:
        return []
    return [(span[0], span[1] - service_s + 1)]


def week_dates(week_start: date) -> list[date]:
    return [week_start + timedelta(days=d) for d in range(WEEK_DAYS)]


def shift_to_week(intervals: Intervals, day_index: int) -> Intervals:
    """Seconds-of-day intervals moved to seconds-from-week-start."""
    off = day_index * DAY_S
    return [(s + off, e + off) for s, e in intervals]


def staffed_policy(policy: Policy, officers: Iterable[Officer]) -> Policy:
    """The policy with each time slot's weekdays narrowed to those on which some officer's
    shift leaves room for the shortest visit in it: what the unit can really draw from,
    and so the baseline a predictability audit should hold it to. A slot nobody can
    staff keeps its days (dropping every slot would leave nothing to plan)."""
    shortest_s = min(policy.visit_minutes.values()) * 60
    shifts = [sh for o in officers if o.visit_hours > 0 for sh in o.shifts]
    slots = []
    for slot in policy.slots:
        days = frozenset(
            wd
            for wd in policy.slot_days(slot)
            if any(
                sh.day == wd
                and min(sh.window.end_s, slot.window.end_s + shortest_s)
                - max(sh.window.start_s, slot.window.start_s)
                >= shortest_s
                for sh in shifts
            )
        )
        slots.append(slot.model_copy(update={"days": days}) if days else slot)
    return policy.model_copy(update={"slots": tuple(slots)})
