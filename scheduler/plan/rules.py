"""The hard rules of a rota, one function per rule, each returning the violations it
finds (empty when satisfied). Used by the tests, and by anyone checking a rota that was
edited by hand before it is issued."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from models import Policy, Register, Rota, Visit
from scheduler.core.windows import offender_windows


def _s(t: datetime) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def everyone_accounted_for(rota: Rota, register: Register) -> list[str]:
    """Every offender of the register once, in visits or unscheduled; nobody else."""
    counts = Counter(rota.offender_ids())
    out = [f"offender {i} appears {n} times" for i, n in counts.items() if n > 1]
    known = {o.id for o in register.offenders}
    out += [f"offender {i} is missing from the rota" for i in known - set(counts)]
    out += [f"offender {i} is not on the register" for i in set(counts) - known]
    return out


def within_shift(rota: Rota, register: Register) -> list[str]:
    """Each officer on a visit is on shift from arrival to departure."""
    out = []
    for v in rota.visits:
        for oid in v.officer_ids:
            shift = register.officer(oid).shift_on(v.date)
            if shift is None:
                out.append(f"{v.offender_id}: officer {oid} is not working on {v.date}")
            elif not (
                shift.window.start_s <= _s(v.arrival) and _s(v.departure) <= shift.window.end_s
            ):
                out.append(f"{v.offender_id}: visit outside {oid}'s shift on {v.date}")
    return out


def within_visit_hours(rota: Rota) -> list[str]:
    """Travel plus visit time per officer-day within the officer's hours for visits."""
    return [
        f"officer {d.officer_id} busy {d.busy_s} s > {d.budget_s} s on {d.date}"
        for d in rota.officer_days
        if d.busy_s > d.budget_s
    ]


def no_double_booking(rota: Rota) -> list[str]:
    """No officer in two places at once (joint visits count for both officers; the
    members of a household seen at one stop are one place)."""
    by_officer: dict[str, list[Visit]] = defaultdict(list)
    for v in rota.visits:
        for oid in v.officer_ids:
            by_officer[oid].append(v)
    out = []
    for oid, visits in by_officer.items():
        visits.sort(key=lambda v: v.arrival)
        out += [
            f"officer {oid} double-booked: {a.offender_id} and {b.offender_id}"
            for a, b in zip(visits, visits[1:], strict=False)
            if b.arrival < a.departure and not a.same_stop(b)
        ]
    return out


def two_officers_together(rota: Rota, register: Register) -> list[str]:
    """Offenders flagged two-officer-only get exactly two different officers."""
    flagged = {o.id for o in register.offenders if o.two_officers}
    return [
        f"{v.offender_id}: needs two officers, has {len(set(v.officer_ids))}"
        for v in rota.visits
        if v.offender_id in flagged and len(set(v.officer_ids)) != 2
    ]


def offender_available(rota: Rota, register: Register, policy: Policy) -> list[str]:
    """Arrival in a policy slot and the whole visit clear of known unavailability."""
    offenders = {o.id: o for o in register.offenders}
    out = []
    for v in rota.visits:
        o = offenders[v.offender_id]
        service = int((v.departure - v.arrival).total_seconds())
        t = _s(v.arrival)
        if not any(s <= t < e for s, e in offender_windows(o, policy, v.date, service)):
            out.append(f"{v.offender_id}: arrival {v.arrival:%a %H:%M} not allowed")
    return out


def gender_requirement_met(rota: Rota, register: Register) -> list[str]:
    """The lead officer meets the offender's officer-gender requirement."""
    offenders = {o.id: o for o in register.offenders}
    out = []
    for v in rota.visits:
        need = offenders[v.offender_id].officer_gender
        if need is not None and register.officer(v.officer_ids[0]).gender != need:
            out.append(f"{v.offender_id}: lead officer is not {need.value}")
    return out


def in_planning_week(rota: Rota) -> list[str]:
    end = rota.week_start + timedelta(days=7)
    return [
        f"{v.offender_id}: {v.date} outside the week"
        for v in rota.visits
        if not rota.week_start <= v.date < end
    ]


def revisits_follow_first_visits(rota: Rota) -> list[str]:
    """A short-notice revisit comes on a later day than the offender's first visit of
    the week: never two visits to one offender on one day."""
    return [
        f"{v.offender_id}: revisit on {v.date} follows no earlier visit"
        for v in rota.stray_revisits()
    ]


def all_violations(rota: Rota, register: Register, policy: Policy) -> list[str]:
    """Every hard rule at once."""
    return (
        everyone_accounted_for(rota, register)
        + within_shift(rota, register)
        + within_visit_hours(rota)
        + no_double_booking(rota)
        + two_officers_together(rota, register)
        + offender_available(rota, register, policy)
        + gender_requirement_met(rota, register)
        + in_planning_week(rota)
        + revisits_follow_first_visits(rota)
    )


__all__ = [
    "all_violations",
    "everyone_accounted_for",
    "gender_requirement_met",
    "in_planning_week",
    "revisits_follow_first_visits",
    "no_double_booking",
    "offender_available",
    "two_officers_together",
    "within_shift",
    "within_visit_hours",
]
