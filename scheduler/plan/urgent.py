"""Why an urgent visit could not be planned before its deadline, and what would let it:
which officers are on duty while the offender is at home before then, how full their
days are, or that two officers are needed and only one is free."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from models import Policy, Register, Rota
from scheduler.core.windows import DAY_S, Intervals, intersect, offender_windows, officer_window
from scheduler.plan.replan import Urgent


def urgent_refusal(
    u: Urgent,
    rota: Rota,
    register: Register,
    policy: Policy,
    start: date,
    absences: dict[str, set[date]],
) -> str:
    """One paragraph: the reason the re-plan missed ``u``, and what would let it."""
    offender = next((o for o in register.offenders if o.id == u.offender_id), None)
    if offender is None:
        return f"{u.offender_id} is not on the register the week was planned from"
    unit = next(o.planning_unit for o in register.officers if o.id == offender.manager_id)
    service = policy.visit_minutes[offender.tier] * 60
    openings: list[str] = []
    on_duty: set[str] = set()
    day = max(start, rota.week_start)
    while day <= u.deadline.date() and day < rota.week_start + timedelta(days=7):
        end = _deadline_s(u.deadline, day)
        home = offender_windows(offender, policy, day, service)
        for officer in register.officers:
            if officer.planning_unit != unit or day in absences.get(officer.id, set()):
                continue
            times = intersect(intersect(home, officer_window(officer, day, service)), [(0, end)])
            if times:
                on_duty.add(officer.id)
                openings.append(
                    f"{officer.id} {day:%a} {_span(times)}{_load(rota, officer.id, day)}"
                )
        day += timedelta(days=1)
    by = f"{u.deadline:%a %d %b %H:%M}"
    if not openings:
        return (
            f"no officer of unit {unit} is on duty while {offender.id} is at home before "
            f"{by}: a later deadline, or an officer on shift at such a time, would let it"
        )
    if (u.two_officers or offender.two_officers) and len(on_duty) < 2:
        return (
            f"two officers are needed and only {', '.join(sorted(on_duty))} is on duty while "
            f"{offender.id} is at home before {by}; a second officer on shift then, or one "
            "officer, would let it"
        )
    return (
        f"the visit hours before {by} are taken by other visits; it would fit if one of "
        f"these had time freed (unpin or move a visit): {'; '.join(openings[:6])}"
    )


def _deadline_s(deadline: datetime, day: date) -> int:
    """The deadline as a second of ``day`` (a whole day when it is later)."""
    if deadline.date() > day:
        return DAY_S
    return deadline.hour * 3600 + deadline.minute * 60


def _span(times: Intervals) -> str:
    s, e = times[0][0], times[-1][1]
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}-{e // 3600:02d}:{e % 3600 // 60:02d}"


def _load(rota: Rota, officer_id: str, day: date) -> str:
    found = next(
        (d for d in rota.officer_days if d.officer_id == officer_id and d.date == day), None
    )
    if found is None:
        return ""
    return f" ({found.busy_s / 3600:.1f} of {found.budget_s / 3600:.1f} h booked)"


__all__ = ["urgent_refusal"]
