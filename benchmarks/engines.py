"""The two routing engines side by side on the planner's own team problems.

Run::

    python -m benchmarks.engines [--scenarios borough,met] [--seed N] [--teams N]
        [--out benchmarks/results/engines.csv]

Every team's week of a scenario is built as ``plan_week`` builds it (same seed, same
drawn day-slots), then routed once, without the repair passes, with the planner's time
limit for that team, by:

* ``ortools``: OR-Tools' descent to its local optimum (the planner's default; it stops
  well inside the limit);
* ``ortools-gls``: OR-Tools with guided local search for the whole limit;
* ``pyvrp``: PyVRP's iterated local search for the whole limit (clock only);
* ``pyvrp-polish``: PyVRP for the whole limit, started from the ``ortools`` plan.

Teams PyVRP cannot state (:func:`scheduler.plan.pyvrp_engine.unfit_reason`) are counted
and skipped. Per engine: visits made, travel per visit made, the plan cost in the one
scale both share (:func:`scheduler.plan.pyvrp_engine.plan_cost`: travel, cover, lateness,
drop penalties) as a ratio to ``ortools``, and CPU seconds. Ratios come from one run,
so machine load cancels out.
"""

from __future__ import annotations

import argparse
import copy
import csv
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from data.scenarios import DEFAULT_SEED, generate
from models import Policy
from scheduler.core.roads import offline_travel
from scheduler.plan.households import merge_households
from scheduler.plan.planner import build_task, team_tasks, team_time_limits, week_due
from scheduler.plan.problem import TeamProblem
from scheduler.plan.pyvrp_engine import plan_cost, solve_team_pyvrp, unfit_reason
from scheduler.plan.routing import TeamSolution, solve_team
from scheduler.timing.randomness import draw_generators

PLAN_SEED = 20261130

Solver = Callable[[TeamProblem, float], TeamSolution]


def _ortools(problem: TeamProblem, limit: float) -> TeamSolution:
    return solve_team(problem, limit, False)


def _ortools_gls(problem: TeamProblem, limit: float) -> TeamSolution:
    return solve_team(problem, limit, True)


def _pyvrp(problem: TeamProblem, limit: float) -> TeamSolution:
    return solve_team_pyvrp(problem, limit, iterations=0)


def _pyvrp_polish(problem: TeamProblem, limit: float) -> TeamSolution:
    start = solve_team(copy.deepcopy(problem), limit, False)
    routes = [[s.node for s in r] for r in start.routes]
    return solve_team_pyvrp(problem, limit, routes, iterations=0)


ENGINES: dict[str, Solver] = {
    "ortools": _ortools,
    "ortools-gls": _ortools_gls,
    "pyvrp": _pyvrp,
    "pyvrp-polish": _pyvrp_polish,
}


def week_problems(name: str, seed: int, policy: Policy) -> list[TeamProblem]:
    """A scenario's team problems exactly as ``plan_week(seed=PLAN_SEED)`` builds them."""
    sc = generate(name, seed=seed)
    travel = offline_travel(policy)
    due_rng, team_seed = draw_generators(PLAN_SEED)
    due, rest = week_due(sc.register, policy, sc.week_start, due_rng, None)
    planned, due, _, _ = merge_households(sc.register, policy, sc.week_start, due, rest)
    tasks = team_tasks(planned, policy, sc.week_start, due, travel, team_seed)
    return [build_task(t)[0] for t in tasks]


def _travel_s(solution: TeamSolution) -> int:
    return sum(s.travel_to_s for r in solution.routes for s in r) + int(
        solution.return_travel_s.sum()
    )


def run_scenario(name: str, seed: int, max_teams: int | None) -> list[dict[str, Any]]:
    policy = Policy()
    problems = [p for p in week_problems(name, seed, policy) if p.n_nodes > p.n_officers]
    limits = team_time_limits(problems, policy)
    fits = [(p, t) for p, t in zip(problems, limits, strict=True) if unfit_reason(p) is None]
    fits = fits[:max_teams] if max_teams else fits
    totals = {e: {"made": 0, "travel": 0, "cost": 0, "cpu": 0.0} for e in ENGINES}
    for k, (problem, limit) in enumerate(fits, 1):
        print(f"[{name}] team {k}/{len(fits)} {problem.team}", file=sys.stderr, flush=True)
        for engine, solve in ENGINES.items():
            clock = time.process_time()
            solution = solve(copy.deepcopy(problem), limit)
            totals[engine]["cpu"] += time.process_time() - clock
            totals[engine]["made"] += problem.n_nodes - problem.n_officers - len(solution.dropped)
            totals[engine]["travel"] += _travel_s(solution)
            totals[engine]["cost"] += plan_cost(problem, solution)
    base = totals["ortools"]
    rows = []
    for engine, t in totals.items():
        rows.append(
            {
                "scenario": name,
                "engine": engine,
                "teams": len(fits),
                "teams_unfit": len(problems) - len(fits) if not max_teams else None,
                "visit_nodes": sum(p.n_nodes - p.n_officers for p, _ in fits),
                "made": t["made"],
                "travel_min_per_visit": round(t["travel"] / 60 / max(1, t["made"]), 2),
                "cost_ratio": round(t["cost"] / base["cost"], 4) if base["cost"] else None,
                "cpu_s": round(t["cpu"], 1),
                "limit_s": round(sum(lim for _, lim in fits), 1),
            }
        )
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    head = f"{'scenario':<9} {'engine':<13} {'made':>5} {'min/visit':>9} {'cost':>7} {'cpu s':>7}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['scenario']:<9} {r['engine']:<13} {r['made']:>5} "
            f"{r['travel_min_per_visit']:>9.2f} {r['cost_ratio']:>7.4f} {r['cpu_s']:>7.1f}"
        )
    for name in dict.fromkeys(r["scenario"] for r in rows):
        first = next(r for r in rows if r["scenario"] == name)
        lines.append(
            f"{name}: {first['teams']} teams, {first['visit_nodes']} visit nodes, "
            f"{first['limit_s']} s of time limits; unfit teams skipped: {first['teams_unfit']}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.engines", description=__doc__)
    ap.add_argument("--scenarios", default="borough,met")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="scenario seed")
    ap.add_argument("--teams", type=int, help="only the first N teams of each scenario")
    ap.add_argument("--out", type=Path, help="CSV file to write")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore", module="pyvrp")
    rows = []
    for name in args.scenarios.split(","):
        rows += run_scenario(name.strip(), args.seed, args.teams)
    print(format_table(rows))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
