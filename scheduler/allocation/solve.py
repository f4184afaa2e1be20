"""Caseload allocation: which officer is each offender's named offender manager.

When offenders register or move, or officers join, leave or go sick, the unit manager
redistributes caseloads: about 50 per officer, heavier risk spread fairly, offenders near
their officer's base, and as few changes to existing assignments as possible, because
continuity matters. :func:`allocate` does that for a whole register and explains any
offender it cannot place.

Why a min-cost flow
-------------------
Every rule fits a network whose flow is integral, so one exact, polynomial solve
(OR-Tools ``SimpleMinCostFlow``, cost scaling) gives the optimum of the whole model; a
CP-SAT model of the same size would need a search and a time limit to approach it, and
an LP would need rounding. Per team (teams are independent unless cross-team moves are
allowed, so the country is ~200 small networks)::

    offender i --(1, travel + handover)--> officer j, level of i's tier
    officer j: level VH --> level H --> level M --> level L --(cap_j)--> sink
    offender i --(1, "unallocated" penalty)--> sink

* **One manager each, caps**: every offender supplies one unit; the last level arc of
  officer ``j`` holds ``cap_j`` units, so no cap is ever exceeded. The cap is the
  officer's ``caseload_cap`` pro rata to contracted shift hours (part-time officers).
* **Attributes**: an offender has arcs only to officers who meet their requirement
  (``officer_gender``) and who are in their team (their current manager's team), unless
  cross-team moves are allowed (then also to officers based within
  :attr:`AllocationSettings.cross_team_km`, at an extra handover cost).
* **Fair risk-weighted load**: the risk weight of a tier is the visits per year its policy
  interval needs (28 days -> 13.0, 365 days -> 1.0), so an officer's risk-weighted load is
  the visits per year their caseload needs. Tiers are chained per officer from heaviest
  to lightest, so the arc leaving level ``t`` carries ``N_t``, the officer's offenders of
  weight at least ``w_t``; and ``load = sum_t (w_t - w_next) N_t`` exactly. Each chain arc
  is a bundle of unit arcs of increasing cost ``balance_weight (w_t - w_next) (2k-1) /
  fte_j`` for its ``k``-th unit: a piecewise-linear convex cost equal to ``balance_weight
  sum_t (w_t - w_next) N_t^2 / fte_j`` at integer flows, which spreads each cumulative
  count, and so the risk-weighted load, in proportion to each officer's capacity. (A
  convex cost of the load itself is not a network cost; the cumulative chain is the
  separable surrogate that still lets an officer with an extra very-high-risk case take
  fewer high-risk ones.)
* **Travel**: annual visiting kilometres, ``2 x road km(base, home) x visits per year``
  (the person's own interval if overridden): far-away high-risk cases cost most.
* **Continuity**: moving an offender away from a current manager costs
  :attr:`AllocationSettings.handover_km`. Locked offenders (``lock``, or those of
  officers at or under ``threshold``) have an arc to their manager only; offenders of an
  officer over their cap or over the threshold may move at a cost that outweighs every
  ordinary cost, so exactly the excess moves; units above the threshold cost more still.
* **Infeasible cases**: the "unallocated" arc costs more than any rerouting (more for
  higher tiers, less than twice the lowest), so as many offenders as possible are
  placed, highest risk first (a low-risk offender may lose a manager so that a high-risk
  one has one), and the rest are listed with the reason and the officers that would be
  needed (:class:`Shortfall`). Nobody is ever over-filled.

So the flow minimises, in this order: offenders unallocated (tier-weighted), caseload
above the threshold, forced moves, then travel + handover + balance. The penalties are
sized from each component's largest ordinary costs and its number of officers (an
augmenting path crosses each officer at most once), which makes the order exact for
components of up to 30 officers, i.e. every team; larger cross-team components keep
the same penalties.

Offenders in custody, in hospital, abroad, missing or on reactive management are
allocated like everyone else: they stay someone's responsibility (custody release
planning, the search for a missing offender, the response to new information), and
dropping them from caseloads is how people fall off the list.

The optimum is exact for the model: the constraint matrix of a network is totally
unimodular, so the model's LP relaxation has an integral optimum and the flow is that
optimum. ``benchmarks/allocation.py`` solves the LP relaxation independently (HiGHS,
epigraph form) in the same run as a check; the gap it reports is cost rounding, not a
heuristic's distance from a bound. What the model does not capture is a convex cost of
the risk-weighted load itself: with few very-high-risk cases per team, one extra such
case is compensated by one fewer high-risk case, not by the three its weight would
call for, so per-team max/mean of the risk-weighted load stays around 1.05 (worst team
about 1.1) on the bundled scenarios; the benchmark reports it.

Costs are km-equivalents of annual visiting travel; the flow works in integer tenths
(:data:`COST_UNITS_PER_KM`). The balance is reported relative to a perfectly even spread
(0 when every officer carries their fair share of each level), which differs from the
optimised sum of squares by a constant when everyone is allocated.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any

import numpy as np
from ortools.graph.python import min_cost_flow
from pydantic import BaseModel, ConfigDict, Field

from models import (
    DEFAULT_CASELOAD_CAP,
    Gender,
    Location,
    Officer,
    Policy,
    Register,
    RiskTier,
    Weekday,
)
from scheduler.core.exceptions import RotaError
from scheduler.core.travel import great_circle_m

#: Integer cost units per km-equivalent in the flow network.
COST_UNITS_PER_KM = 10
#: Most officers an augmenting path is assumed to pass through when the penalties that
#: must dominate ordinary costs are sized (exact for components of up to this many
#: officers, which is every single team; cross-team components can be larger).
_PATH_OFFICERS = 30
#: A move counts as "nearer base" when it shortens the base-home distance this much.
NEARER_KM = 1.0
_GENDERS = (Gender.MALE, Gender.FEMALE)  # codes 0, 1; -1 = none / not recorded


class AllocationError(RotaError):
    """An allocation request that cannot be carried out (unknown officer, bad option)."""


# --------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------


class AllocationSettings(BaseModel):
    """Weights and rules of the allocation. Costs are km-equivalents of annual visiting
    travel, so each weight reads as "worth this many kilometres a year"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Cost of moving one offender to a new manager (continuity): a move must save at
    #: least this much travel or imbalance.
    handover_km: Annotated[float, Field(ge=0, le=1e5)] = 150.0
    #: Weight of the convex balance cost ``sum_t (w_t - w_next) N_t^2 / fte`` (module
    #: docstring). Moving a low-risk offender between two full-time officers whose
    #: caseloads differ by ``d`` saves ``2 x balance_weight x (d - 1)``: with the
    #: defaults that pays for the handover from ``d = 4``; a second very-high-risk case
    #: moves to a colleague who has none.
    balance_weight: Annotated[float, Field(ge=0, le=1e4)] = 30.0
    #: Cross-team moves (when allowed): officers based within this road-free distance of
    #: the offender's home are candidates ...
    cross_team_km: Annotated[float, Field(gt=0, le=1000)] = 15.0
    #: ... at this extra handover cost.
    cross_team_handover_km: Annotated[float, Field(ge=0, le=1e5)] = 300.0
    #: Caps are pro rata to contracted shift hours against this full-time week.
    full_time_hours: Annotated[float, Field(gt=0, le=168)] = 40.0
    #: False: take ``caseload_cap`` as given for everyone (caps already pro rata).
    pro_rata: bool = True
    #: With ``as_of``: an officer absent on every working day of the next this many
    #: days is treated as unavailable (long-term sickness) and their caseload moves.
    absence_days: Annotated[int, Field(ge=1, le=365)] = 28
    #: Cap of a full-time officer: the unit of "officers needed" and of ``fte``.
    reference_cap: Annotated[int, Field(ge=1, le=1000)] = DEFAULT_CASELOAD_CAP
    #: Risk weight per tier; default: visits per year, ``365 / policy.interval_days``.
    risk_weight: dict[RiskTier, Annotated[float, Field(gt=0, le=1000)]] | None = None

    def weights(self, policy: Policy) -> dict[RiskTier, float]:
        """Risk weight of each tier (visits per year the tier's interval needs)."""
        if self.risk_weight is not None:
            missing = set(RiskTier) - set(self.risk_weight)
            if missing:
                raise AllocationError(f"risk_weight lacks tiers: {', '.join(sorted(missing))}")
            return dict(self.risk_weight)
        return {t: 365.0 / policy.interval_days[t] for t in RiskTier}


