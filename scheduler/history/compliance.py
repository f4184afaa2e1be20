"""Compliance view of the whole register on one day: every offender in exactly one state,
with the action it calls for.

States are checked in this order; the first that applies is the offender's state:

======================  =====================================================================
state                   when
======================  =====================================================================
missing_escalate        not at address (outcome) or missing on the register
in_custody, in_hospital from an outcome until its re-check date, or from the register
abroad
warrant_s96b            ``Policy.warrant_after_failed_entries`` (2) or more failed attempts to
                        gain entry in a row
reactive                reactive management (no scheduled visits)
escalate_manager        high / very high, not successfully visited within interval + grace
                        (from the first day; never visited counts)
overdue                 past the interval (any tier; high / very high within the grace days)
recheck_due             custody / hospital / abroad re-check date has passed
reattempt               one failed attempt to gain entry: re-attempt due
due_soon                due within ``Policy.due_soon_days``
visited                 successfully visited within the interval, not due soon
======================  =====================================================================
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from models import OffenderStatus, Policy, Register, RiskTier
from scheduler.history.state import History, standing


class ComplianceState(StrEnum):
    MISSING = "missing_escalate"
    IN_CUSTODY = "in_custody"
    IN_HOSPITAL = "in_hospital"
    ABROAD = "abroad"
    WARRANT = "warrant_s96b"
    REACTIVE = "reactive"
    ESCALATE = "escalate_manager"
    OVERDUE = "overdue"
    RECHECK_DUE = "recheck_due"
    REATTEMPT = "reattempt"
    DUE_SOON = "due_soon"
    VISITED = "visited"

    @property
    def needs_action(self) -> bool:
        return self not in (ComplianceState.VISITED, ComplianceState.REACTIVE)


S = ComplianceState

ACTIONS: dict[ComplianceState, str] = {
    S.MISSING: "possible breach of notification requirements: consider circulating as "
    "wanted/missing",
    S.IN_CUSTODY: "tracked: re-check release date by the re-check date",
    S.IN_HOSPITAL: "tracked: re-check discharge date by the re-check date",
    S.ABROAD: "tracked: re-check return date by the re-check date",
    S.WARRANT: "eligible for a section 96B warrant application (failed attempts to gain entry)",
    S.REACTIVE: "reactive management: visit on new information",
    S.ESCALATE: "escalate to the unit manager: high-risk offender not visited within interval",
    S.OVERDUE: "visit overdue: plan it first",
    S.RECHECK_DUE: "re-check date passed: confirm whereabouts and record the outcome",
    S.REATTEMPT: "failed attempt: re-attempt at another weekday and time of day",
    S.DUE_SOON: "visit due soon",
    S.VISITED: "visited within interval",
}

_TRACKED = {
    OffenderStatus.IN_CUSTODY: S.IN_CUSTODY,
    OffenderStatus.IN_HOSPITAL: S.IN_HOSPITAL,
    OffenderStatus.ABROAD: S.ABROAD,
}


@dataclass(frozen=True)
class ComplianceRow:
    offender_id: str
    tier: RiskTier
    manager_id: str
    state: ComplianceState
    last_visit: dt.date | None
    due_date: dt.date | None
    #: Days past the due date (last visit + interval); None when not overdue or never
    #: visited (``last_visit`` None: overdue, with no date to count from).
    days_overdue: int | None
    failed_in_a_row: int
    recheck_date: dt.date | None
    detail: str

    @property
    def action(self) -> str:
        return ACTIONS[self.state]

    def record(self) -> dict[str, Any]:
        rec = asdict(self)
        rec["tier"] = self.tier.value
        rec["state"] = self.state.value
        rec["action"] = self.action
        for k in ("last_visit", "due_date", "recheck_date"):
            rec[k] = rec[k].isoformat() if rec[k] else ""
        rec["days_overdue"] = "" if self.days_overdue is None else self.days_overdue
        return rec


@dataclass(frozen=True)
class ComplianceReport:
    as_of: dt.date
    rows: tuple[ComplianceRow, ...]
    register_size: int
    #: Offenders with recorded outcomes who are not on this register.
    off_register: tuple[str, ...] = ()

    def counts(self) -> dict[ComplianceState, int]:
        c = Counter(r.state for r in self.rows)
        return {s: c.get(s, 0) for s in ComplianceState}

    @property
    def balanced(self) -> bool:
        """Every offender on the register is in exactly one state."""
        ids = [r.offender_id for r in self.rows]
        return sum(self.counts().values()) == self.register_size == len(set(ids))


def assess(
    register: Register, policy: Policy, as_of: dt.date, history: History | None = None
) -> ComplianceReport:
    """Each offender's state on ``as_of``, from the register and the recorded outcomes."""
    rows = tuple(_row(o, policy, as_of, history) for o in register.offenders)
    on_register = {o.id for o in register.offenders}
    off = tuple(sorted(set(history.by_offender) - on_register)) if history else ()
    return ComplianceReport(as_of, rows, len(register.offenders), off)


def _row(registered: Any, policy: Policy, as_of: dt.date, history: History | None) -> ComplianceRow:
    st = standing(registered, history, as_of)
    off = st.offender
    interval = policy.interval_for(off.tier, off.interval_days)
    last = off.last_visit
    due = last + timedelta(days=interval) if last is not None else None
    late = (as_of - due).days if due is not None else None  # < 0: not yet due
    # Never visited counts as overdue: the register has no registration date to count from.
    is_overdue = late is None or late > 0
    overdue = late if late is not None and late > 0 else None
    failed = len(st.failed_entries)
    cond = st.condition or st.lapsed
    recheck = cond.recheck if cond is not None else None
    detail: list[str] = []
    if last is None:
        detail.append("never visited")
    elif overdue:
        detail.append(f"{overdue} days overdue")
    if failed:
        detail.append(f"{failed} failed attempt(s) to gain entry in a row")
    if st.arms_done is False:
        detail.append("ARMS not done at last visit")
    if st.lapsed is not None:
        detail.append(f"{st.lapsed.status.value} re-check was due {st.lapsed.recheck}")

    state: ComplianceState
    if off.status is OffenderStatus.MISSING:
        state = S.MISSING
        where = f"not at address on {st.condition.since}" if st.condition else "set on the register"
        detail.insert(0, where)
    elif off.status in _TRACKED:
        state = _TRACKED[off.status]
        detail.insert(0, f"re-check by {recheck}" if recheck else "set on the register")
    elif failed >= policy.warrant_after_failed_entries:
        state = S.WARRANT
    elif off.status is OffenderStatus.REACTIVE:
        state = S.REACTIVE
    elif off.tier.is_high and (late is None or late > policy.grace_days):
        state = S.ESCALATE
    elif is_overdue:
        state = S.OVERDUE
    elif st.lapsed is not None:
        state = S.RECHECK_DUE
    elif failed:
        state = S.REATTEMPT
        attempt = st.failed_entries[-1]
        by = attempt.date + timedelta(days=policy.reattempt_within_days)
        detail.insert(0, f"re-attempt by {by}" if by >= as_of else f"re-attempt overdue since {by}")
    elif due is not None and (due - as_of).days <= policy.due_soon_days:
        state = S.DUE_SOON
        detail.append(f"due in {(due - as_of).days} days")
    else:
        state = S.VISITED
    return ComplianceRow(
        offender_id=off.id,
        tier=off.tier,
        manager_id=off.manager_id,
        state=state,
        last_visit=last,
        due_date=due,
        days_overdue=overdue,
        failed_in_a_row=failed,
        recheck_date=recheck,
        detail="; ".join(detail),
    )
