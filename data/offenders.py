"""The offenders of a scenario: tier, status, last visit, flags, officer-gender
requirements and unavailability, drawn as one array per attribute over every team's
offenders, then turned into validated :class:`~models.offender.Offender` objects.

The draws are made in a fixed order from the one generator passed down, so a scenario
is the same for the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from data.apportion import quota
from data.officers import clock
from data.parameters import (
    DATE_RANGE_DAYS,
    FEMALE_REQUIREMENT_SHARE,
    GENDER_REQUIREMENT_P,
    INTERVAL_OVERRIDE_P,
    INTERVAL_OVERRIDES,
    LAST_VISIT_SPREAD,
    MAPPA_LEVEL2_P,
    MAPPA_LEVEL3_P,
    NEVER_VISITED_SHARE,
    OVERDUE_SHARE,
    REACTIVE_SHARE_OF_LOW,
    STATUS_SHARES,
    TIER_SHARES,
    TIERS,
    TWO_OFFICER_P,
    WEEKLY_PATTERNS,
    WEEKLY_UNAVAILABLE_P,
)
from data.teams import Team
from models.common import Location
from models.offender import (
    DateRange,
    Gender,
    Offender,
    OffenderStatus,
    Unavailability,
    WeeklyWindow,
)
from models.policy import Policy
from scheduler.timing.gaps import gap_pmf, survival

#: Status codes of the arrays below: indices into ``OffenderStatus``.
_STATUS_CODES = list(OffenderStatus)
_ACTIVE = _STATUS_CODES.index(OffenderStatus.ACTIVE)
_REACTIVE = _STATUS_CODES.index(OffenderStatus.REACTIVE)


@dataclass(frozen=True)
class _Columns:
    """Every offender's drawn attributes, one array per attribute (codes, not models)."""

    ids: np.ndarray  # pseudonym numbers, a permutation of 1..n
    lat: np.ndarray
    lon: np.ndarray
    tier: np.ndarray  # index into TIERS
    override: np.ndarray  # interval override in days, 0 for none
    mappa: np.ndarray  # MAPPA level 1-3
    manager: np.ndarray  # index into the officers
    days_since: np.ndarray  # days from the last visit to week_start
    never: np.ndarray  # never visited
    two: np.ndarray  # two officers only
    required: np.ndarray  # officer gender required: -1 none, 0 male, 1 female
    weekly: np.ndarray  # index into WEEKLY_PATTERNS, -1 for none
    status: np.ndarray  # index into OffenderStatus
    has_dates: np.ndarray  # away (custody, hospital, abroad) over a date range
    before: np.ndarray  # that range starts this many days before week_start
    after: np.ndarray  # and ends this many days after the week's Sunday


def draw_offenders(
    rng: np.random.Generator,
    teams: list[Team],
    female: np.ndarray,
    officer_ids: list[str],
    week_start: date,
    policy: Policy,
) -> tuple[Offender, ...]:
    """Every team's offenders, sorted by id. ``female`` is each officer's gender code
    (1 = female) and ``officer_ids`` their ids, in the order of the teams."""
    lat, lon, manager, team_slices = _stack_teams(teams)
    columns = _draw_columns(rng, lat, lon, manager, female, team_slices, policy)
    return _offender_objects(columns, officer_ids, week_start)


def _stack_teams(
    teams: list[Team],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[slice, slice]]]:
    """Homes and managers of all teams in one array each (managers as indices into all
    officers), and each team's (offenders, officers) slices of them."""
    offset = np.cumsum([0] + [len(t.officer_ids) for t in teams])
    sizes = [len(t.home_lat) for t in teams]
    bounds = np.cumsum([0, *sizes])
    team_slices = [
        (slice(int(bounds[j]), int(bounds[j + 1])), slice(int(offset[j]), int(offset[j + 1])))
        for j in range(len(teams))
    ]
    lat = np.concatenate([t.home_lat for t in teams])
    lon = np.concatenate([t.home_lon for t in teams])
    manager = np.concatenate([t.manager + offset[j] for j, t in enumerate(teams)])
    return lat, lon, manager, team_slices


