"""Slot mix: how many visits each (weekday, time slot) should draw, given who is on duty.

The policy's slot shares say how visits *should* spread over the day (guidance: vary
days and times, including evenings and weekends). A unit can only make the visits its
shifts staff: if one officer in three works one late shift a week, drawing a third of
visits into evenings overflows them, and the optimiser moves the overflow back to
daytime, so the realised visits bunch on a few weekday pairs an offender can learn.

The most unpredictable mix the unit can carry is the maximum-entropy one under capacity:
each (weekday, slot) gets the policy's share scaled by one common level, but never more
than its share of the week's officer hours can carry (water-filling). Pairs with spare
capacity share what the full ones cannot take. It is uniform (or the policy's shares)
when every pair can carry its share, and proportional to staffed hours when the unit is
fully loaded. The planner draws from it, and the predictability audit holds the realised
visits to it as the baseline: it is the best this staffing allows, and the report shows
how much more random the policy's own mix would be (more late and weekend shifts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from models import OffenderStatus, Officer, Policy, TimeSlot, Weekday
from models.offender import Offender
from scheduler.core.windows import staffed_policy, subtract
from scheduler.timing.gaps import gap_pmf, mean_gap

WEEK_DAYS = 7
Pair = tuple[Weekday, str]

#: [ESTIMATE] Officer time per visit over visit time, travel included: about 1.2 in a
#: dense city, 2 in rural areas. It only sets how full the unit is assumed to be, i.e. how
#: far a thinly staffed evening's cap binds; a high value errs towards drawing in
#: proportion to staffed hours.
TRAVEL_ALLOWANCE = 1.5


def staffed_hours(policy: Policy, officers: Iterable[Officer]) -> dict[Pair, float]:
    """Officer visit-hours on duty in each (weekday, slot) of a week: for each shift, the
    time in which a visit can start inside the slot and end (the shortest visit) inside
    the shift, times the share of the shift the officer may spend on visits. Slots do
    not overlap in start times, so no hour counts twice."""
    shortest_s = min(policy.visit_minutes.values()) * 60
    hours: dict[Pair, float] = {
        (wd, s.name): 0.0 for s in policy.slots for wd in sorted(policy.slot_days(s))
    }
    for o in officers:
        if o.visit_hours <= 0:
            continue
        for sh in o.shifts:
            length_h = (sh.window.end_s - sh.window.start_s) / 3600
            if length_h <= 0:
                continue
            visiting = min(o.visit_hours / length_h, 1.0)
            for slot in policy.slots:
                if (sh.day, slot.name) not in hours:
                    continue
                start = max(sh.window.start_s, slot.window.start_s)
                end = min(sh.window.end_s - shortest_s, slot.window.end_s)
                if end > start:
                    hours[(sh.day, slot.name)] += visiting * (end - start) / 3600
    return hours


def water_fill(wanted: Sequence[float], caps: Sequence[float]) -> np.ndarray:
    """The distribution ``p = min(level * wanted, caps)`` summing to 1: the closest to
    ``wanted`` (and the most even, for equal wants) that no cap is exceeded by. When the
    caps add up to less than 1 (an overloaded unit) it is ``caps`` normalised."""
    w = np.asarray(wanted, dtype=float)
    c = np.asarray(caps, dtype=float)
    if len(w) == 0:
        return w
    if c.sum() <= 1.0 + 1e-12 or w.sum() <= 0:
        base = c if c.sum() > 0 else np.ones_like(c)
        return np.asarray(base / base.sum())
    lo, hi = 0.0, 1.0
    while np.minimum(hi * w, c).sum() < 1.0:
        hi *= 2.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if np.minimum(mid * w, c).sum() < 1.0:
            lo = mid
        else:
            hi = mid
    p = np.minimum(hi * w, c)
    return np.asarray(p / p.sum())


def expected_load(
    offenders: Iterable[Offender], officers: Sequence[Officer], policy: Policy
) -> float:
    """Expected share of the unit's weekly visit hours its visits take: attempts a week
    from each active offender's gap budget and the failed-visit share, times visit time
    (twice for two-officer visits) and :data:`TRAVEL_ALLOWANCE`, over the officers'
    visit hours on their working days."""
    hours = sum(o.visit_hours * len(o.shifts) for o in officers)
    if hours <= 0:
        return 1.0
    per_success = 1.0 / (1.0 - policy.failed_visit_share)
    gap: dict[tuple[str, int], float] = {}
    need_h = 0.0
    for off in offenders:
        if off.status is not OffenderStatus.ACTIVE:
            continue
        interval = policy.interval_for(off.tier, off.interval_days)
        key = (off.tier.value, interval)
        if key not in gap:
            gap[key] = mean_gap(
                gap_pmf(policy.gap_shape, interval, policy.gap_mean_share[off.tier])
            )
        crew = 2 if off.two_officers else 1
        need_h += WEEK_DAYS / gap[key] * per_success * crew * policy.visit_minutes[off.tier] / 60
    return need_h * TRAVEL_ALLOWANCE / hours


def slot_mix(policy: Policy, officers: Sequence[Officer], load: float) -> dict[Pair, float]:
    """The share of visits each staffed (weekday, slot) should draw: the policy's shares
    water-filled under each pair's share of the staffed hours divided by ``load``."""
    return _mix(policy, staffed_hours(policy, officers), load)


