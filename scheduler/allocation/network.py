"""The one conversion point, register to arrays, and the networks built from them:
officers' caps and availability, which offenders may move (locks, thresholds, orphans),
the candidate arcs, and the independent components (teams) :func:`allocate` solves."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from models import Gender, Officer, Policy, Register, RiskTier, Weekday
from scheduler.allocation.flow import AllocationProblem
from scheduler.allocation.results import ChangeReason, OfficerStatus
from scheduler.allocation.settings import AllocationError, AllocationSettings
from scheduler.core.travel import great_circle_m

GENDERS = (Gender.MALE, Gender.FEMALE)  # codes 0, 1; -1 = none / not recorded


@dataclass(frozen=True)
class RegisterArrays:
    """Register and options as arrays (global indices)."""

    # officers
    officer_ids: list[str]
    officer_team: np.ndarray  # team code
    team_names: list[str]
    base_lat: np.ndarray
    base_lon: np.ndarray
    officer_gender: np.ndarray  # -1, 0 male, 1 female
    cap: np.ndarray  # effective cap (0 if unavailable)
    officer_status: list[OfficerStatus]
    # offenders
    offender_ids: list[str]
    tier: np.ndarray  # index into tiers
    visits_per_year: np.ndarray
    home_lat: np.ndarray
    home_lon: np.ndarray
    required: np.ndarray  # -1, 0 male, 1 female
    current: np.ndarray  # officer index of the current manager
    team: np.ndarray  # team code of the current manager


def officer_cap(officer: Officer, settings: AllocationSettings) -> int:
    """Caseload cap, pro rata to contracted shift hours against a full-time week."""
    if not settings.pro_rata:
        return officer.caseload_cap
    hours = sum((s.window.end_s - s.window.start_s) / 3600 for s in officer.shifts)
    fte = min(1.0, hours / settings.full_time_hours)
    if fte <= 0:
        return 0
    return max(1, math.floor(officer.caseload_cap * fte + 0.5))


def long_term_absent(officer: Officer, as_of: date, days: int) -> bool:
    """Absent on every working day of ``[as_of, as_of + days)`` (and has some)."""
    working = {s.day for s in officer.shifts}
    span = (as_of + timedelta(days=d) for d in range(days))
    work_days = [d for d in span if Weekday(d.weekday()) in working]
    absent = set(officer.absent)
    return bool(work_days) and all(d in absent for d in work_days)


def _gender_code(g: Gender | None) -> int:
    return -1 if g is None else GENDERS.index(g)


def _arrays(
    register: Register,
    policy: Policy,
    settings: AllocationSettings,
    added: Sequence[Officer],
    removed: Collection[str],
    as_of: date | None,
) -> RegisterArrays:
    officers = list(register.officers) + list(added)
    ids = [o.id for o in officers]
    if len(set(ids)) != len(ids):
        dup = next(i for i, c in Counter(ids).items() if c > 1)
        raise AllocationError(f"added officer id {dup!r} is already in use")
    unknown = sorted(set(removed) - set(ids))
    if unknown:
        raise AllocationError(f"cannot remove unknown officer {unknown[0]!r}")
    teams = sorted({o.team for o in officers})
    team_code = {t: k for k, t in enumerate(teams)}
    n_reg = len(register.officers)
    status: list[OfficerStatus] = []
    caps: list[int] = []
    for k, o in enumerate(officers):
        cap = officer_cap(o, settings)
        if o.id in removed:
            st = OfficerStatus.REMOVED
        elif cap == 0:
            st = OfficerStatus.NO_HOURS
        elif as_of is not None and long_term_absent(o, as_of, settings.absence_days):
            st = OfficerStatus.ABSENT
        else:
            st = OfficerStatus.ADDED if k >= n_reg else OfficerStatus.AVAILABLE
        status.append(st)
        available = st in (OfficerStatus.AVAILABLE, OfficerStatus.ADDED)
        caps.append(cap if available else 0)
    index = {o: k for k, o in enumerate(ids)}
    tiers = list(RiskTier)
    offenders = register.offenders
    current = np.array([index[o.manager_id] for o in offenders], dtype=np.int64)
    officer_team = np.array([team_code[o.team] for o in officers], dtype=np.int64)
    return RegisterArrays(
        officer_ids=ids,
        officer_team=officer_team,
        team_names=teams,
        base_lat=np.array([o.base.lat for o in officers], dtype=float),
        base_lon=np.array([o.base.lon for o in officers], dtype=float),
        officer_gender=np.array([_gender_code(o.gender) for o in officers], dtype=np.int64),
        cap=np.array(caps, dtype=np.int64),
        officer_status=status,
        offender_ids=[o.id for o in offenders],
        tier=np.array([tiers.index(o.tier) for o in offenders], dtype=np.int64),
        visits_per_year=np.array(
            [365.0 / policy.interval_for(o.tier, o.interval_days) for o in offenders], dtype=float
        ),
        home_lat=np.array([o.home.lat for o in offenders], dtype=float),
        home_lon=np.array([o.home.lon for o in offenders], dtype=float),
        required=np.array([_gender_code(o.officer_gender) for o in offenders], dtype=np.int64),
        current=current,
        team=officer_team[current],
    )


_ORPHAN_REASON = {
    OfficerStatus.REMOVED: ChangeReason.MANAGER_REMOVED,
    OfficerStatus.ABSENT: ChangeReason.MANAGER_ABSENT,
    OfficerStatus.NO_HOURS: ChangeReason.MANAGER_NO_HOURS,
}


@dataclass(frozen=True)
class Classification:
    """Per-offender classification shared by the builder and the change list."""

    orphan: np.ndarray  # bool: current manager cannot keep them
    orphan_reason: list[ChangeReason | None]
    hard: np.ndarray  # bool: locked to the current manager
    forced: np.ndarray  # bool: may move only as part of the minimal excess
    over_cap: np.ndarray  # per officer: valid caseload above cap
    over_threshold: np.ndarray  # per officer
    valid_load: np.ndarray  # per officer


def _classify(
    a: RegisterArrays, lock: bool | Collection[str], threshold: int | None
) -> Classification:
    n = len(a.offender_ids)
    cur = a.current
    reasons: list[ChangeReason | None] = [None] * n
    manager_gone = a.cap[cur] == 0
    mismatch = (a.required >= 0) & (a.officer_gender[cur] != a.required)
    orphan = manager_gone | mismatch
    for i in np.flatnonzero(orphan).tolist():
        st = a.officer_status[int(cur[i])]
        reasons[i] = _ORPHAN_REASON.get(st, ChangeReason.GENDER_REQUIREMENT)
    valid = ~orphan
    m = len(a.officer_ids)
    valid_load = np.bincount(cur[valid], minlength=m)
    if isinstance(lock, bool):
        locked = np.full(n, lock)
    else:
        lock_set = set(lock)
        unknown = lock_set - set(a.offender_ids)
        if unknown:
            raise AllocationError(f"cannot lock unknown offender {sorted(unknown)[0]!r}")
        locked = np.array([o in lock_set for o in a.offender_ids], dtype=bool)
    if threshold is not None:
        locked[:] = True
    locked &= valid
    locked_load = np.bincount(cur[locked], minlength=m)
    over_cap = np.maximum(0, valid_load - a.cap)
    over_threshold = (
        np.maximum(0, valid_load - threshold) if threshold is not None else np.zeros(m, np.int64)
    )
    unprotected = (locked_load > a.cap) | (over_threshold > 0)
    hard = locked & ~unprotected[cur]
    forced = locked & unprotected[cur]
    return Classification(orphan, reasons, hard, forced, over_cap, over_threshold, valid_load)


def road_km(a: RegisterArrays, circuity: float, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Road km estimate from officer ``j``'s base to offender ``i``'s home."""
    return (
        great_circle_m(a.home_lat[i], a.home_lon[i], a.base_lat[j], a.base_lon[j])
        * circuity
        / 1000.0
    )