def _draw_columns(
    rng: np.random.Generator,
    lat: np.ndarray,
    lon: np.ndarray,
    manager: np.ndarray,
    female: np.ndarray,
    team_slices: list[tuple[slice, slice]],
    policy: Policy,
) -> _Columns:
    """Draw every attribute, in this order (the order fixes the scenario for a seed).
    ``manager`` is edited in place to meet officer-gender requirements."""
    n = len(lat)
    tier = quota(rng, n, TIER_SHARES)
    status = _draw_status(rng, tier)
    override = np.where(
        rng.random(n) < INTERVAL_OVERRIDE_P, rng.choice(INTERVAL_OVERRIDES, size=n), 0
    )
    tier_interval = np.array([policy.interval_days[t] for t in TIERS])
    interval = np.where(override > 0, override, tier_interval[tier])
    days_since = _days_since_visit(rng, interval, policy, tier)
    never = _draw_never_visited(rng, status)
    two = rng.random(n) < np.array(TWO_OFFICER_P)[tier]
    mappa = _draw_mappa_level(rng, tier)
    required = np.where(
        rng.random(n) < GENDER_REQUIREMENT_P,
        (rng.random(n) < FEMALE_REQUIREMENT_SHARE).astype(np.int64),
        -1,
    )
    _match_gender_requirements(rng, required, manager, female, team_slices)
    weekly_ok = (status == _ACTIVE) | (status == _REACTIVE)
    weekly = np.where(
        (rng.random(n) < WEEKLY_UNAVAILABLE_P) & weekly_ok,
        rng.choice(len(WEEKLY_PATTERNS), size=n, p=[w for *_, w in WEEKLY_PATTERNS]),
        -1,
    )
    has_dates, before, after = _draw_away_dates(rng, status)
    ids = rng.permutation(n) + 1
    return _Columns(
        ids=ids,
        lat=lat,
        lon=lon,
        tier=tier,
        override=override,
        mappa=mappa,
        manager=manager,
        days_since=days_since,
        never=never,
        two=two,
        required=required,
        weekly=weekly,
        status=status,
        has_dates=has_dates,
        before=before,
        after=after,
    )


def _draw_status(rng: np.random.Generator, tier: np.ndarray) -> np.ndarray:
    """Status codes in :data:`STATUS_SHARES`; the rest active, except a share of the low
    tier on reactive management."""
    n = len(tier)
    special = quota(rng, n, [p for _, p in STATUS_SHARES] + [1 - sum(p for _, p in STATUS_SHARES)])
    status = np.array([_STATUS_CODES.index(s) for s, _ in STATUS_SHARES] + [_ACTIVE])[special]
    low_active = np.flatnonzero((status == _ACTIVE) & (tier == 0))
    status[
        rng.choice(low_active, size=round(REACTIVE_SHARE_OF_LOW * len(low_active)), replace=False)
    ] = _REACTIVE
    return status


def _draw_never_visited(rng: np.random.Generator, status: np.ndarray) -> np.ndarray:
    """New registrations: a share of all offenders, taken from the active ones."""
    n = len(status)
    never = np.zeros(n, dtype=bool)
    still_active = np.flatnonzero(status == _ACTIVE)
    never[
        rng.choice(
            still_active, size=min(len(still_active), round(NEVER_VISITED_SHARE * n)), replace=False
        )
    ] = True
    return never


def _draw_mappa_level(rng: np.random.Generator, tier: np.ndarray) -> np.ndarray:
    """MAPPA level 1, 2 or 3 by tier."""
    u = rng.random(len(tier))
    p3 = np.array(MAPPA_LEVEL3_P)[tier]
    return np.where(u < p3, 3, np.where(u < p3 + np.array(MAPPA_LEVEL2_P)[tier], 2, 1))


