"""Travel benchmark: the offline matrix's speed, and what the road-network client sends.

Run::

    python -m benchmarks.travel [--points 2000] [--seed 20261130] [--max-table-size 100]
        [--skip-plan]

* **Offline matrix.** Wall-clock time (best of 3, ``time.perf_counter``) of
  ``GreatCircleTravel().matrix_s`` for ``--points`` random London points (target:
  :data:`TARGET_OFFLINE_S` for 2,000 x 2,000 on a 2-core machine).
* **OSRM client on a met week.** The bundled ``met`` scenario
  (``data.scenarios.generate("met", seed)``) planned with :class:`OsrmTravel` against
  the local fake server (``tests/scheduler/core/fake_routing.py``, table size limit
  ``--max-table-size``) twice with one client: the first run fills the cache, the second
  must send nothing. For each run: HTTP requests, pairs of distinct points the planner's
  matrices needed, the cache hit rate, table cells asked for, and the plan's wall time.
  The same seed both times, so both runs plan the same visits.

Nothing leaves the machine: the server is on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from scheduler.core.roads import OsrmTravel, TravelStats
from scheduler.core.travel import GreatCircleTravel
from tests.scheduler.core.fake_routing import FakeRoutingServer

TARGET_OFFLINE_S = 1.0


def offline_matrix_s(points: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    lat, lon = rng.uniform(51.28, 51.70, points), rng.uniform(-0.51, 0.33, points)
    model = GreatCircleTravel()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        m = model.matrix_s(lat, lon)
        best = min(best, time.perf_counter() - start)
    assert m.shape == (points, points)
    return best


def met_week(seed: int, max_table_size: int) -> list[tuple[str, TravelStats, float, int]]:
    from data.scenarios import generate
    from scheduler.plan.planner import plan_week

    scenario = generate("met", seed)
    rows = []
    with FakeRoutingServer(max_table_size=max_table_size) as fake:
        client = OsrmTravel(fake.url, max_table_size=max_table_size)
        for run in ("first (empty cache)", "second (same week)"):
            client.stats = TravelStats()
            start = time.perf_counter()
            rota = plan_week(scenario.register, None, scenario.week_start, seed=seed, travel=client)
            elapsed = time.perf_counter() - start
            assert len(fake.requests) >= client.stats.requests
            rows.append((run, client.stats, elapsed, len(rota.visits)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--max-table-size", type=int, default=100)
    parser.add_argument("--skip-plan", action="store_true", help="Only the offline matrix.")
    args = parser.parse_args()

    t = offline_matrix_s(args.points, args.seed)
    verdict = "meets" if t <= TARGET_OFFLINE_S else "MISSES"
    print(f"Offline matrix {args.points} x {args.points}: {t:.3f} s (best of 3), {verdict} "
          f"the {TARGET_OFFLINE_S:g} s target")  # fmt: skip
    if args.skip_plan:
        return
    print(f"\nmet week (seed {args.seed}), OSRM client against the fake server "
          f"(max table size {args.max_table_size})")  # fmt: skip
    head = f"{'run':22}{'requests':>9}{'pairs needed':>14}{'from cache':>12}{'hit rate':>10}"
    print(head + f"{'cells asked':>13}{'plan s':>8}{'visits':>8}")
    for run, s, elapsed, visits in met_week(args.seed, args.max_table_size):
        print(
            f"{run:22}{s.requests:9d}{s.pairs_needed:14,d}{s.pairs_from_cache:12,d}"
            f"{s.cache_hit_rate:10.1%}{s.cells_requested:13,d}{elapsed:8.1f}{visits:8d}"
        )


if __name__ == "__main__":
    main()