# --------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------


class ChangeReason(StrEnum):
    """Why an offender gets a new manager (or none)."""

    MANAGER_REMOVED = "manager_removed"
    MANAGER_ABSENT = "manager_absent"
    MANAGER_NO_HOURS = "manager_no_hours"
    GENDER_REQUIREMENT = "gender_requirement"
    OVER_CAP = "over_cap"
    OVER_THRESHOLD = "over_threshold"
    REBALANCE = "rebalance"
    NEARER_BASE = "nearer_base"
    UNALLOCATED = "unallocated"


class OfficerStatus(StrEnum):
    AVAILABLE = "available"
    ADDED = "added"
    REMOVED = "removed"
    ABSENT = "absent"
    NO_HOURS = "no_hours"


class ShortfallReason(StrEnum):
    NO_OFFICER = "no_officer"  # no available officer (of the required gender) at all
    CAPACITY = "capacity"  # officers exist but their places are full


class Change(BaseModel):
    """One offender whose manager changes: from whom, to whom (None: unallocated), why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    offender_id: str
    tier: RiskTier
    from_officer: str | None
    to_officer: str | None
    reason: ChangeReason
    detail: str


class Shortfall(BaseModel):
    """Offenders of one team (or cross-team group) and one requirement who cannot be
    allocated, with the arithmetic that shows why and the officers that would fix it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    team: str
    requirement: Gender | None
    reason: ShortfallReason
    offenders: tuple[str, ...]
    demand: int  # offenders in the team with this requirement (None: all)
    places: int  # places of the eligible officers (caps, pro rata)
    officers_needed: int  # extra full-time officers (of that gender, if required)
    message: str


