"""The scenario generator's parameters, kept in one place so they can be tuned there.

Figures are marked as in the scenario facts: [SOURCED] figures come with a source
there, [ESTIMATE] figures are working assumptions.
"""

from __future__ import annotations

from models.common import Weekday
from models.offender import OffenderStatus, RiskTier
from models.officer import DEFAULT_CASELOAD_CAP

#: [ESTIMATE] London RSOs at 31 Mar 2024 (facts §2: pop aged 10+ / 1,099), allocated to
#: boroughs pro rata to population. The ``met`` scenario drops the City of London share.
LONDON_RSOS = 7_100
#: [ESTIMATE] Offenders in the ``borough`` scenario: Croydon's pro-rata share is ~306;
#: 300 gives exactly 6 officers at 1:50, the brief's "one borough" size.
BOROUGH_RSOS = 300
BOROUGH_NAME = "Croydon"
#: [SOURCED] NSPCC: about one officer per 50 RSOs; also the default caseload cap.
OFFENDERS_PER_OFFICER = DEFAULT_CASELOAD_CAP
#: [ESTIMATE] Officers per national team (MOSOVO units of 6-8).
TEAM_SIZE = 7
#: [ESTIMATE] Spread of offenders around a MAPPA area centre: 14 km x sqrt(population in
#: millions), clipped to 10-25 km; points beyond 2.5 sigma are redrawn.
AREA_SIGMA_KM_PER_SQRT_MILLION = 14.0
AREA_SIGMA_KM = (10.0, 25.0)

#: Tier order used for every per-tier table below (same order as ``RiskTier``).
TIERS: tuple[RiskTier, ...] = (RiskTier.LOW, RiskTier.MEDIUM, RiskTier.HIGH, RiskTier.VERY_HIGH)
#: [SOURCED, approximate] domain brief: 50/30/18/2 % low/medium/high/very high.
TIER_SHARES = (0.50, 0.30, 0.18, 0.02)
#: [ESTIMATE] Chance an offender is flagged two-officers-only, by tier (overall ~11%).
TWO_OFFICER_P = (0.05, 0.10, 0.25, 0.50)
#: [ESTIMATE] MAPPA level 2 / 3 chance by tier: overall ~2.5% level 2, ~0.5% level 3,
#: level 3 only for high and very high (facts §5: the vast majority are level 1).
MAPPA_LEVEL2_P = (0.005, 0.02, 0.075, 0.15)
MAPPA_LEVEL3_P = (0.0, 0.0, 0.02, 0.07)
#: [ESTIMATE] Status shares (facts §2/§5: ~0.5% of the Met caseload unaccounted for).
#: Whatever is left is active, except reactive management below.
STATUS_SHARES: tuple[tuple[OffenderStatus, float], ...] = (
    (OffenderStatus.MISSING, 0.005),
    (OffenderStatus.IN_CUSTODY, 0.02),
    (OffenderStatus.IN_HOSPITAL, 0.005),
    (OffenderStatus.ABROAD, 0.01),
)
#: [ESTIMATE] Share of (otherwise active) low-tier offenders on reactive management.
REACTIVE_SHARE_OF_LOW = 0.25
#: [ESTIMATE] New registrations with no home visit yet (``last_visit`` None).
NEVER_VISITED_SHARE = 0.01
#: [ESTIMATE] Share of offenders already past their interval (a backlog), with days
#: since the last visit ~ U(interval, interval x LAST_VISIT_SPREAD).
OVERDUE_SHARE = 0.05
LAST_VISIT_SPREAD = 1.12
#: [ESTIMATE] Per-person interval overrides (the plan must always allow one).
INTERVAL_OVERRIDE_P = 0.02
INTERVAL_OVERRIDES = (56, 120)
#: [ESTIMATE] Offenders who must be visited by an officer of a given gender; most such
#: requirements ask for a female officer.
GENDER_REQUIREMENT_P = 0.03
FEMALE_REQUIREMENT_SHARE = 2 / 3
#: [ESTIMATE] Offenders with known weekly hours away from home (work, appointments).
WEEKLY_UNAVAILABLE_P = 0.15
_WEEKDAYS = frozenset({Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI})
_TUE_SAT = frozenset({Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI, Weekday.SAT})
WEEKLY_PATTERNS: tuple[tuple[frozenset[Weekday], str, str, float], ...] = (
    (_WEEKDAYS, "09:00", "17:00", 0.6),
    (_WEEKDAYS, "08:00", "16:00", 0.2),
    (_TUE_SAT, "10:00", "18:00", 0.2),
)
#: [ESTIMATE] How far custody / hospital / travel periods reach around the week
#: (days before ``week_start``, days after the week's Sunday), inclusive ranges.
DATE_RANGE_DAYS: dict[OffenderStatus, tuple[tuple[int, int], tuple[int, int]]] = {
    OffenderStatus.IN_CUSTODY: ((7, 540), (14, 730)),
    OffenderStatus.IN_HOSPITAL: ((1, 60), (1, 90)),
    OffenderStatus.ABROAD: ((0, 14), (1, 21)),
}

#: [ESTIMATE] Officers (facts §6: MOSOVO units work days Mon-Fri with some lates).
OFFICER_FEMALE_SHARE = 0.4
LATE_SHIFT_SHARE = 1 / 3
SATURDAY_SHARE = 1 / 6
DAY_SHIFT = ("08:00", "16:00")
LATE_SHIFT = ("12:00", "20:00")
SATURDAY_SHIFT = ("10:00", "18:00")
VISIT_HOURS = (3.0, 3.25, 3.5, 3.75, 4.0)
