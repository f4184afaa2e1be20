"""Manual edits: did moving planned visits by hand make the recorded visits more
predictable?"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from models import Policy, Weekday
from scheduler.timing.attackers import hit_rate, slot_attacker_hits
from scheduler.timing.scores import EditCheck
from scheduler.timing.visits import ATTENDED, Label, PlannedRecord, VisitRecord

#: Planned-to-recorded changes smaller than this are not worth a warning.
EDIT_TOLERANCE = 0.01
#: Recorded visits this many days or fewer from a planned visit of the same offender can
#: be that planned visit, moved.
EDIT_MATCH_DAYS = 14


def edits_reduce_randomness(
    planned: Sequence[PlannedRecord],
    actual: Sequence[VisitRecord],
    policy: Policy,
    match_days: int = EDIT_MATCH_DAYS,
    tolerance: float = EDIT_TOLERANCE,
) -> EditCheck:
    """Compare the plan with what was recorded and warn when visits moved by hand (another
    date or slot than planned) made the attended visits more predictable: a higher slot
    attacker hit rate, or lower weekday or slot entropy, by more than ``tolerance``.

    Each planned visit is matched to the same offender's attended visit nearest in date,
    at most ``match_days`` away (closest pairs first, each visit used once); unmatched
    visits (not done yet, or unplanned) are the same in both versions.
    """
    attended = sorted(
        (v for v in actual if v.outcome in ATTENDED), key=lambda v: (v.offender_id, v.date)
    )
    as_planned = _match_planned(planned, attended, match_days)
    moved = [
        i
        for i, (day, slot) in as_planned.items()
        if day != attended[i].date or slot != attended[i].slot
    ]
    recorded = [(v.offender_id, v.date, v.slot) for v in attended]
    replanned = [
        (v.offender_id, *as_planned.get(i, (v.date, v.slot))) for i, v in enumerate(attended)
    ]
    hit_rec, wd_rec, sl_rec = _version_scores(recorded, policy)
    hit_plan, wd_plan, sl_plan = _version_scores(replanned, policy)
    destinations = Counter(
        f"{Weekday(attended[i].date.weekday()).name.lower()} {attended[i].slot or '?'}"
        for i in moved
    )
    top = destinations.most_common(1)[0] if destinations else None
    warnings = []
    if moved:
        where = f"; {top[1]} of {len(moved)} went to {top[0]}" if top else ""
        if hit_rec is not None and hit_plan is not None and hit_rec > hit_plan + tolerance:
            warnings.append(
                f"manual edits: {len(moved)} visit(s) moved by hand raise the slot attacker's "
                f"hit rate from {hit_plan:.1%} to {hit_rec:.1%}{where}"
            )
        for name, rec, plan in (("weekday", wd_rec, wd_plan), ("time-slot", sl_rec, sl_plan)):
            if rec is not None and plan is not None and rec < plan - tolerance:
                warnings.append(
                    f"manual edits: {len(moved)} visit(s) moved by hand lower {name} entropy "
                    f"from {plan:.2f} to {rec:.2f}{where}"
                )
    return EditCheck(
        matched=len(as_planned),
        moved=len(moved),
        slot_hit_rate_planned=hit_plan,
        slot_hit_rate_recorded=hit_rec,
        weekday_entropy_planned=wd_plan,
        weekday_entropy_recorded=wd_rec,
        slot_entropy_planned=sl_plan,
        slot_entropy_recorded=sl_rec,
        top_destination=top,
        warnings=tuple(warnings),
    )


def _match_planned(
    planned: Sequence[PlannedRecord], attended: Sequence[VisitRecord], match_days: int
) -> dict[int, tuple[dt.date, str | None]]:
    """Per index of a matched attended visit, the date and slot its planned visit had
    (the recorded slot where the plan named none): closest pairs first, each used once."""
    by_offender: dict[str, list[int]] = defaultdict(list)
    for i, v in enumerate(attended):
        by_offender[v.offender_id].append(i)
    pairs = sorted(
        (abs((attended[i].date - p.date).days), p.date, j, i)
        for j, p in enumerate(planned)
        for i in by_offender.get(p.offender_id, ())
        if abs((attended[i].date - p.date).days) <= match_days
    )
    used_plan: set[int] = set()
    as_planned: dict[int, tuple[dt.date, str | None]] = {}
    for _, _, j, i in pairs:
        if j in used_plan or i in as_planned:
            continue
        used_plan.add(j)
        as_planned[i] = planned[j].date, planned[j].slot or attended[i].slot
    return as_planned


def _version_scores(
    version: list[tuple[str, dt.date, str | None]], policy: Policy
) -> tuple[float | None, ...]:
    """Slot attacker hit rate, weekday entropy and slot entropy of one version (recorded
    or as planned) of the attended visits, given as (offender id, date, slot)."""
    labels: dict[str, list[Label]] = defaultdict(list)
    for oid, day, slot in sorted(version, key=lambda x: (x[0], x[1])):
        if slot:
            labels[oid].append((day.weekday(), slot))
    hits = [slot_attacker_hits(seq) for seq in labels.values()]
    n = sum(k for _, k in hits)
    weekdays = Counter(day.weekday() for _, day, _ in version)
    slots = Counter(slot for _, _, slot in version if slot)
    return (
        hit_rate(sum(h for h, _ in hits), n),
        _normalised_over(weekdays, max(len(_allowed_weekdays(policy) | set(weekdays)), 2)),
        _normalised_over(slots, max(len({s.name for s in policy.slots} | set(slots)), 2)),
    )


def _allowed_weekdays(policy: Policy) -> set[int]:
    return {int(d) for s in policy.slots for d in policy.slot_days(s)}


def _normalised_over(counts: Counter[Any], categories: int) -> float | None:
    n = np.array(list(counts.values()), dtype=float)
    if n.sum() <= 0:
        return None
    p = n[n > 0] / n.sum()
    return float(-(p * np.log(p)).sum() / math.log(categories)) + 0.0
