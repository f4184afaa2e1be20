"""Re-plan after one officer's absence: time for one met team and for the whole of met
(target <= 2 s for met), and disruption (visits moved) against a from-scratch plan of
the same week with the absence.

Run: ``PYTHONPATH=. python benchmarks/replan.py [--seed N]``. Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import timedelta

from data.scenarios import generate
from models import Policy
from scheduler.plan.planner import plan_week
from scheduler.plan.replan import DayState, replan


def later_signatures(rota, start):
    return {
        v.offender_id: (v.officer_ids, v.date, v.slot)
        for v in rota.visits
        if v.date >= start and not v.short_notice
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args()
    sc = generate("met", args.seed)
    reg, week, policy = sc.register, sc.week_start, Policy()
    t = time.perf_counter()
    rota = plan_week(reg, policy, week, seed=1)
    print(f"met weekly plan: {len(rota.visits)} visits in {time.perf_counter() - t:.2f} s")
    start = week + timedelta(days=1)
    busiest = Counter(
        v.officer_ids[0] for v in rota.visits if start <= v.date <= start + timedelta(days=1)
    ).most_common(1)[0][0]
    away = {busiest: {start, start + timedelta(days=1)}}
    affected = sum(1 for v in rota.visits if busiest in v.officer_ids and v.date in away[busiest])
    t = time.perf_counter()
    one = replan(rota, reg, policy, start, DayState(absences=away), seed=2)
    t_team = time.perf_counter() - t
    t = time.perf_counter()
    every = replan(rota, reg, policy, start, DayState(absences=away), seed=2, all_teams=True)
    t_all = time.perf_counter() - t
    absent_reg = reg.model_copy(
        update={
            "officers": tuple(
                o.model_copy(update={"absent": tuple(sorted(away[o.id]))}) if o.id == busiest else o
                for o in reg.officers
            )
        }
    )
    scratch = plan_week(absent_reg, policy, week, seed=3)
    before, fresh = later_signatures(rota, start), later_signatures(scratch, start)
    scratch_moved = sum(1 for k, v in before.items() if fresh.get(k) != v)
    print(f"absence: {busiest} Tue-Wed, {affected} of their visits on those days")
    print(f"replan one team ({', '.join(one.teams)}): {t_team:.2f} s, {len(one.changes)} changes")
    print(
        f"replan all of met ({len(every.teams)} teams): {t_all:.2f} s, {len(every.changes)} changes"
    )
    print(
        f"from-scratch plan of the same week: {scratch_moved} of {len(before)} later visits changed"
    )


if __name__ == "__main__":
    main()