def _candidate_arcs(
    a: RegisterArrays, plan: Classification, allow_cross_team: bool, cross_km: float
) -> tuple[np.ndarray, np.ndarray]:
    """All (offender, officer) pairs allowed: same team (or a base within ``cross_km``
    when cross-team moves are allowed), attribute met, officer available; a hard-locked
    offender gets its current manager only."""
    working = np.flatnonzero(a.cap > 0)
    by_team: dict[int, np.ndarray] = defaultdict(lambda: np.zeros(0, dtype=np.int64))
    for t in np.unique(a.officer_team[working]).tolist():
        by_team[t] = working[a.officer_team[working] == t]
    arc_i: list[np.ndarray] = []
    arc_j: list[np.ndarray] = []
    free = ~plan.hard
    for t in np.unique(a.team[free]).tolist():
        rows = np.flatnonzero(free & (a.team == t))
        cols = by_team[t]
        ok = np.ones((len(rows), len(cols)), dtype=bool)
        if allow_cross_team:
            others = working[a.officer_team[working] != t]
            dist = great_circle_m(
                a.home_lat[rows, None],
                a.home_lon[rows, None],
                a.base_lat[None, others],
                a.base_lon[None, others],
            )
            near = dist <= cross_km * 1000.0
            keep = near.any(axis=0)
            cols = np.concatenate([cols, others[keep]])
            ok = np.hstack([ok, near[:, keep]])
        req = a.required[rows]
        ok &= (req[:, None] < 0) | (a.officer_gender[cols][None, :] == req[:, None])
        ii, jj = np.nonzero(ok)
        arc_i.append(rows[ii])
        arc_j.append(cols[jj])
    hard = np.flatnonzero(plan.hard)
    arc_i.append(hard)
    arc_j.append(a.current[hard])
    return np.concatenate(arc_i), np.concatenate(arc_j)