def _draw_away_dates(
    rng: np.random.Generator, status: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who is away over a date range (in custody, in hospital, abroad), and how many days
    that range reaches before the week and after it (:data:`DATE_RANGE_DAYS`)."""
    n = len(status)
    has_dates = np.zeros(n, dtype=bool)
    before = np.zeros(n, dtype=np.int64)
    after = np.zeros(n, dtype=np.int64)
    for st, ((b_lo, b_hi), (a_lo, a_hi)) in DATE_RANGE_DAYS.items():
        mask = status == _STATUS_CODES.index(st)
        has_dates |= mask
        before[mask] = rng.integers(b_lo, b_hi + 1, size=int(mask.sum()))
        after[mask] = rng.integers(a_lo, a_hi + 1, size=int(mask.sum()))
    return has_dates, before, after


def _days_since_visit(
    rng: np.random.Generator, interval: np.ndarray, policy: Policy, tier: np.ndarray
) -> np.ndarray:
    """Whole days since the last visit: a unit in its steady state under the policy's
    secret gap distribution, plus a backlog of ``OVERDUE_SHARE`` past their interval.

    In a steady state the days since the last visit follow the renewal "age"
    distribution P(A = a) ∝ P(G >= a), a = 1..I (a uniform age would over-state the
    visits due in the first week). Draws are stratified within each (interval, tier)
    group (one uniform per equal-width stratum, strata shuffled), so the share falling
    due is steady from seed to seed even for one small unit.
    """
    days = np.empty(len(interval), dtype=np.int64)
    for value, t in sorted({(int(v), int(k)) for v, k in zip(interval, tier, strict=True)}):
        idx = np.flatnonzero((interval == value) & (tier == t))
        u = (rng.permutation(len(idx)) + rng.random(len(idx))) / len(idx)
        pmf = gap_pmf(policy.gap_shape, value, policy.gap_mean_share[TIERS[t]])
        age_cdf = np.cumsum(survival(pmf)[:-1])  # P(A <= a), a = 1..I, unnormalised
        age_cdf /= age_cdf[-1]
        backlog = u < OVERDUE_SHARE
        ages = 1 + np.searchsorted(age_cdf, (u - OVERDUE_SHARE) / (1 - OVERDUE_SHARE))
        late = value + 1 + (u / OVERDUE_SHARE) * (value * (LAST_VISIT_SPREAD - 1.0))
        days[idx] = np.where(backlog, np.floor(late), np.minimum(ages, value))
    return days


def _match_gender_requirements(
    rng: np.random.Generator,
    required: np.ndarray,
    manager: np.ndarray,
    female: np.ndarray,
    team_slices: list[tuple[slice, slice]],
) -> None:
    """Give each offender with an officer-gender requirement a manager of that gender,
    by swapping managers with an unconstrained offender of the same team (caseloads
    unchanged). ``required``: -1 none, 0 male, 1 female; both arrays edited in place.
    A requirement a team cannot meet at all is changed to the gender the team has."""
    for offenders, officers in team_slices:
        req, man = required[offenders], manager[offenders]  # views
        if not (req >= 0).any():
            continue
        present = np.unique(female[officers])
        if len(present) == 1:
            req[req >= 0] = present[0]
        for i in np.flatnonzero((req >= 0) & (female[man] != req)):
            swappable = np.flatnonzero((req < 0) & (female[man] == req[i]))
            if len(swappable):
                j = int(rng.choice(swappable))
                man[i], man[j] = man[j], man[i]


def _offender_objects(
    c: _Columns, officer_ids: list[str], week_start: date
) -> tuple[Offender, ...]:
    """Validated offenders from the drawn columns, sorted by id; shared immutable parts
    (unavailability patterns, dates) are built once."""
    patterns = [
        Unavailability(weekly=(WeeklyWindow(days=d, window=clock(s, e)),))
        for d, s, e, _ in WEEKLY_PATTERNS
    ]
    none = Unavailability()
    sunday = week_start + timedelta(days=6)
    genders = (Gender.MALE, Gender.FEMALE)
    dates: dict[int, date] = {}

    def day_before(d: int) -> date:
        if d not in dates:
            dates[d] = week_start - timedelta(days=d)
        return dates[d]

    rows = zip(
        c.ids.tolist(),
        np.round(c.lat, 5).tolist(),
        np.round(c.lon, 5).tolist(),
        c.tier.tolist(),
        c.override.tolist(),
        c.mappa.tolist(),
        c.manager.tolist(),
        c.days_since.tolist(),
        c.never.tolist(),
        c.two.tolist(),
        c.required.tolist(),
        c.weekly.tolist(),
        c.status.tolist(),
        c.has_dates.tolist(),
        c.before.tolist(),
        c.after.tolist(),
        strict=True,
    )
    offenders = []
    for oid, la, lo, t, ov, lvl, man, since, nv, tw, req, wk, st, hd, bf, af in rows:
        if hd:
            unavailable = Unavailability(
                dates=(DateRange(first=day_before(bf), last=sunday + timedelta(days=af)),)
            )
        elif wk >= 0:
            unavailable = patterns[wk]
        else:
            unavailable = none
        offenders.append(
            (
                oid,
                Offender(
                    id=f"RSO-{oid:06d}",
                    home=Location(lat=la, lon=lo),
                    tier=TIERS[t],
                    interval_days=ov or None,
                    mappa_level=lvl,
                    manager_id=officer_ids[man],
                    last_visit=None if nv else day_before(since),
                    two_officers=tw,
                    officer_gender=genders[req] if req >= 0 else None,
                    unavailable=unavailable,
                    status=_STATUS_CODES[st],
                ),
            )
        )
    offenders.sort(key=lambda pair: pair[0])
    return tuple(o for _, o in offenders)
