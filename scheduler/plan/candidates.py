"""Where a due visit could go: per (officer, day) of its planning unit the arrival
intervals at which the offender is at home and an eligible officer on duty, the crews a
two-officer visit could have, and why a visit cannot be placed at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from models import Offender, Officer, Policy, UnscheduledReason
from scheduler.core.windows import (
    Intervals,
    arrivals_in,
    duty_span,
    intersect,
    offender_windows,
)
from scheduler.plan.due import DueVisit


@dataclass
class Candidate:
    """Where one due visit could go: per (local officer, day) the arrival intervals."""

    due: DueVisit
    offender: Offender
    service_s: int
    by_officer_day: dict[tuple[int, int], Intervals]
    any_window: bool  # the offender is available in some slot this week
    #: A two-officer visit's windows before they were cut to its drawn options: where
    #: the booking falls back to when no crew fits the drawn ones.
    undrawn: dict[tuple[int, int], Intervals] | None = None


#: Per officer, per day of the week: the (start, end) seconds of day of the shift left
#: for visits, None when off duty or without visit hours.
Duty = list[list[tuple[int, int] | None]]


def duty_spans(officers: list[Officer], days: list[date]) -> Duty:
    """Each officer's shift for visits on each day (:func:`duty_span`), worked out once
    per team: a shift with absences is recomputed on every call of
    ``Officer.shift_on``, and every due visit asks for every officer-day."""
    return [[duty_span(o, day) for day in days] for o in officers]


def candidate_for(
    dv: DueVisit,
    off: Offender,
    officers: list[Officer],
    officer_index: dict[str, int],
    policy: Policy,
    days: list[date],
    duty: Duty | None = None,
) -> Candidate:
    """Where ``dv`` could go; ``duty`` (:func:`duty_spans` of ``officers`` on ``days``)
    is computed when not given."""
    duty = duty_spans(officers, days) if duty is None else duty
    service_s = dv.service_s or policy.visit_minutes[off.tier] * 60
    own = officer_index[off.manager_id]
    allowed: Sequence[int] = range(len(officers)) if policy.allow_cover else [own]
    if dv.crew:
        allowed = [officer_index[i] for i in dv.crew if i in officer_index]
    by: dict[tuple[int, int], Intervals] = {}
    any_window = False
    for d, day in enumerate(days):
        avail = offender_windows(off, policy, day, service_s)
        if not avail:
            continue
        any_window = True
        for k in allowed:
            if (
                off.officer_gender is not None
                and not off.two_officers
                and officers[k].gender != off.officer_gender
            ):
                continue
            iv = intersect(avail, arrivals_in(duty[k][d], service_s))
            if iv:
                by[(k, d)] = iv
    return Candidate(dv, off, service_s, by, any_window)


def visitable_on(
    offender: Offender,
    officers: list[Officer],
    policy: Policy,
    days: list[date],
    *,
    spare: bool = False,
) -> bool:
    """Whether ``officers`` (the offender's planning unit) can make the offender's visit
    on one of ``days`` at all, given their shifts, known absences and any gender rule:
    one officer at a time the offender is at home, or two together for a two-officer
    visit. Used a week ahead, so a visit whose only officers are on leave in its due
    week is booked before it (:func:`scheduler.plan.due.select_due`).

    ``spare``: and still with any one of the officers away, so one sickness (unknown a
    week ahead) cannot leave the visit without an officer or a pair: two officers who
    can make it, or for a two-officer visit pairs not all sharing one officer."""
    index = {o.id: k for k, o in enumerate(officers)}
    if offender.manager_id not in index:
        return False
    probe = DueVisit(0, offender.id, days[0], 0.0)
    cand = candidate_for(probe, offender, officers, index, policy, days)
    if unplaceable_reason(cand, officers) is not None:
        return False
    if not spare:
        return True
    if offender.two_officers:
        crews = [{k1, k2} for k1, k2, _, _ in pair_options(cand, officers)]
        return not set.intersection(*crews)
    return len({k for k, _ in cand.by_officer_day}) >= 2


def unplaceable_reason(
    cand: Candidate, officers: list[Officer]
) -> tuple[UnscheduledReason, str] | None:
    if not cand.any_window:
        return (
            UnscheduledReason.UNAVAILABLE_ALL_WEEK,
            "offender unavailable in every visit slot this week",
        )
    if not cand.by_officer_day:
        need = (
            f" ({cand.offender.officer_gender.value} officer required)"
            if cand.offender.officer_gender
            else ""
        )
        return UnscheduledReason.NO_OFFICER, "no eligible officer on duty when available" + need
    if cand.offender.two_officers and pair_options(cand, officers) == []:
        return (
            UnscheduledReason.NEEDS_TWO_OFFICERS,
            "no two eligible officers on duty together when available",
        )
    return None


def pair_options(cand: Candidate, officers: list[Officer]) -> list[tuple[int, int, int, Intervals]]:
    """(lead, partner, day, common arrival intervals); the lead meets any gender rule,
    and is the issued plan's lead for a crew it fixed (a rebooking keeps who leads)."""
    out = []
    need = cand.offender.officer_gender
    crew = cand.due.crew
    for (k1, d), iv1 in cand.by_officer_day.items():
        if need is not None and officers[k1].gender != need:
            continue
        if len(crew) == 2 and officers[k1].id != crew[0]:
            continue
        for (k2, d2), iv2 in cand.by_officer_day.items():
            if d2 != d or k2 == k1:
                continue
            common = intersect(iv1, iv2)
            if common:
                out.append((k1, k2, d, common))
    return out
