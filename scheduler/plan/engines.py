"""Which routing engine solves a team's week: OR-Tools (the default) or PyVRP.

``pyvrp`` uses :mod:`.pyvrp_engine` where PyVRP can state the team's problem exactly
and OR-Tools where it cannot (:func:`.pyvrp_engine.unfit_reason`), so a choice of
engine never changes which rules a plan keeps. Measurements behind the default:
docs/design/routing-search.md.
"""

from __future__ import annotations

from typing import Literal

from scheduler.plan.problem import TeamProblem
from scheduler.plan.pyvrp_engine import solve_team_pyvrp, unfit_reason
from scheduler.plan.routing import TeamSolution, solve_team

Engine = Literal["ortools", "pyvrp"]
ENGINES: tuple[Engine, ...] = ("ortools", "pyvrp")


def solve_with(
    engine: Engine,
    problem: TeamProblem,
    time_limit_s: float,
    guided_local_search: bool,
    initial_routes: list[list[int]] | None = None,
    *,
    iterations: int | None = None,
) -> TeamSolution:
    """One routing pass by ``engine`` (OR-Tools where PyVRP cannot state the problem).
    ``iterations`` is PyVRP's budget (None: by size; 0: ``time_limit_s`` alone)."""
    if engine == "pyvrp" and unfit_reason(problem) is None:
        return solve_team_pyvrp(problem, time_limit_s, initial_routes, iterations=iterations)
    return solve_team(problem, time_limit_s, guided_local_search, initial_routes)