class OfficerLoad(BaseModel):
    """An officer's caseload before and after, for the table the manager reads."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    officer_id: str
    team: str
    status: OfficerStatus
    cap: int
    caseload_before: int
    caseload: int
    risk_load_before: float
    risk_load: float
    mean_km: float | None  # mean road km from base to the caseload's homes
    moved_in: int
    moved_out: int


class ObjectiveParts(BaseModel):
    """The optimised cost, in km-equivalents of annual visiting travel. Ranked before
    it (not priced into it): fewest unallocated, least load above the threshold, fewest
    forced moves."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    travel: float  # 2 x road km x visits per year, summed
    handover: float  # handover_km per changed manager (+ cross-team extra)
    balance: float  # balance_weight x sum_jl step_l (N_jl - fair share)^2 / fte_j

    @property
    def total(self) -> float:
        return self.travel + self.handover + self.balance


class Allocation(BaseModel):
    """The new assignment, what changed and why, who could not be placed, per-officer
    loads and the objective. ``assignment`` maps every offender id to an officer id,
    or None when unallocated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    assignment: dict[str, str | None]
    changes: tuple[Change, ...]
    shortfalls: tuple[Shortfall, ...]
    officers: tuple[OfficerLoad, ...]
    objective: ObjectiveParts
    risk_weight: dict[RiskTier, float]
    added_officers: tuple[Officer, ...] = ()
    removed_officers: tuple[str, ...] = ()
    threshold: int | None = None
    components: int = 0

    def is_feasible(self) -> bool:
        """Everyone has a manager."""
        return not self.shortfalls

    @property
    def unallocated(self) -> tuple[str, ...]:
        return tuple(o for s in self.shortfalls for o in s.offenders)

    def officers_needed(self) -> int:
        """Extra full-time officers that would let everyone be allocated."""
        return sum(s.officers_needed for s in self.shortfalls)

    def change_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "offender_id": c.offender_id,
                "tier": c.tier.value,
                "from_officer": c.from_officer or "",
                "to_officer": c.to_officer or "",
                "reason": c.reason.value,
                "detail": c.detail,
            }
            for c in self.changes
        ]

    def officer_rows(self) -> list[dict[str, Any]]:
        return [o.model_dump(mode="json") for o in self.officers]

    def summary(self) -> dict[str, Any]:
        """Plain numbers (JSON-serialisable): counts, spread, travel, objective."""
        working = [o for o in self.officers if o.cap > 0]
        loads = np.array([o.risk_load / o.cap for o in working]) if working else np.zeros(0)
        by_team: dict[str, list[float]] = defaultdict(list)
        for o, load in zip(working, loads.tolist(), strict=True):
            by_team[o.team].append(load)
        team_spread = [float(max(v) / np.mean(v)) for v in by_team.values() if np.mean(v) > 0]
        km = [(o.mean_km or 0.0) * o.caseload for o in self.officers]
        n_placed = sum(o.caseload for o in self.officers)
        return {
            "offenders": len(self.assignment),
            "officers": len(working),
            "allocated": n_placed,
            "unallocated": len(self.unallocated),
            "feasible": self.is_feasible(),
            "officers_needed": self.officers_needed(),
            "changes": len(self.changes),
            "changes_by_reason": dict(
                sorted(Counter(c.reason.value for c in self.changes).items())
            ),
            "over_cap": sorted(o.officer_id for o in self.officers if o.caseload > o.cap),
            "risk_load_per_place_max_over_mean": (
                round(float(loads.max() / loads.mean()), 4) if loads.size and loads.mean() else None
            ),
            "team_spread_max_over_mean_worst": round(max(team_spread), 4) if team_spread else None,
            "team_spread_max_over_mean_mean": (
                round(float(np.mean(team_spread)), 4) if team_spread else None
            ),
            "mean_travel_km": round(sum(km) / n_placed, 3) if n_placed else None,
            "objective": {
                **{k: round(v, 2) for k, v in self.objective.model_dump().items()},
                "total": round(self.objective.total, 2),
            },
            "risk_weight": {t.value: round(w, 4) for t, w in self.risk_weight.items()},
            "shortfalls": [
                s.model_dump(mode="json", exclude={"offenders"}) for s in self.shortfalls
            ],
        }


# --------------------------------------------------------------------------------------
# One component (a team, or teams joined by cross-team arcs) and its solver
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllocationProblem:
    """One component's data, local indices, costs in km-equivalents (floats).

    Arc ``a`` lets offender ``arc_i[a]`` be managed by officer ``arc_j[a]``; choosing it
    costs ``arc_travel[a] + arc_handover[a]``, and ``arc_forced[a]`` marks a move that
    is allowed only for the excess of an over-cap or over-threshold officer.
    ``level[i]`` is the position of offender ``i``'s risk weight in ``level_step``
    (heaviest first, ``level_step[l] = w_l - w_(l+1)``, the lightest level's step is its
    weight). With ``N[j, l]`` officer ``j``'s offenders of level ``<= l``, the balance
    cost is ``balance_weight * sum_j sum_l level_step[l] * N[j, l]^2 / fte[j]``. A
    ``hard`` offender has one arc (its locked manager) and may not be left unallocated.
    """

    offenders: np.ndarray  # global offender index per local offender
    officers: np.ndarray  # global officer index per local officer
    rank: np.ndarray  # tier rank per offender (0 low .. 3 very high)
    keep_cost: np.ndarray  # handover cost of leaving a validly managed offender unplaced
    level: np.ndarray
    level_step: np.ndarray
    hard: np.ndarray
    cap: np.ndarray
    fte: np.ndarray
    balance_weight: float
    threshold: int | None
    arc_i: np.ndarray
    arc_j: np.ndarray
    arc_travel: np.ndarray
    arc_handover: np.ndarray
    arc_forced: np.ndarray

    @property
    def n(self) -> int:
        return len(self.offenders)

    @property
    def m(self) -> int:
        return len(self.officers)

    def officer_of(self, arc: np.ndarray) -> np.ndarray:
        """Local officer per offender for a chosen arc per offender (-1: none)."""
        officer = np.full(self.n, -1, dtype=np.int64)
        used = arc[arc >= 0]
        officer[self.arc_i[used]] = self.arc_j[used]
        return officer

    def cumulative_counts(self, officer: np.ndarray) -> np.ndarray:
        """``N[j, l]``: offenders of officer ``j`` whose level is ``<= l``."""
        on = officer >= 0
        by_level = np.zeros((self.m, len(self.level_step)), dtype=np.int64)
        np.add.at(by_level, (officer[on], self.level[on]), 1)
        return np.cumsum(by_level, axis=1)

    def evaluate(self, arc: np.ndarray) -> tuple[float, float, float]:
        """Travel, handover and balance cost of a solution (chosen arc per offender,
        -1 for unallocated). The balance is reported in deviation form, ``N[j, l]``
        measured from its fair share ``fte[j] * sum_j N[j, l] / sum_j fte[j]``: with
        everyone allocated that differs from the optimised sum of squares by a
        constant, and it is 0 for a perfectly even spread."""
        used = arc[arc >= 0]
        counts = self.cumulative_counts(self.officer_of(arc)).astype(float)
        share = np.outer(self.fte, counts.sum(axis=0) / max(self.fte.sum(), 1e-12))
        dev = counts - share
        balance = self.balance_weight * np.sum(self.level_step * dev * dev / self.fte[:, None])
        return (
            float(self.arc_travel[used].sum()),
            float(self.arc_handover[used].sum()),
            float(balance),
        )

    def balance_constant(self) -> float:
        """Optimised balance (sum of squares) minus reported balance (deviation form)
        when everyone is allocated: ``balance_weight * sum_l step_l T_l^2 / sum fte``,
        ``T_l`` the component's offenders of level ``<= l``."""
        totals = np.cumsum(np.bincount(self.level, minlength=len(self.level_step)))
        fte = max(float(self.fte.sum()), 1e-12)
        return float(self.balance_weight * np.sum(self.level_step * totals**2) / fte)


