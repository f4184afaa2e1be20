"""Visit histories as the audit reads them: each recorded attempt, each planned visit, and
one offender's history reduced to what the attackers see."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from models import Policy, RiskTier, VisitOutcome

#: Outcomes at which the offender saw the police at the door (used by the slot attacker).
ATTENDED = frozenset({VisitOutcome.COMPLETED, VisitOutcome.NO_ANSWER, VisitOutcome.REFUSED_ENTRY})

Label = tuple[int, str]  # (weekday, slot name)


@dataclass(frozen=True)
class VisitRecord:
    """One visit attempt as recorded (or simulated). ``slot`` is the policy slot name (None
    when unknown); ``interval_days`` a per-person override of the tier interval."""

    offender_id: str
    tier: RiskTier
    date: dt.date
    slot: str | None
    outcome: VisitOutcome
    interval_days: int | None = None


@dataclass(frozen=True)
class PlannedRecord:
    """A visit as the plan had it, to compare with what was recorded."""

    offender_id: str
    date: dt.date
    slot: str | None


@dataclass(frozen=True)
class OffenderSequence:
    """One offender's history as the attackers see it: attended visits' (weekday, slot)s
    and the gaps between successful visits."""

    offender_id: str
    tier: RiskTier
    interval: int
    labels: tuple[Label, ...]  # attended visits with a known slot, in date order
    weekdays: tuple[int, ...]  # every attended visit
    slots: tuple[str, ...]
    gaps: tuple[int, ...]  # between successful visits (same-day successes count once)
    censored: int | None  # days from the last successful visit to the end of the history
    completed: int


def offender_sequences(
    visits: Sequence[VisitRecord], policy: Policy, as_of: dt.date
) -> list[OffenderSequence]:
    """Each offender's visits up to ``as_of``, in id order; tier and interval override
    are those of their latest record."""
    by_offender: dict[str, list[VisitRecord]] = defaultdict(list)
    for v in visits:
        if v.date <= as_of:
            by_offender[v.offender_id].append(v)
    out = []
    for oid in sorted(by_offender):
        rows = sorted(by_offender[oid], key=lambda v: v.date)
        tier = rows[-1].tier
        override = next((v.interval_days for v in reversed(rows) if v.interval_days), None)
        attended = [v for v in rows if v.outcome in ATTENDED]
        done = sorted({v.date for v in rows if v.outcome is VisitOutcome.COMPLETED})
        out.append(
            OffenderSequence(
                offender_id=oid,
                tier=tier,
                interval=policy.interval_for(tier, override),
                labels=tuple((v.date.weekday(), v.slot) for v in attended if v.slot),
                weekdays=tuple(v.date.weekday() for v in attended),
                slots=tuple(v.slot for v in attended if v.slot),
                gaps=tuple((b - a).days for a, b in zip(done, done[1:], strict=False)),
                censored=(as_of - done[-1]).days if done else None,
                completed=len(done),
            )
        )
    return out
