"""Secret draws of visit days and times: (day, slot) options drawn by the policy's slot
shares among the slots open at which the offender is at home."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from models import Policy, TimeSlot, Weekday

#: The (weekday, slot)s an offender is at home for a visit; None: always.
Home = frozenset[tuple[int, str]] | None


def draw_index(rng: np.random.Generator, p: np.ndarray) -> int:
    """One draw from a probability vector (inverse CDF: one uniform per draw, cheaper
    than ``Generator.choice`` for the many small draws of a week)."""
    c = np.cumsum(p)
    return int(min(np.searchsorted(c, rng.random() * c[-1], side="right"), len(p) - 1))


def draw_options(
    rng: np.random.Generator,
    policy: Policy,
    week_start: date,
    days: list[tuple[int, float]],
    slot_weight: dict[str, float],
    first_day: int | None = None,
    home: Home = None,
) -> tuple[tuple[int, str], ...]:
    """``Policy.visit_options`` distinct (day, slot) options: the first on ``first_day``
    when given (the drawn date), the others with days drawn by weight; each slot drawn
    by the policy's shares among the slots open that weekday at which the offender is at
    ``home`` (:func:`~scheduler.timing.slot_mix.available_pairs`; None: every slot). An option
    drawn while the offender is at work is one the optimiser cannot use."""
    day_of = {d: week_start + timedelta(days=int(d)) for d, _ in days}
    if first_day is not None:
        day_of[first_day] = week_start + timedelta(days=first_day)
    mass_of = {d: day_mass(policy, day, home) for d, day in day_of.items()}
    if home is not None and not any(mass_of.values()):
        home = None  # never at home at a drawable time: draw as if always
        mass_of = {d: day_mass(policy, day) for d, day in day_of.items()}
    if first_day is not None and not mass_of[first_day]:
        first_day = None  # not at home on the drawn date: its days' weights decide
    days = [(d, w) for d, w in days if w > 0] or [(d, 1.0) for d, _ in days]
    if first_day is not None and all(d != first_day for d, _ in days):
        days.append((first_day, 0.0))
    if not days:
        return ()
    day_ids = np.array([d for d, _ in days])
    # Each day weighted by how much of the week's visiting its slots should take.
    p = np.array([w * mass_of[d] for d, w in days], dtype=float)
    p = p / p.sum() if p.sum() > 0 else np.full(len(p), 1 / len(p))
    out: list[tuple[int, str]] = []
    for attempt in range(4 * policy.visit_options):
        if len(out) >= policy.visit_options:
            break
        d = (
            first_day
            if attempt == 0 and first_day is not None
            else int(day_ids[draw_index(rng, p)])
        )
        slot = draw_slot(rng, policy, day_of[d], slot_weight, home)
        if slot is not None and (d, slot) not in out:
            out.append((d, slot))
    return tuple(sorted(out))


def open_slots(policy: Policy, day: date, home: Home) -> list[TimeSlot]:
    """The policy slots open on ``day``'s weekday at which the offender is at home."""
    wd = Weekday(day.weekday())
    return [
        s
        for s in policy.slots
        if wd in policy.slot_days(s) and (home is None or (int(wd), s.name) in home)
    ]


def draw_slot(
    rng: np.random.Generator,
    policy: Policy,
    day: date,
    slot_weight: dict[str, float],
    home: Home = None,
) -> str | None:
    wd = Weekday(day.weekday())
    slots = open_slots(policy, day, home)
    if not slots:
        return None
    w = np.array([s.share_on(wd) * slot_weight.get(s.name, 1.0) for s in slots])
    w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1 / len(w))
    return slots[draw_index(rng, w)].name


def day_mass(policy: Policy, day: date, home: Home = None) -> float:
    """The policy's total share of the slots open (at home) on ``day``'s weekday: equal
    on every day unless the planner set per-weekday shares from the unit's staffed
    hours, or the offender is out at fixed weekly times."""
    wd = Weekday(day.weekday())
    return sum(s.share_on(wd) for s in open_slots(policy, day, home))