def _mix(policy: Policy, hours: dict[Pair, float], load: float) -> dict[Pair, float]:
    pairs = [k for k, h in hours.items() if h > 0] or list(hours)
    total = sum(hours[k] for k in pairs)
    wanted = [_slot(policy, name).share for _, name in pairs]
    if total <= 0:
        return dict(zip(pairs, water_fill(wanted, [1.0] * len(pairs)).tolist(), strict=True))
    caps = [hours[k] / total / max(load, 1e-9) for k in pairs]
    return dict(zip(pairs, water_fill(wanted, caps).tolist(), strict=True))


def available_pairs(offender: Offender, policy: Policy) -> frozenset[tuple[int, str]]:
    """The (weekday, slot)s at which the offender is at home for a visit of their tier
    started in the slot, by their weekly unavailability (work, appointments; dated
    absences pass). Every policy pair if they have no weekly pattern."""
    visit_s = policy.visit_minutes[offender.tier] * 60
    out = set()
    for slot in policy.slots:
        for wd in policy.slot_days(slot):
            blocked = [
                (max(0, w.window.start_s - visit_s + 1), w.window.end_s)
                for w in offender.unavailable.weekly
                if wd in w.days
            ]
            if subtract([(slot.window.start_s, slot.window.end_s)], blocked):
                out.add((int(wd), slot.name))
    return frozenset(out)


def drawing_policy(
    policy: Policy, officers: Sequence[Officer], offenders: Iterable[Offender] = ()
) -> Policy:
    """The policy the planner draws visit days and times from: slots narrowed to the
    weekdays some shift staffs (:func:`~scheduler.core.windows.staffed_policy`), with each
    slot's per-weekday share set by :func:`slot_mix` at the register's expected load
    (full load without offenders). Deterministic in its inputs, so a plan's seed replays
    it."""
    offenders = list(offenders)
    load = expected_load(offenders, officers, policy) if offenders else 1.0
    narrowed = staffed_policy(policy, officers)
    hours = staffed_hours(narrowed, officers)
    if not any(h > 0 for h in hours.values()):
        return narrowed
    mix = _mix(narrowed, hours, load)
    slots = []
    for s in narrowed.slots:
        days = {wd: mix.get((wd, s.name), 0.0) for wd in narrowed.slot_days(s)}
        slots.append(s.model_copy(update={"day_share": days}))
    return narrowed.model_copy(update={"slots": tuple(slots)})


def _slot(policy: Policy, name: str) -> TimeSlot:
    return next(s for s in policy.slots if s.name == name)


__all__ = [
    "available_pairs",
    "drawing_policy",
    "expected_load",
    "slot_mix",
    "staffed_hours",
    "water_fill",
]
