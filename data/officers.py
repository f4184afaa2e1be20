"""The officers of a scenario's teams: gender, day / late / Saturday shifts and visit
hours, drawn per team."""

from __future__ import annotations

from datetime import time

import numpy as np

from data.apportion import stochastic_round
from data.parameters import (
    DAY_SHIFT,
    LATE_SHIFT,
    LATE_SHIFT_SHARE,
    OFFENDERS_PER_OFFICER,
    OFFICER_FEMALE_SHARE,
    SATURDAY_SHARE,
    SATURDAY_SHIFT,
    VISIT_HOURS,
)
from data.teams import Team
from models.common import ClockWindow, Location, Weekday
from models.offender import Gender
from models.officer import Officer, Shift


def clock(start: str, end: str) -> ClockWindow:
    return ClockWindow(start=time.fromisoformat(start), end=time.fromisoformat(end))


def draw_officers(rng: np.random.Generator, teams: list[Team]) -> tuple[list[Officer], np.ndarray]:
    """Officer objects and each officer's gender code (1 = female)."""
    day, late, sat = clock(*DAY_SHIFT), clock(*LATE_SHIFT), clock(*SATURDAY_SHIFT)
    officers: list[Officer] = []
    female_codes: list[int] = []
    for t in teams:
        k = len(t.officer_ids)
        female = np.zeros(k, dtype=bool)
        female[rng.permutation(k)[: stochastic_round(rng, OFFICER_FEMALE_SHARE * k)]] = True
        is_late = np.zeros(k, dtype=bool)
        is_late[rng.permutation(k)[: stochastic_round(rng, LATE_SHIFT_SHARE * k)]] = True
        is_sat = np.zeros(k, dtype=bool)
        is_sat[rng.permutation(k)[: stochastic_round(rng, SATURDAY_SHARE * k)]] = True
        hours = rng.choice(VISIT_HOURS, size=k)
        for i in range(k):
            pattern = {d: day for d in range(5)}
            if is_sat[i]:
                del pattern[int(rng.integers(5))]
                pattern[Weekday.SAT] = sat
            if is_late[i]:
                weekdays = sorted(d for d in pattern if d < Weekday.SAT)
                pattern[weekdays[int(rng.integers(len(weekdays)))]] = late
            officers.append(
                Officer(
                    id=t.officer_ids[i],
                    team=t.name,
                    base=Location(
                        lat=round(float(t.base_lat[i]), 5), lon=round(float(t.base_lon[i]), 5)
                    ),
                    shifts=tuple(
                        Shift(day=Weekday(d), window=w) for d, w in sorted(pattern.items())
                    ),
                    visit_hours=float(hours[i]),
                    caseload_cap=OFFENDERS_PER_OFFICER,
                    gender=Gender.FEMALE if female[i] else Gender.MALE,
                )
            )
            female_codes.append(int(female[i]))
    return officers, np.array(female_codes, dtype=np.int64)
