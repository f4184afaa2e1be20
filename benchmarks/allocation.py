"""Caseload-allocation benchmark: speed, fairness, travel and optimality on the bundled
scenarios.

Run::

    python -m benchmarks.allocation [--scenarios met,national] [--modes rebalance,fresh]
        [--seed N] [--no-bound] [--out benchmarks/results/allocation.csv]

For each scenario and mode, in one run:

* wall-clock time (``time.perf_counter``) of :func:`scheduler.allocation.solve.allocate` on
  its own (scenario generation is timed separately), against
  :data:`TARGET_S` (2-core machine);
* spread of risk-weighted load per place, max/mean: over all officers, and within each
  team (mean and worst team), before (the scenario's own assignment) and after;
* mean base-to-home road distance (km) before and after, and the number of moves;
* the objective (travel + handover + balance, km-equivalents of annual visiting travel)
  and **the LP relaxation bound of the same model, solved independently in the same
  run**: per component, HiGHS (``scipy.optimize.linprog``) on a formulation written here
  from the problem data (assignment variables in [0, 1], cumulative level counts, and
  the convex piecewise-linear balance cost as an epigraph of its chords), not the flow
  network the library solves. The allocation model is a min-cost flow, whose constraint
  matrix is totally unimodular, so its LP relaxation has an integral optimum: the gap
  checks that the flow solver reached the optimum (up to the solver's rounding of costs
  to 0.1 km), not how far a heuristic is from a bound. What the model cannot see (the
  balance of the risk-weighted load itself, beyond its per-tier cumulative counts) shows
  in the spread figures instead.

Modes: ``rebalance`` starts from the scenario's assignment with the default handover
cost (a change of manager costs 150 km-equivalents); ``fresh`` sets the handover cost to
0, i.e. allocates from scratch; ``cross`` is ``rebalance`` with managers from other
teams based within 15 km allowed (teams then join into large components; the LP bound
is skipped for it).

Results are printed and written to a CSV (``benchmarks/results/`` is git-ignored).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from data.scenarios import DEFAULT_SEED, SCENARIOS, generate
from models import Policy, Register
from scheduler.allocation import (
    Allocation,
    AllocationProblem,
    AllocationSettings,
    allocate,
    build_problems,
)
from scheduler.core.travel import great_circle_m

#: Allocation-time targets (seconds, wall clock, 2-core machine).
TARGET_S = {"borough": 1.0, "met": 10.0, "national": 30.0}
#: Target gap between the objective and the LP relaxation bound.
TARGET_GAP = 0.01
#: Mode -> (settings, allow cross-team managers).
MODES = {
    "rebalance": (AllocationSettings(), False),
    "fresh": (AllocationSettings(handover_km=0.0), False),
    "cross": (AllocationSettings(), True),
}
DEFAULT_OUT = Path("benchmarks/results/allocation.csv")


def lp_bound(p: AllocationProblem) -> float:
    """LP relaxation of one component's model with everyone allocated, in the reported
    (deviation) form: the optimum minus :meth:`AllocationProblem.balance_constant`.

    Variables: ``x_a`` in [0, 1] per arc, ``N_jl`` in [0, cap_j] (officer ``j``'s
    offenders of level <= ``l``), ``z_jl`` >= 0 (their balance cost). Rows: each
    offender on exactly one arc; ``N_jl`` equal to the sum of its arcs; ``z_jl`` above
    every chord ``(2k+1) g N - g (k^2 + k)`` of ``g N^2``, ``g = balance_weight *
    step_l / fte_j``, for ``k = 0 .. cap_j - 1`` (the epigraph of the piecewise-linear
    cost that the flow's unit arcs price). Forced moves, threshold and unallocation
    penalties are not modelled: the benchmark's runs use none of them.
    """
    from scipy import sparse
    from scipy.optimize import linprog

    n, m, n_lv, n_arcs = p.n, p.m, len(p.level_step), len(p.arc_i)
    if m == 0:
        raise ValueError("a component without officers has no feasible allocation")
    n_nl = m * n_lv
    x0, nl0, z0 = 0, n_arcs, n_arcs + n_nl
    n_var = n_arcs + 2 * n_nl
    cost = np.zeros(n_var)
    cost[:n_arcs] = p.arc_travel + p.arc_handover
    cost[z0:] = 1.0

    # Equalities: one arc per offender; N_jl - sum of arcs of (j, level <= l) = 0.
    lv_a = p.level[p.arc_i]
    rep = n_lv - lv_a  # each arc counts in levels lv_a .. n_lv - 1
    arc_rep = np.repeat(np.arange(n_arcs), rep)
    lvl_rep = np.arange(len(arc_rep)) - np.repeat(np.cumsum(rep) - rep, rep) + lv_a[arc_rep]
    nl_row = p.arc_j[arc_rep] * n_lv + lvl_rep
    eq_rows = np.concatenate([p.arc_i, n + nl_row, n + np.arange(n_nl)])
    eq_cols = np.concatenate([x0 + np.arange(n_arcs), x0 + arc_rep, nl0 + np.arange(n_nl)])
    eq_vals = np.concatenate([np.ones(n_arcs), -np.ones(len(arc_rep)), np.ones(n_nl)])
    a_eq = sparse.csr_matrix((eq_vals, (eq_rows, eq_cols)), shape=(n + n_nl, n_var))
    b_eq = np.concatenate([np.ones(n), np.zeros(n_nl)])

    # Chords: (2k+1) g N_jl - z_jl <= g (k^2 + k), k = 0 .. cap_j - 1.
    per = np.repeat(p.cap, n_lv)  # chords per (j, l)
    jl = np.repeat(np.arange(n_nl), per)
    k = np.arange(len(jl)) - np.repeat(np.cumsum(per) - per, per)
    g = p.balance_weight * p.level_step[jl % n_lv] / p.fte[jl // n_lv]
    rows = np.arange(len(jl))
    a_ub = sparse.csr_matrix(
        (
            np.concatenate([(2 * k + 1) * g, -np.ones(len(jl))]),
            (np.concatenate([rows, rows]), np.concatenate([nl0 + jl, z0 + jl])),
        ),
        shape=(len(jl), n_var),
    )
    b_ub = g * (k * k + k)
    bounds = np.zeros((n_var, 2))
    bounds[:n_arcs, 1] = 1.0
    bounds[nl0:z0, 1] = np.repeat(p.cap, n_lv)
    bounds[z0:, 1] = np.inf
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if res.status != 0:
        raise RuntimeError(f"LP relaxation not solved: {res.message}")
    return float(res.fun) - p.balance_constant()


def spread(loads: np.ndarray, teams: np.ndarray) -> tuple[float, float, float]:
    """Max/mean over all officers, and the mean and worst of the per-team max/mean."""
    overall = float(loads.max() / loads.mean())
    per_team = [
        loads[teams == t].max() / loads[teams == t].mean()
        for t in np.unique(teams)
        if loads[teams == t].mean() > 0
    ]
    return overall, float(np.mean(per_team)), float(np.max(per_team))


def mean_km_before(register: Register, policy: Policy) -> float:
    base = {o.id: (o.base.lat, o.base.lon) for o in register.officers}
    lat = np.array([o.home.lat for o in register.offenders])
    lon = np.array([o.home.lon for o in register.offenders])
    b = np.array([base[o.manager_id] for o in register.offenders])
    return float(np.mean(great_circle_m(lat, lon, b[:, 0], b[:, 1])) * policy.circuity / 1000)


def measure(
    name: str, mode: str, register: Register, policy: Policy, with_bound: bool
) -> dict[str, Any]:
    settings, cross = MODES[mode]
    t0 = time.perf_counter()
    allocation: Allocation = allocate(register, policy, settings=settings, allow_cross_team=cross)
    elapsed = time.perf_counter() - t0

    working = [o for o in allocation.officers if o.cap > 0]
    teams = np.array([o.team for o in working])
    cap = np.array([o.cap for o in working], dtype=float)
    before = spread(np.array([o.risk_load_before for o in working]) / cap, teams)
    after = spread(np.array([o.risk_load for o in working]) / cap, teams)
    summary = allocation.summary()
    row: dict[str, Any] = {
        "scenario": name,
        "mode": mode,
        "offenders": len(register.offenders),
        "officers": len(working),
        "components": allocation.components,
        "time_s": round(elapsed, 3),
        "target_s": TARGET_S[name],
        "within_target": elapsed <= TARGET_S[name],
        "unallocated": summary["unallocated"],
        "moves": summary["changes"],
        "spread_before": round(before[0], 4),
        "spread_after": round(after[0], 4),
        "team_spread_mean_before": round(before[1], 4),
        "team_spread_mean_after": round(after[1], 4),
        "team_spread_worst_before": round(before[2], 4),
        "team_spread_worst_after": round(after[2], 4),
        "mean_km_before": round(mean_km_before(register, policy), 3),
        "mean_km_after": summary["mean_travel_km"],
        "travel": round(allocation.objective.travel, 1),
        "handover": round(allocation.objective.handover, 1),
        "balance": round(allocation.objective.balance, 1),
        "objective": round(allocation.objective.total, 1),
        "lp_bound": "",
        "gap": "",
        "lp_time_s": "",
    }
    if with_bound and not cross and allocation.is_feasible():
        t1 = time.perf_counter()
        bound = sum(lp_bound(p) for p in build_problems(register, policy, settings=settings))
        row["lp_time_s"] = round(time.perf_counter() - t1, 2)
        gap = (allocation.objective.total - bound) / abs(allocation.objective.total)
        row.update(lp_bound=round(bound, 1), gap=f"{gap:.2e}", within_gap=gap <= TARGET_GAP)
    return row


def _print(rows: list[dict[str, Any]]) -> None:
    head = (
        f"{'scenario':<9}{'mode':<10}{'offenders':>10}{'officers':>9}{'time s':>8}"
        f"{'moves':>7}{'max/mean':>16}{'team mean':>16}{'team worst':>16}"
        f"{'mean km':>14}{'objective':>13}{'LP bound':>13}{'gap':>10}"
    )
    print(head)
    for r in rows:
        print(
            f"{r['scenario']:<9}{r['mode']:<10}{r['offenders']:>10,}{r['officers']:>9,}"
            f"{r['time_s']:>8.2f}{r['moves']:>7}"
            f"{r['spread_before']:>8.3f}>{r['spread_after']:<7.3f}"
            f"{r['team_spread_mean_before']:>8.3f}>{r['team_spread_mean_after']:<7.3f}"
            f"{r['team_spread_worst_before']:>8.3f}>{r['team_spread_worst_after']:<7.3f}"
            f"{r['mean_km_before']:>7.2f}>{r['mean_km_after']:<6.2f}"
            f"{r['objective']:>13,.0f}"
            f"{r['lp_bound'] if r['lp_bound'] == '' else format(r['lp_bound'], ',.0f'):>13}"
            f"{r['gap']:>10}"
        )
    print(
        "(max/mean: risk-weighted load per place, before>after; mean km: base to home;"
        " objective and bound in km-equivalents of annual visiting travel)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.allocation", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument(
        "--scenarios",
        default="met,national",
        help="comma-separated subset of: " + ",".join(SCENARIOS),
    )
    ap.add_argument(
        "--modes", default="rebalance,fresh", help="comma-separated subset of: " + ",".join(MODES)
    )
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="scenario seed")
    ap.add_argument("--no-bound", action="store_true", help="skip the LP relaxation bound")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="CSV to write")
    args = ap.parse_args(argv)
    names = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    modes = [s.strip() for s in args.modes.split(",") if s.strip()]
    if not names or any(n not in SCENARIOS for n in names):
        ap.error(f"scenarios must be among {', '.join(SCENARIOS)}")
    if not modes or any(m not in MODES for m in modes):
        ap.error(f"modes must be among {', '.join(MODES)}")

    import ortools
    import scipy

    print(
        f"python {platform.python_version()}, ortools {ortools.__version__}, "
        f"scipy {scipy.__version__}, {os.cpu_count()} CPUs, seed {args.seed}"
    )
    policy = Policy()
    rows = []
    for name in names:
        t0 = time.perf_counter()
        scenario = generate(name, args.seed)
        print(f"{name}: generated in {time.perf_counter() - t0:.1f} s")
        for mode in modes:
            rows.append(measure(name, mode, scenario.register, policy, not args.no_bound))
            r = rows[-1]
            print(f"  {mode}: {r['time_s']:.2f} s, LP bound {r['lp_time_s']} s")
    print()
    _print(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with open(args.out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    print(f"\nwrote {args.out}")
    failed = [r for r in rows if not r["within_target"] or r.get("within_gap") is False]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