def _components(a: RegisterArrays, arc_i: np.ndarray, arc_j: np.ndarray) -> np.ndarray:
    """Component label per team code: teams joined by a cross-team arc are one."""
    parent = list(range(len(a.team_names)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    src, dst = a.team[arc_i], a.officer_team[arc_j]
    cross = src != dst
    for s, t in set(zip(src[cross].tolist(), dst[cross].tolist(), strict=True)):
        parent[find(s)] = find(t)
    roots = [find(x) for x in range(len(parent))]
    _, label = np.unique(roots, return_inverse=True)
    return label.astype(np.int64)


def _levels(weights: dict[RiskTier, float]) -> tuple[np.ndarray, np.ndarray]:
    """Level of each tier (0 = heaviest) and the weight step ``w_l - w_(l+1)`` of each
    level (the lightest level's step is its weight)."""
    tiers = list(RiskTier)
    order = sorted(range(len(tiers)), key=lambda k: -weights[tiers[k]])
    level_of_tier = np.empty(len(tiers), dtype=np.int64)
    level_of_tier[order] = np.arange(len(tiers))
    w = np.array([weights[tiers[k]] for k in order])
    step = w - np.append(w[1:], 0.0)
    return level_of_tier, step


def _build(
    a: RegisterArrays,
    plan: Classification,
    settings: AllocationSettings,
    policy: Policy,
    weights: dict[RiskTier, float],
    threshold: int | None,
    rows: np.ndarray,
    cols: np.ndarray,
    arc_i: np.ndarray,
    arc_j: np.ndarray,
) -> AllocationProblem:
    """Data of one component: offenders ``rows``, officers ``cols`` (global, sorted),
    arcs between them (global)."""
    level_of_tier, step = _levels(weights)
    km = road_km(a, policy.circuity, arc_i, arc_j)
    stays = arc_j == a.current[arc_i]
    cross = a.officer_team[arc_j] != a.team[arc_i]
    handover = np.where(plan.orphan[arc_i] | stays, 0.0, settings.handover_km)
    handover = handover + np.where(cross, settings.cross_team_handover_km, 0.0)
    cap = a.cap[cols]
    return AllocationProblem(
        offenders=rows,
        officers=cols,
        rank=a.tier[rows],
        keep_cost=np.where(plan.orphan[rows], 0.0, settings.handover_km),
        level=level_of_tier[a.tier[rows]],
        level_step=step,
        hard=plan.hard[rows],
        cap=cap,
        fte=cap / settings.reference_cap,
        balance_weight=settings.balance_weight,
        threshold=threshold,
        arc_i=np.searchsorted(rows, arc_i),
        arc_j=np.searchsorted(cols, arc_j),
        arc_travel=2.0 * km * a.visits_per_year[arc_i],
        arc_handover=handover,
        arc_forced=plan.forced[arc_i] & ~stays,
    )


def _group_name(teams: list[str]) -> str:
    """A team, or teams joined by cross-team arcs: ``a+b+c``, ``a and 5 other teams``."""
    if len(teams) <= 3:
        return "+".join(teams)
    return f"{teams[0]} and {len(teams) - 1} other teams"


@dataclass(frozen=True)
class Prepared:
    arrays: RegisterArrays
    plan: Classification
    problems: list[AllocationProblem]
    component_names: list[str]
    weights: dict[RiskTier, float]
    settings: AllocationSettings


def build_problems(
    register: Register,
    policy: Policy | None = None,
    *,
    settings: AllocationSettings | None = None,
    lock: bool | Collection[str] = False,
    threshold: int | None = None,
    allow_cross_team: bool = False,
    add_officers: Sequence[Officer] = (),
    remove_officers: Collection[str] = (),
    as_of: date | None = None,
) -> list[AllocationProblem]:
    """The network of each component, as :func:`allocate` solves them (for benchmarks
    and bounds). Arguments as for :func:`allocate`."""
    return prepare(
        register,
        policy or Policy(),
        settings or AllocationSettings(),
        lock,
        threshold,
        allow_cross_team,
        add_officers,
        remove_officers,
        as_of,
    ).problems


def prepare(
    register: Register,
    policy: Policy,
    settings: AllocationSettings,
    lock: bool | Collection[str],
    threshold: int | None,
    allow_cross_team: bool,
    add_officers: Sequence[Officer],
    remove_officers: Collection[str],
    as_of: date | None,
) -> Prepared:
    if isinstance(lock, str):
        raise AllocationError("lock takes True/False or a collection of offender ids")
    if threshold is not None and threshold < 0:
        raise AllocationError(f"threshold must be 0 or more, got {threshold}")
    weights = settings.weights(policy)
    a = _arrays(register, policy, settings, add_officers, set(remove_officers), as_of)
    plan = _classify(a, lock, threshold)
    arc_i, arc_j = _candidate_arcs(a, plan, allow_cross_team, settings.cross_team_km)
    label = _components(a, arc_i, arc_j)
    off_comp = label[a.team]
    arc_comp = off_comp[arc_i]
    officer_comp = label[a.officer_team]
    order = np.argsort(arc_comp, kind="stable")
    bounds = np.searchsorted(arc_comp[order], np.arange(label.max(initial=-1) + 2))
    problems, names = [], []
    for c in np.unique(off_comp).tolist():
        rows = np.flatnonzero(off_comp == c)
        cols = np.flatnonzero((officer_comp == c) & (a.cap > 0))
        sel = order[bounds[c] : bounds[c + 1]]
        problems.append(
            _build(
                a, plan, settings, policy, weights, threshold, rows, cols, arc_i[sel], arc_j[sel]
            )
        )
        names.append(_group_name([a.team_names[t] for t in np.flatnonzero(label == c).tolist()]))
    return Prepared(a, plan, problems, names, weights, settings)
