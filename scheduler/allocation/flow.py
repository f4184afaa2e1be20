"""One component's network (a team, or teams joined by cross-team arcs) and its exact
min-cost flow solve; the model is described in ``docs/design/allocation.md``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from scheduler.allocation.settings import AllocationError

#: Integer cost units per km-equivalent in the flow network.
COST_UNITS_PER_KM = 10
#: Most officers an augmenting path is assumed to pass through when the penalties that
#: must dominate ordinary costs are sized (exact for components of up to this many
#: officers, which is every single team; cross-team components can be larger).
_PATH_OFFICERS = 30


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
