"""Several offenders at one address (``household`` in the register): one stop for the
members due in the same week, each member keeping their own visit row and record.

Before the week's problems are built, :func:`merge_households` turns the due members
of each household into one due visit of its most urgent member (the lead): the lead's
drawn options and officers, the members' urgencies added up (leaving the stop out
leaves them all out), the earliest due date, the visit length of the policy's
``[households] service``, two officers if any member needs two, and an offender who is
out whenever any member is. The planner places that stop like any other visit; then
:func:`expand_households` gives every member their own visit at it (same officers, day,
arrival and departure; the travel is counted once, on the lead's row) or their own
reason for being left out. Members not due are brought in only with
``visit_all_members``. Nothing changes when no household is flagged or
``visit_together`` is off.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from models import (
    Offender,
    OfficerDay,
    Policy,
    Register,
    Unavailability,
    Unscheduled,
    UnscheduledReason,
    Visit,
)
from scheduler.plan.due import DueVisit, urgency


@dataclass(frozen=True)
class Household:
    """One stop's members: the lead's due visit (as the planner sees it, merged) and
    every member's own, lead first."""

    merged: DueVisit
    members: tuple[DueVisit, ...]
    #: Members brought in although not due (``visit_all_members``), with the reason
    #: they keep if the stop is left out.
    not_due: tuple[Unscheduled, ...] = ()


def merge_households(
    register: Register,
    policy: Policy,
    week_start: date,
    due: list[DueVisit],
    rest: list[Unscheduled],
) -> tuple[Register, list[DueVisit], list[Unscheduled], list[Household]]:
    """The register, due visits and others as the planner should see them, and the
    households merged; the inputs unchanged when there is nothing to merge."""
    settings = policy.households
    if not settings.visit_together or not any(o.household for o in register.offenders):
        return register, due, rest, []
    unit_of = {o.id: o.planning_unit for o in register.officers}
    offenders = register.offenders
    groups = _due_members(offenders, due, unit_of)
    early: dict[str, Unscheduled] = {}
    if settings.visit_all_members:
        early = _bring_forward(offenders, policy, week_start, groups, rest, unit_of)
    replaced: dict[int, Offender] = {}
    households: list[Household] = []
    for members in groups.values():
        lead_offender = _stop_offender([offenders[m.index] for m in members])
        if len(members) < 2 or lead_offender is None:
            continue
        merged = replace(
            members[0],
            urgency=sum(m.urgency for m in members),
            due_date=min(m.due_date for m in members),
            service_s=_stop_service_s([offenders[m.index] for m in members], policy),
        )
        replaced[merged.index] = lead_offender
        not_due = tuple(early[m.offender_id] for m in members if m.offender_id in early)
        households.append(Household(merged, tuple(members), not_due))
    if not households:
        return register, due, rest, []
    brought = {u.offender_id for h in households for u in h.not_due}
    rest = [u for u in rest if u.offender_id not in brought]
    merged_of = {h.merged.index: h.merged for h in households}
    absorbed = {m.index for h in households for m in h.members[1:]}
    plan_due = [
        merged_of.get(dv.index, dv) if not dv.revisit else dv
        for dv in due
        if dv.revisit or dv.index not in absorbed
    ]
    plan_offenders = tuple(replaced.get(i, o) for i, o in enumerate(offenders))
    planned = register.model_copy(update={"offenders": plan_offenders})
    return planned, plan_due, rest, households


def _due_members(
    offenders: Sequence[Offender], due: list[DueVisit], unit_of: dict[str, str]
) -> dict[tuple[str, str], list[DueVisit]]:
    """Per (household, planning unit), the members' first visits that can join a stop,
    most urgent first: not a revisit, none with a revisit this week (its day hangs on
    its own first visit) and no officers fixed by an issued plan."""
    revisited = {dv.index for dv in due if dv.revisit}
    groups: dict[tuple[str, str], list[DueVisit]] = defaultdict(list)
    for dv in due:
        off = offenders[dv.index]
        if off.household is None or dv.revisit or dv.crew or dv.index in revisited:
            continue
        groups[off.household, unit_of[off.manager_id]].append(dv)
    for members in groups.values():
        members.sort(key=lambda m: (-m.urgency, m.due_date, m.index))
    return groups