@dataclass(frozen=True)
class ComponentSolution:
    """Chosen arc per local offender (-1: unallocated), officer per offender, and the
    objective parts (km-equivalents)."""

    arc: np.ndarray
    officer: np.ndarray
    travel: float
    handover: float
    balance: float


def solve_component(p: AllocationProblem) -> ComponentSolution:
    """Exact min-cost flow of one component: fewest unallocated (highest tiers placed
    first), then least load above the threshold, then fewest forced moves, then least
    travel + handover + balance."""
    n, m = p.n, p.m
    unit = COST_UNITS_PER_KM
    step = p.level_step
    n_lv = len(step)
    j, lv = p.arc_j, p.level[p.arc_i]
    arc_cost = np.rint((p.arc_travel + p.arc_handover) * unit).astype(np.int64)

    # Unit arcs of each officer's level chain: K units per (officer, level), where K is
    # the offenders who could reach it, at most the cap; the k-th unit costs the
    # increment of the balance, balance_weight * step * (2k - 1) / fte. The last
    # level's units are the cap.
    reach = np.zeros((m, n_lv), dtype=np.int64)
    np.add.at(reach, (j, lv), 1)
    reach = np.minimum(np.cumsum(reach, axis=1), p.cap[:, None])
    counts = reach.ravel()
    seg_j = np.repeat(np.repeat(np.arange(m), n_lv), counts)
    seg_l = np.repeat(np.tile(np.arange(n_lv), m), counts)
    k = np.arange(len(seg_j)) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    seg_cost = np.rint(p.balance_weight * step[seg_l] * (2 * k - 1) / p.fte[seg_j] * unit)
    seg_cost = seg_cost.astype(np.int64)

    # Penalties that outweigh every ordinary cost, in order: forced move < load above
    # the threshold < unallocated (a higher tier dearer, all under twice the lowest). An
    # augmenting path through at most `paths` / 2 officers changes ordinary costs by
    # less than `paths * ordinary`.
    paths = 2 * (min(m, _PATH_OFFICERS) + 1)
    ordinary = max(
        unit,
        int(arc_cost.max(initial=0))
        + sum(int(seg_cost[seg_l == x].max(initial=0)) for x in range(n_lv)),
    )
    forced = paths * ordinary
    above = paths * (forced + ordinary) if p.threshold is not None else 0
    drop = paths * (max(above, forced) + ordinary)
    arc_cost = arc_cost + np.where(p.arc_forced, forced, 0)
    if p.threshold is not None:
        seg_cost[(seg_l == n_lv - 1) & (k > p.threshold)] += above
    can_drop = np.flatnonzero(~p.hard)
    # Losing a manager one has is also a handover: among equals, orphans stay unplaced.
    drop_cost = drop * (4 + p.rank[can_drop]) // 4 + np.rint(p.keep_cost[can_drop] * unit)
    if drop * 2 * (n + m * n_lv + 2) >= 2**62:  # pragma: no cover - absurd instance
        raise AllocationError("allocation costs are too large for the flow solver")

    sink = n + m * n_lv
    seg_tail = n + seg_j * n_lv + seg_l
    tails = np.concatenate([p.arc_i, can_drop, seg_tail]).astype(np.int32)
    heads = np.concatenate(
        [
            n + j * n_lv + lv,
            np.full(len(can_drop), sink),
            np.where(seg_l == n_lv - 1, sink, seg_tail + 1),
        ]
    ).astype(np.int32)
    costs = np.concatenate([arc_cost, drop_cost, seg_cost]).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails, heads, np.ones(len(tails), dtype=np.int64), costs
    )
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n] = 1
    supplies[sink] = -n
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise AllocationError(f"the allocation network could not be solved (status {status})")
    used = np.flatnonzero(flow.flows(arcs)[: len(p.arc_i)])
    arc = np.full(n, -1, dtype=np.int64)
    arc[p.arc_i[used]] = used
    travel, handover, balance = p.evaluate(arc)
    return ComponentSolution(arc, p.officer_of(arc), travel, handover, balance)


