"""A visit's secret (day, slot) options against its feasible windows: cutting the
windows down to the drawn options, redrawing options when every drawn one is infeasible,
and keeping a re-attempt off the failed attempt's weekday and time of day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np

from models import Policy, Weekday
from scheduler.core.windows import Intervals, intersect, merge, subtract
from scheduler.plan.due import DueVisit


def restrict_to_options(
    by_officer_day: dict[tuple[int, int], Intervals],
    options: tuple[tuple[int, str], ...],
    policy: Policy,
    days: list[date],
) -> dict[tuple[int, int], Intervals]:
    """Cut a visit's feasible (officer, day) windows down to its secret (day, slot)
    options; no options means no restriction. The result may be empty (the drawn options
    are all infeasible): the caller then falls back to every feasible option.

    The optimiser then minimises travel only among the drawn options, so it cannot pull
    every visit to the same convenient morning: the loss of randomness is bounded by the
    number of options.
    """
    if not options:
        return by_officer_day
    spans = {s.name: (s.window.start_s, s.window.end_s) for s in policy.slots}
    wanted: dict[int, Intervals] = {}
    for d, name in options:
        if name in spans and 0 <= d < len(days):
            wanted.setdefault(d, []).append(spans[name])
    out: dict[tuple[int, int], Intervals] = {}
    for (k, d), iv in by_officer_day.items():
        if d in wanted:
            cut = intersect(iv, merge(wanted[d]))
            if cut:
                out[(k, d)] = cut
    return out


def feasible_options(
    by_officer_day: dict[tuple[int, int], Intervals], policy: Policy, days: list[date]
) -> list[tuple[int, str]]:
    """Every (day, policy slot) in which some officer could start the visit."""
    out = []
    for d, day in enumerate(days):
        ivs = merge([iv for (_, dd), ivs in by_officer_day.items() if dd == d for iv in ivs])
        if not ivs:
            continue
        for slot in policy.slots:
            if Weekday(day.weekday()) in policy.slot_days(slot) and intersect(
                ivs, [(slot.window.start_s, slot.window.end_s)]
            ):
                out.append((d, slot.name))
    return out


def redraw_options(
    by_officer_day: dict[tuple[int, int], Intervals],
    dv: DueVisit,
    policy: Policy,
    days: list[date],
    rng: np.random.Generator,
) -> tuple[tuple[int, str], ...]:
    """New secret options when every drawn one is infeasible: drawn among the feasible
    ones by the policy's slot shares, on or before the due day when possible, so the
    fallback is as random as the first draw rather than the optimiser's favourite."""
    options = feasible_options(by_officer_day, policy, days)
    last = (dv.due_date - days[0]).days
    timely = [o for o in options if o[0] <= last] or options
    if not timely:
        return ()
    slot = {s.name: s for s in policy.slots}
    w = np.array(
        [slot[name].share_on(Weekday(days[d].weekday())) for d, name in timely], dtype=float
    )
    w += 1e-9
    n = min(policy.visit_options, len(timely))
    picked = rng.choice(len(timely), size=n, replace=False, p=w / w.sum())
    return tuple(sorted(timely[int(i)] for i in picked))


def avoid_failed_attempt(
    by_officer_day: dict[tuple[int, int], Intervals],
    dv: DueVisit,
    policy: Policy,
    days: list[date],
    *,
    usable: Callable[[dict[tuple[int, int], Intervals]], bool] = bool,
) -> dict[tuple[int, int], Intervals]:
    """A re-attempt after a failed visit goes on another weekday and at another time of
    day: drop the failed attempt's weekday and its policy slot from the visit's options.

    If nothing ``usable`` would be left (e.g. the offender is only ever home on weekday
    evenings; for a two-officer visit, no two officers together), the weekday alone is
    avoided, then the slot alone, then neither: a re-attempt at the same time beats no
    visit.
    """
    if dv.avoid_weekday is None and dv.avoid_slot is None:
        return by_officer_day
    slot_spans = [
        (s.window.start_s, s.window.end_s) for s in policy.slots if s.name == dv.avoid_slot
    ]
    for weekday, spans in (
        (dv.avoid_weekday, slot_spans),
        (dv.avoid_weekday, []),
        (None, slot_spans),
    ):
        out: dict[tuple[int, int], Intervals] = {}
        for (k, d), iv in by_officer_day.items():
            if weekday is not None and days[d].weekday() == weekday:
                continue
            left = subtract(iv, spans)
            if left:
                out[(k, d)] = left
        if usable(out):
            return out
    return by_officer_day