def _bring_forward(
    offenders: Sequence[Offender],
    policy: Policy,
    week_start: date,
    groups: dict[tuple[str, str], list[DueVisit]],
    rest: list[Unscheduled],
    unit_of: dict[str, str],
) -> dict[str, Unscheduled]:
    """Add to each household with a member due its members only not due yet (first
    visits with no drawn options of their own: any time the stop has); returns their
    reasons for not being due, by offender id."""
    index = {o.id: i for i, o in enumerate(offenders)}
    early: dict[str, Unscheduled] = {}
    for u in rest:
        off = offenders[index[u.offender_id]]
        if off.household is None or u.reason is not UnscheduledReason.NOT_DUE:
            continue
        key = (off.household, unit_of[off.manager_id])
        if key in groups:
            when = u.due_date or week_start
            dv = DueVisit(index[off.id], off.id, when, urgency(off, policy, when, week_start))
            groups[key].append(dv)
            early[off.id] = u
    return early


def _stop_offender(members: list[Offender]) -> Offender | None:
    """The offender the planner places for a stop: the lead, out whenever any member is,
    with two officers if any member needs two and any member's officer-gender rule;
    None when two members' gender rules conflict (then each is visited on their own)."""
    genders = {m.officer_gender for m in members if m.officer_gender is not None}
    if len(genders) > 1:
        return None
    lead = members[0]
    if len(members) < 2:
        return lead
    unavailable = Unavailability(
        dates=tuple(r for m in members for r in m.unavailable.dates),
        weekly=tuple(w for m in members for w in m.unavailable.weekly),
        timed=tuple(t for m in members for t in m.unavailable.timed),
    )
    return lead.model_copy(
        update={
            "unavailable": unavailable,
            "two_officers": any(m.two_officers for m in members),
            "officer_gender": next(iter(genders), None),
        }
    )


def _stop_service_s(members: list[Offender], policy: Policy) -> int:
    """The stop's length: the members' visit times added up, or the longest."""
    minutes = [policy.visit_minutes[m.tier] for m in members]
    return 60 * (sum(minutes) if policy.households.service == "sum" else max(minutes))


def expand_households(
    households: list[Household],
    register: Register,
    visits: list[Visit],
    unscheduled: list[Unscheduled],
    days: list[OfficerDay],
) -> tuple[list[Visit], list[Unscheduled], list[OfficerDay]]:
    """Every member's own visit at their household's stop (or their own reason it was
    left out), from the lead's; each officer-day counts every member's visit."""
    if not households:
        return visits, unscheduled, days
    offenders = register.offenders
    by_lead = {h.merged.offender_id: h for h in households}
    out_visits: list[Visit] = []
    extra: dict[tuple[str, date], int] = defaultdict(int)
    for v in visits:
        h = by_lead.get(v.offender_id)
        if h is None or v.short_notice:
            out_visits.append(v)
            continue
        for n, m in enumerate(h.members):
            out_visits.append(_member_visit(v, m, offenders[m.index], first=n == 0))
        for oid in v.officer_ids:
            extra[oid, v.date] += len(h.members) - 1
    out_unscheduled: list[Unscheduled] = []
    for u in unscheduled:
        h = by_lead.get(u.offender_id)
        if h is None:
            out_unscheduled.append(u)
            continue
        early = {e.offender_id: e for e in h.not_due}
        out_unscheduled += [
            early.get(m.offender_id) or _member_left_out(u, m, offenders[m.index])
            for m in h.members
        ]
    out_days = [
        d.model_copy(update={"visits": d.visits + extra[d.officer_id, d.date]})
        if extra.get((d.officer_id, d.date))
        else d
        for d in days
    ]
    return out_visits, out_unscheduled, out_days


def _member_visit(stop: Visit, member: DueVisit, offender: Offender, *, first: bool) -> Visit:
    """A member's own visit at the stop: the stop's officers and times, their own due
    date, urgency and cover flag; the travel to the address on the first member's row."""
    return stop.model_copy(
        update={
            "offender_id": offender.id,
            "tier": offender.tier,
            "due_date": member.due_date,
            "urgency": round(member.urgency, 3),
            "cover": stop.officer_ids[0] != offender.manager_id,
            "travel_to_s": stop.travel_to_s if first else 0,
            "household": offender.household,
        }
    )


def _member_left_out(stop: Unscheduled, member: DueVisit, offender: Offender) -> Unscheduled:
    return stop.model_copy(
        update={"offender_id": offender.id, "tier": offender.tier, "due_date": member.due_date}
    )