# --------------------------------------------------------------------------------------
# The one conversion point: pydantic register -> arrays
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Arrays:
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
    return -1 if g is None else _GENDERS.index(g)


def _arrays(
    register: Register,
    policy: Policy,
    settings: AllocationSettings,
    added: Sequence[Officer],
    removed: Collection[str],
    as_of: date | None,
) -> _Arrays:
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
    return _Arrays(
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


# --------------------------------------------------------------------------------------
# Building the components
# --------------------------------------------------------------------------------------

_ORPHAN_REASON = {
    OfficerStatus.REMOVED: ChangeReason.MANAGER_REMOVED,
    OfficerStatus.ABSENT: ChangeReason.MANAGER_ABSENT,
    OfficerStatus.NO_HOURS: ChangeReason.MANAGER_NO_HOURS,
}


@dataclass(frozen=True)
class _Plan:
    """Per-offender classification shared by the builder and the change list."""

    orphan: np.ndarray  # bool: current manager cannot keep them
    orphan_reason: list[ChangeReason | None]
    hard: np.ndarray  # bool: locked to the current manager
    forced: np.ndarray  # bool: may move only as part of the minimal excess
    over_cap: np.ndarray  # per officer: valid caseload above cap
    over_threshold: np.ndarray  # per officer
    valid_load: np.ndarray  # per officer


def _classify(a: _Arrays, lock: bool | Collection[str], threshold: int | None) -> _Plan:
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
    return _Plan(orphan, reasons, hard, forced, over_cap, over_threshold, valid_load)


def _road_km(a: _Arrays, circuity: float, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Road km estimate from officer ``j``'s base to offender ``i``'s home."""
    return (
        great_circle_m(a.home_lat[i], a.home_lon[i], a.base_lat[j], a.base_lon[j])
        * circuity
        / 1000.0
    )


def _candidate_arcs(
    a: _Arrays, plan: _Plan, allow_cross_team: bool, cross_km: float
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


def _components(a: _Arrays, arc_i: np.ndarray, arc_j: np.ndarray) -> np.ndarray:
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
    a: _Arrays,
    plan: _Plan,
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
    km = _road_km(a, policy.circuity, arc_i, arc_j)
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
class _Prepared:
    arrays: _Arrays
    plan: _Plan
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
    return _prepare(
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


def _prepare(
    register: Register,
    policy: Policy,
    settings: AllocationSettings,
    lock: bool | Collection[str],
    threshold: int | None,
    allow_cross_team: bool,
    add_officers: Sequence[Officer],
    remove_officers: Collection[str],
    as_of: date | None,
) -> _Prepared:
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
    return _Prepared(a, plan, problems, names, weights, settings)


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def allocate(
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
    time_limit_s: float = 60.0,
) -> Allocation:
    """Assign every offender on the register to exactly one officer.

    Parameters
    ----------
    register
        Offenders (their ``manager_id`` is the current assignment) and officers.
    policy
        Supplies the tier intervals behind the risk weights and the road circuity.
    settings
        Weights and rules (:class:`AllocationSettings`).
    lock
        True: keep every existing assignment that is still valid (manager available,
        requirement met, within cap) and only place the others; or a collection of
        offender ids to keep. An officer whose locked caseload is over their cap
        loses exactly the excess.
    threshold
        Rebalance only officers with more than this many offenders: everyone else's
        offenders stay, the excess moves (as few moves as possible) and nobody is filled
        above the threshold unless capacity is too short without it.
    allow_cross_team
        Allow managers from other teams based within ``settings.cross_team_km``.
    add_officers
        What-if: officers to add (see :func:`new_officers`).
    remove_officers
        Officer ids leaving (transfer, retirement, what-if): their offenders move.
    as_of
        With a date, officers absent on every working day of the following
        ``settings.absence_days`` days (long-term sick) are treated as unavailable.
    time_limit_s
        Guard on the whole solve (the flow solve itself is exact and polynomial).

    Returns
    -------
    Allocation
        Never over-fills: offenders who cannot be placed are in ``shortfalls`` with
        the reason and the officers needed, and map to None in ``assignment``.
    """
    started = time.monotonic()
    policy = policy or Policy()
    settings = settings or AllocationSettings()
    prep = _prepare(
        register,
        policy,
        settings,
        lock,
        threshold,
        allow_cross_team,
        add_officers,
        remove_officers,
        as_of,
    )
    new = np.full(len(prep.arrays.offender_ids), -1, dtype=np.int64)
    parts = np.zeros(3)
    for p in prep.problems:
        if time.monotonic() - started > time_limit_s:
            raise AllocationError(
                f"allocation took longer than its time limit of {time_limit_s:g} s; "
                "raise the limit or allocate fewer teams at once"
            )
        sol = solve_component(p)
        hit = sol.officer >= 0
        new[p.offenders[hit]] = p.officers[sol.officer[hit]]
        parts += (sol.travel, sol.handover, sol.balance)
    objective = ObjectiveParts(
        travel=float(parts[0]), handover=float(parts[1]), balance=float(parts[2])
    )
    return _result(prep, new, threshold, objective, policy, add_officers, remove_officers)


def apply_allocation(register: Register, allocation: Allocation) -> Register:
    """The register with the new managers (added officers in, removed ones out): what
    the weekly rota plans from. Refuses an allocation that leaves anyone unallocated."""
    if not allocation.is_feasible():
        raise AllocationError(
            f"{len(allocation.unallocated)} offenders have no manager; "
            f"{allocation.officers_needed()} more officers are needed"
        )
    removed = set(allocation.removed_officers)
    offenders = tuple(
        o
        if allocation.assignment[o.id] == o.manager_id
        else o.model_copy(update={"manager_id": allocation.assignment[o.id]})
        for o in register.offenders
    )
    officers = tuple(o for o in register.officers if o.id not in removed)
    return Register(offenders=offenders, officers=officers + allocation.added_officers)


def new_officers(
    register: Register,
    team: str,
    count: int,
    *,
    gender: Gender | None = None,
    settings: AllocationSettings | None = None,
) -> tuple[Officer, ...]:
    """``count`` what-if officers for ``team`` at the mean of its officers' bases, on
    the team's most common shift pattern, with the reference cap; ids ``NEW-001``...
    not already in use."""
    settings = settings or AllocationSettings()
    mates = [o for o in register.officers if o.team == team]
    if not mates:
        raise AllocationError(f"unknown team {team!r}")
    if count < 0:
        raise AllocationError(f"cannot add {count} officers")
    base = Location(
        lat=round(float(np.mean([o.base.lat for o in mates])), 6),
        lon=round(float(np.mean([o.base.lon for o in mates])), 6),
    )
    shifts = Counter(o.shifts for o in mates).most_common(1)[0][0]
    taken = {o.id for o in register.officers}
    out: list[Officer] = []
    k = 0
    while len(out) < count:
        k += 1
        oid = f"NEW-{k:03d}"
        if oid not in taken:
            out.append(
                Officer(
                    id=oid,
                    team=team,
                    base=base,
                    shifts=shifts,
                    caseload_cap=settings.reference_cap,
                    gender=gender,
                )
            )
    return tuple(out)


# --------------------------------------------------------------------------------------
# Result assembly
# --------------------------------------------------------------------------------------


def _result(
    prep: _Prepared,
    new: np.ndarray,
    threshold: int | None,
    objective: ObjectiveParts,
    policy: Policy,
    added: Sequence[Officer],
    removed: Collection[str],
) -> Allocation:
    a = prep.arrays
    tiers = list(RiskTier)
    w_tier = np.array([prep.weights[t] for t in tiers])
    w = w_tier[a.tier]
    m = len(a.officer_ids)
    cur = a.current
    placed = new >= 0
    caseload = np.bincount(new[placed], minlength=m)
    risk = np.bincount(new[placed], weights=w[placed], minlength=m)
    before = np.bincount(cur, minlength=m)
    risk_before = np.bincount(cur, weights=w, minlength=m)
    km = np.zeros(len(new))
    km[placed] = _road_km(a, policy.circuity, np.flatnonzero(placed), new[placed])
    km_sum = np.bincount(new[placed], weights=km[placed], minlength=m)
    moved = new != cur
    moved_in = np.bincount(new[moved & placed], minlength=m)
    moved_out = np.bincount(cur[moved], minlength=m)
    km_before = np.zeros(len(new))
    km_before[moved] = _road_km(a, policy.circuity, np.flatnonzero(moved), cur[moved])

    changes: list[Change] = []
    for i in np.flatnonzero(moved).tolist():
        j1 = int(new[i])
        reason, detail = _explain(prep, i, j1, threshold, risk_before, risk, km_before, km)
        changes.append(
            Change(
                offender_id=a.offender_ids[i],
                tier=tiers[int(a.tier[i])],
                from_officer=a.officer_ids[int(cur[i])],
                to_officer=a.officer_ids[j1] if j1 >= 0 else None,
                reason=reason,
                detail=detail,
            )
        )
    officers = tuple(
        OfficerLoad(
            officer_id=a.officer_ids[j],
            team=a.team_names[int(a.officer_team[j])],
            status=a.officer_status[j],
            cap=int(a.cap[j]),
            caseload_before=int(before[j]),
            caseload=int(caseload[j]),
            risk_load_before=round(float(risk_before[j]), 3),
            risk_load=round(float(risk[j]), 3),
            mean_km=round(float(km_sum[j] / caseload[j]), 3) if caseload[j] else None,
            moved_in=int(moved_in[j]),
            moved_out=int(moved_out[j]),
        )
        for j in range(m)
    )
    return Allocation(
        assignment={
            oid: (a.officer_ids[j] if j >= 0 else None)
            for oid, j in zip(a.offender_ids, new.tolist(), strict=True)
        },
        changes=tuple(changes),
        shortfalls=tuple(_shortfalls(prep, new)),
        officers=officers,
        objective=objective,
        risk_weight=prep.weights,
        added_officers=tuple(added),
        removed_officers=tuple(sorted(removed)),
        threshold=threshold,
        components=len(prep.problems),
    )


def _explain(
    prep: _Prepared,
    i: int,
    j1: int,
    threshold: int | None,
    risk_before: np.ndarray,
    risk: np.ndarray,
    km_before: np.ndarray,
    km: np.ndarray,
) -> tuple[ChangeReason, str]:
    """Why offender ``i`` moves to ``j1`` (-1: nowhere), and the numbers behind it. A
    forced reason comes first; else "nearer base" when the move is at least
    :data:`NEARER_KM` nearer and the annual visiting travel it saves pays for the
    handover on its own; else "rebalance" (including moves that make room in an
    exchange)."""
    a, plan = prep.arrays, prep.plan
    j0 = int(a.current[i])
    old = a.officer_ids[j0]
    team = a.team_names[int(a.team[i])]
    orphan = plan.orphan_reason[i]
    if j1 < 0:
        if orphan is None:
            return ChangeReason.UNALLOCATED, (
                f"no place in {team}: {old}'s place went to a higher-risk offender"
            )
        return ChangeReason.UNALLOCATED, f"no place in {team} ({_orphan_text(a, plan, i)})"
    saved = 2.0 * (km_before[i] - km[i]) * a.visits_per_year[i]
    if orphan is not None:
        reason, head = orphan, _orphan_text(a, plan, i) + "; "
    elif plan.over_cap[j0] > 0:
        reason = ChangeReason.OVER_CAP
        head = f"{old} had {plan.valid_load[j0]} for {a.cap[j0]} places; "
    elif threshold is not None and plan.over_threshold[j0] > 0:
        reason = ChangeReason.OVER_THRESHOLD
        head = f"{old} had {plan.valid_load[j0]}, threshold {threshold}; "
    elif km[i] <= km_before[i] - NEARER_KM and saved >= prep.settings.handover_km:
        reason, head = ChangeReason.NEARER_BASE, ""
    else:
        reason, head = ChangeReason.REBALANCE, ""
    cross = ""
    if a.officer_team[j1] != a.team[i]:
        cross = f"; cross-team {team} -> {a.team_names[int(a.officer_team[j1])]}"
    new_id = a.officer_ids[j1]
    return reason, (
        f"{head}risk-weighted load {old} {risk_before[j0]:.1f}->{risk[j0]:.1f}, "
        f"{new_id} {risk_before[j1]:.1f}->{risk[j1]:.1f}; "
        f"base km {km_before[i]:.1f}->{km[i]:.1f}{cross}"
    )


def _orphan_text(a: _Arrays, plan: _Plan, i: int) -> str:
    """Why offender ``i``'s current manager cannot keep them."""
    j0 = int(a.current[i])
    if plan.orphan_reason[i] is ChangeReason.GENDER_REQUIREMENT:
        return f"needs a {_GENDERS[int(a.required[i])].value} officer"
    return f"{a.officer_ids[j0]} is {a.officer_status[j0].value.replace('_', ' ')}"


def _shortfalls(prep: _Prepared, new: np.ndarray) -> list[Shortfall]:
    """Explain the unallocated, per component (team) and requirement, with the officers
    needed. Offenders needing an officer of a given gender count against that gender
    only as far as their number exceeds those officers' free places (places less those
    held by locked offenders without the requirement); the rest, and everyone without a
    requirement, count against the team's places, less the spare places the extra
    gender-specific officers would bring."""
    a, plan = prep.arrays, prep.plan
    per_cap = prep.settings.reference_cap
    out: list[Shortfall] = []
    for p, name in zip(prep.problems, prep.component_names, strict=True):
        rows = p.offenders
        lost = rows[new[rows] < 0]
        if not len(lost):
            continue
        lost = lost[np.argsort(a.tier[lost], kind="stable")]
        cols = p.officers
        spare, extra, general = 0, 0, [lost[a.required[lost] < 0]]
        for g in (1, 0):
            mine = lost[a.required[lost] == g]
            if not len(mine):
                continue
            places = int(a.cap[cols][a.officer_gender[cols] == g].sum())
            demand = int((a.required[rows] == g).sum())
            held = rows[plan.hard[rows] & (a.required[rows] != g)]
            held_n = int((a.officer_gender[a.current[held]] == g).sum())
            excess = min(len(mine), max(0, demand - (places - held_n)))
            general.append(mine[excess:])
            if excess:
                need = math.ceil(excess / per_cap)
                spare += need * per_cap - excess
                extra += need
                out.append(_shortfall(a, name, g, mine[:excess], demand, places, need, held_n))
        rest = np.concatenate(general)
        if len(rest):
            need = math.ceil(max(0, len(rest) - spare) / per_cap)
            places = int(a.cap[cols].sum())
            short = _shortfall(a, name, -1, rest, len(rows), places, need, 0)
            if not need:
                short = short.model_copy(
                    update={
                        "message": short.message.replace(
                            "; 0 more officers needed",
                            f"; the {extra} extra officer(s) above would also take them",
                        )
                    }
                )
            out.append(short)
    return out


def _shortfall(
    a: _Arrays,
    team: str,
    g: int,
    offenders: np.ndarray,
    demand: int,
    places: int,
    need: int,
    held: int,
) -> Shortfall:
    who = "officer" if g < 0 else f"{_GENDERS[g].value} officer"
    ids = tuple(a.offender_ids[i] for i in offenders.tolist())
    if g < 0:
        what = f"{len(ids)} offenders cannot be allocated in {team}"
        why = f"{demand} offenders for {places} places"
    else:
        what = f"{len(ids)} offenders needing a {who} cannot be allocated in {team}"
        why = f"{demand} need one; {_GENDERS[g].value} officers' places: {places}"
        if held:
            why += f", {held} held by locked offenders without the requirement"
    return Shortfall(
        team=team,
        requirement=None if g < 0 else _GENDERS[g],
        reason=ShortfallReason.NO_OFFICER if places == 0 else ShortfallReason.CAPACITY,
        offenders=ids,
        demand=demand,
        places=places,
        officers_needed=need,
        message=f"{what}: {why}; {need} more {who}{'' if need == 1 else 's'} needed",
    )
