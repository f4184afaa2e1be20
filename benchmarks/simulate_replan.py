"""52-week compliance with the daily re-plan against the earlier weekly model.

``daily_replan`` (the default): the Monday plan sees booked leave only; each morning
that day's sickness and abstraction become known and the rest of the week is re-planned
(``scheduler.plan.replan``), failed and called-off visits re-attempted. The earlier model
told the planner the week's sickness on Monday and only rebooked called-off visits. Both
run in one process, one after the other, with the same seeds.

    python -m benchmarks.simulate_replan --scenario borough --weeks 52
    python -m benchmarks.simulate_replan --scenario met --weeks 52
"""

from __future__ import annotations

import time

import click

from data.scenarios import generate
from models import Policy
from scheduler.staffing.result import Measure
from scheduler.staffing.simulate import simulate

KEYS = ("very_high", "high_and_very_high", "all")


@click.command()
@click.option("--scenario", default="borough", show_default=True)
@click.option("--weeks", default=52, show_default=True)
@click.option("--seed", default=7, show_default=True, help="Simulation seed.")
@click.option("--scenario-seed", default=12345, show_default=True)
def main(scenario: str, weeks: int, seed: int, scenario_seed: int) -> None:
    sc = generate(scenario, scenario_seed)
    warmup = min(8, weeks // 2)
    print(f"{scenario}: {weeks} weeks, warm-up {warmup}, seed {seed}; shares of offender-weeks")
    print("columns: on time (on) and attempted on time (at): very high, high+very high, all")
    short = {"very_high": "vh", "high_and_very_high": "hvh", "all": "all"}
    heads = [f"{m.value[:2]}:{short[k]}" for m in Measure for k in KEYS]
    print(f"{'model':<14}{'time s':>8}  " + "  ".join(f"{h:>6}" for h in heads))
    for daily in (False, True):
        t = time.perf_counter()
        r = simulate(
            sc.register,
            Policy(),
            sc.week_start,
            weeks,
            seed=seed,
            warmup_weeks=warmup,
            daily_replan=daily,
        )
        cells = [f"{r.compliance(m)[k]:.4f}" for m in Measure for k in KEYS]
        name = "daily replan" if daily else "monday known"
        print(f"{name:<14}{time.perf_counter() - t:>8.1f}  " + "  ".join(cells))


if __name__ == "__main__":
    main()
