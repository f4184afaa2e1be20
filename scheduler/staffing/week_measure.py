"""The end of a simulated week: every active offender's standing under both measures
(:class:`scheduler.staffing.result.Measure`), why the late ones are late, and the week's
and each officer's row."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from models import OffenderStatus, Policy, Register, RiskTier, Rota, VisitOutcome
from scheduler.history.state import History, standing
from scheduler.staffing.result import TIERS, OfficerWeek, SimulationResult, WeekRow
from scheduler.staffing.world import WEEK, SimState
from scheduler.timing.visits import VisitRecord


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


def measure_week(
    w: int,
    monday: date,
    rota: Rota,
    outcomes: list[VisitRecord],
    register: Register,
    state: SimState,
    policy: Policy,
    result: SimulationResult,
) -> tuple[WeekRow, list[OfficerWeek]]:
    """The week's row and its officers' rows; after the warm-up, every active offender's
    compliance is added to ``result``'s tallies (and ``state`` learns who is active)."""
    sunday = monday + timedelta(days=WEEK - 1)
    standing_ = _offender_standing(w, monday, sunday, rota, outcomes, state, policy, result)
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
        active=standing_.active,
        officers=len(register.officers),
        officer_days_absent=absent,
        due=first_visits + shortfall,
        planned=len(rota.visits),
        revisits=sum(v.short_notice for v in rota.visits),
        rebooked=sum(v.rebooked for v in rota.visits),
        completed=completed,
        failed=len(outcomes) - completed,
        shortfall=shortfall,
        overdue={t: standing_.overdue[t] for t in TIERS},
        longest_gap=standing_.longest,
        missing=standing_.missing,
        away=standing_.away,
        travel_h=sum(d.travel_s for d in rota.officer_days) / 3600,
        busy_h=sum(busy.values()) / 3600,
        budget_h=sum(budget.values()) / 3600,
    )
    return row, officer_rows


@dataclass
class _Standing:
    """The register at the end of a week: overdue and longest gap per tier, missing,
    away and active offenders."""

    overdue: Counter[RiskTier] = field(default_factory=Counter)
    longest: dict[RiskTier, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))
    missing: int = 0
    away: int = 0
    active: int = 0


def _offender_standing(
    w: int,
    monday: date,
    sunday: date,
    rota: Rota,
    outcomes: list[VisitRecord],
    state: SimState,
    policy: Policy,
    result: SimulationResult,
) -> _Standing:
    """Every offender's standing at ``sunday``; after the warm-up, the on-time and
    attempted tallies and the late causes go into ``result``."""
    history = History(state.history)
    out = _Standing()
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
            out.missing += 1
        if status is not OffenderStatus.ACTIVE:
            out.away += (
                status is not OffenderStatus.MISSING and status is not OffenderStatus.REACTIVE
            )
            inactive.add(off.id)
            continue
        if off.id in state.inactive:
            state.returned[off.id] = sunday
        out.active += 1
        last = st.offender.last_visit or state.registered.get(off.id, monday)
        gap = (sunday - last).days
        interval = policy.interval_for(off.tier, off.interval_days)
        out.longest[off.tier] = max(out.longest[off.tier], state.longest.get(off.id, 0), gap)
        late = gap > interval + policy.grace_days
        out.overdue[off.tier] += late
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
    return out


__all__ = [
    "CANCELLED",
    "KNOCKED_LATE",
    "NOT_PLANNED",
    "attempted_on_time",
    "late_cause",
    "measure_week",
]
