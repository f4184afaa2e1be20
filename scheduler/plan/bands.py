"""Travel by time of day in the weekly routing: each trip at the speed of the time its
destination is reached.

The routing model has one travel matrix (OR-Tools' transits are not time-dependent),
so each visit gets one time of day: the start of its drawn arrival windows, the slowest
of them when its options fall in different speed bands, so a planned arrival is never
reckoned on a faster road than any of its options gives. Drawn windows are narrow (a
slot of a day), which makes this a close, honest approximation; a visit with no drawn
options (a first or relaxed-timing visit) has the start of its earliest feasible
window. Trips back to base go at the speed of the last visit's time. Only the offline
model has bands (``[travel] speeds``): a road-network server's one matrix is used as it
is. docs/design/routing-search.md, "Speeds by time of day".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import numpy as np

from models import Officer, Policy
from scheduler.core.travel import TravelModel
from scheduler.core.windows import DAY_S
from scheduler.plan.candidates import Candidate
from scheduler.plan.options import restrict_to_options


def arrival_second_of_day(
    cand: Candidate,
    policy: Policy,
    days: list[date],
    speed_for: Callable[[int], float],
) -> int:
    """The time of day (seconds after midnight) a visit's travel is reckoned at: the
    start of its drawn arrival windows with the slowest speed (``speed_for``, seconds ->
    km/h); every feasible window when the draw left none."""
    drawn = restrict_to_options(cand.by_officer_day, cand.due.options, policy, days)
    starts = sorted({s for ivs in (drawn or cand.by_officer_day).values() for s, _ in ivs})
    if not starts:
        return -1
    return min(starts, key=lambda s: (speed_for(s), s)) % DAY_S


def team_travel_s(
    officers: Sequence[Officer],
    candidates: Sequence[Candidate],
    travel: TravelModel,
    policy: Policy,
    days: list[date],
) -> np.ndarray:
    """Travel seconds between the bases (rows ``0..K-1``) and the candidates' homes,
    each trip at its destination's time of day when the model has speed bands; the
    model's one matrix otherwise (so a plan without bands is unchanged)."""
    lat = np.asarray([o.base.lat for o in officers] + [c.offender.home.lat for c in candidates])
    lon = np.asarray([o.base.lon for o in officers] + [c.offender.home.lon for c in candidates])
    by_arrival = getattr(travel, "matrix_by_arrival_s", None)
    speed_for = getattr(travel, "speed_for", None)
    if not getattr(travel, "bands", ()) or by_arrival is None or speed_for is None:
        return travel.matrix_s(lat, lon)
    seconds = [-1] * len(officers) + [
        arrival_second_of_day(c, policy, days, speed_for) for c in candidates
    ]
    result: np.ndarray = by_arrival(lat, lon, np.asarray(seconds, dtype=np.int64))
    return result
