"""How unpredictable are the planner's visits, and what does it cost in travel?

Run::

    python -m benchmarks.unpredictability [--scenarios borough,met] [--weeks 52]
        [--premium-every 4] [--seed 1] [--replications 1] [--jobs 1] [--workers 2]
        [--visit-options N] [--option-day-pull X]

For each scenario, 52 weeks are simulated (``scheduler.staffing.simulate``, default event rates:
failed visits, register changes, officer absence) twice:

* **randomised**: the default policy (secret gap draws, mean gap 0.75 x interval, two
  random (day, slot) options per visit, the second pulled to the manager's busy days,
  short-notice revisits);
* **naive**: visits on the due date (``gap_shape = "fixed"``), always in the morning,
  no options, no revisits: the bad example.

Both histories go through ``rota audit`` (``scheduler.timing.audit.audit``) against the same
**baseline**, the maximum-entropy schedule with the default policy's interval and mean
gap and the most even (weekday, slot) mix the unit's shifts can carry
(``scheduler.timing.slot_mix``), and each attacker's score is printed as a ratio to the
baseline (targets: worst-week detection >= 0.9, slot and gap attackers <= 1.1); an
offender with weekly hours away from home is held to that mix over the pairs they are at
home (``available_pairs``). The CSV
also holds the slot attacker against the policy's own mix over every staffed pair
(``slot_ratio_policy_mix``): what more late and weekend shifts would buy. The **travel premium** is
measured on every ``--premium-every``-th week of the randomised run: the same week's
visits are re-planned with every feasible day and time open to the optimiser
(``plan_week(relax_timing=True)``, same seed and history), and the premium is the extra
travel per visit of the randomised plan over that travel-optimal one (target <= 10%).
"On time" is the share of active offender-weeks with no visit overdue after an 8-week
warm-up, per tier (the scenarios start with a backlog).

One 52-week run is one sample: on ``borough`` (six officers, three or four visits each a
week) the premium swings by several points from seed to seed. ``--replications N`` runs
seeds ``seed .. seed + N - 1`` (``--jobs`` of them at a time, in processes) and prints
each figure's mean over the runs, and the premium's mean with its 95% interval and
range; the CSV keeps every run's rows. Column ``n`` is the gap attacker's predictions
(over all runs): a low-risk offender (interval 365 days) has a gap or two a year to
predict from, so on ``borough`` that tier's gap ratio rests on a few dozen predictions.

Results go to ``benchmarks/results/unpredictability.csv`` and the trade-off table to
``benchmarks/results/tradeoff.csv``.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from data.scenarios import generate
from models import GapShape, Policy, RiskTier
from scheduler.core.windows import staffed_policy
from scheduler.plan.planner import plan_week
from scheduler.staffing.curve import Band
from scheduler.staffing.result import SimulationResult
from scheduler.staffing.simulate import PlannedWeek, simulate
from scheduler.timing.audit import audit
from scheduler.timing.slot_mix import available_pairs, drawing_policy
from scheduler.timing.tradeoff import tradeoff_table

RESULTS = Path(__file__).parent / "results"
TIERS = (RiskTier.VERY_HIGH, RiskTier.HIGH, RiskTier.MEDIUM, RiskTier.LOW)
WARMUP = 8


def naive_policy(policy: Policy) -> Policy:
    """Visits on the due date, always in the first slot, no choice, no revisits."""
    first = policy.slots[0].name
    slots = tuple(
        s.model_copy(update={"share": 1.0 if s.name == first else 0.0}) for s in policy.slots
    )
    return policy.model_copy(
        update={
            "gap_shape": GapShape.FIXED,
            "visit_options": 1,
            "revisit_share_cap": 0.0,
            "frequent_slot_weight": 1.0,
            "slots": slots,
        }
    )


class Premium:
    """Travel of the randomised plan and of the travel-optimal plan of the same visits."""

    def __init__(self, policy: Policy, every: int) -> None:
        self.policy, self.every = policy, every
        self.rows: list[tuple[int, int, float, int, float]] = []

    def __call__(self, wk: PlannedWeek) -> None:
        if wk.week % self.every:
            return
        free = plan_week(
            wk.register,
            self.policy,
            wk.week_start,
            seed=wk.seed,
            history=wk.history,
            relax_timing=True,
        )
        self.rows.append(
            (
                wk.week,
                len(wk.rota.visits),
                sum(d.travel_s for d in wk.rota.officer_days) / 3600,
                len(free.visits),
                sum(d.travel_s for d in free.officer_days) / 3600,
            )
        )

    def premium(self) -> float:
        """Extra travel per visit of the randomised plans over the free ones."""
        n_r = sum(r[1] for r in self.rows)
        n_f = sum(r[3] for r in self.rows)
        t_r = sum(r[2] for r in self.rows)
        t_f = sum(r[4] for r in self.rows)
        return (t_r / n_r) / (t_f / n_f) - 1 if n_r and n_f and t_f else float("nan")


def run_scenario(
    name: str,
    weeks: int,
    seed: int,
    every: int,
    workers: int,
    options: int | None = None,
    pull: float | None = None,
) -> list[dict[str, Any]]:
    sc = generate(name)
    settings: dict[str, Any] = {"solver": {"workers": workers}}
    if options is not None:
        settings["visit_options"] = options
    if pull is not None:
        settings["option_day_pull"] = pull
    policy = Policy.model_validate(settings)
    runs: dict[str, tuple[SimulationResult, float]] = {}
    premium = Premium(policy, every)
    for label, pol, hook in (
        ("randomised", policy, premium),
        ("naive", naive_policy(policy), None),
    ):
        t0 = time.perf_counter()
        res = simulate(
            sc.register, pol, sc.week_start, weeks, seed=seed, warmup_weeks=WARMUP, on_plan=hook
        )
        runs[label] = (res, time.perf_counter() - t0)
        print(f"[{name}] {label}: {weeks} weeks in {runs[label][1]:.1f} s", file=sys.stderr)
    rows = []
    for label, (res, secs) in runs.items():
        t0 = time.perf_counter()
        # The baseline draws from the most even (weekday, slot) mix the unit's shifts can
        # carry (what the planner draws from); beside it, the policy's own mix over the
        # pairs some shift covers, which more late and weekend shifts would buy.
        drawing = drawing_policy(policy, sc.register.officers, sc.register.offenders)
        # Offenders away at work on weekday daytimes know they are visited evenings and
        # Saturdays: each is held to the mix over the pairs they are at home.
        home = {o.id: available_pairs(o, drawing) for o in sc.register.offenders}
        report = audit(res.visits, drawing, available=home)
        audit_s = time.perf_counter() - t0
        policy_mix = audit(res.visits, staffed_policy(policy, sc.register.officers))
        mix_groups = {g.group: g for g in policy_mix.tiers}
        comp = res.compliance()
        groups = {g.group: g for g in report.tiers}
        for tier in TIERS:
            g = groups.get(tier.value)
            if g is None:
                continue
            rows.append(
                {
                    "scenario": name,
                    "seed": seed,
                    "planner": label,
                    "tier": tier.value,
                    "sim_s": round(secs, 1),
                    "audit_s": round(audit_s, 1),
                    "visits_completed": g.completed,
                    "observed_share": _f(g.observed_share),
                    "worst_week": _f(g.worst_week.value),
                    "worst_week_baseline": _f(g.worst_week.baseline),
                    "worst_week_ratio": _f(g.worst_week.ratio),
                    "worst_week_enough_data": g.worst_week_enough_data,
                    "slot": _f(g.slot_attacker.value),
                    "slot_baseline": _f(g.slot_attacker.baseline),
                    "slot_ratio": _f(g.slot_attacker.ratio),
                    "slot_baseline_policy_mix": _f(mix_groups[tier.value].slot_attacker.baseline),
                    "slot_ratio_policy_mix": _f(mix_groups[tier.value].slot_attacker.ratio),
                    "gap": _f(g.gap_attacker.value),
                    "gap_baseline": _f(g.gap_attacker.baseline),
                    "gap_ratio": _f(g.gap_attacker.ratio),
                    "slot_predictions": g.slot_predictions,
                    "gap_predictions": g.gap_predictions,
                    "gap_p_value": _f(g.gap_p_value),
                    "on_time": _f(comp[tier.value]),
                    "travel_h": round(sum(w.travel_h for w in res.weeks), 1),
                    "travel_premium": _f(premium.premium()) if label == "randomised" else "",
                }
            )
    return rows


def _run(args: tuple[Any, ...]) -> list[dict[str, Any]]:
    return run_scenario(*args)


#: Figures averaged over replications in the printed table (the ratios are derived from
#: the mean figures, see :func:`mean_rows`).
MEAN_FIELDS = (
    "visits_completed",
    "observed_share",
    "worst_week",
    "worst_week_baseline",
    "slot",
    "slot_baseline",
    "gap",
    "gap_baseline",
    "on_time",
)


def mean_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (scenario, planner, tier): each figure's mean over the replications
    that have it, each ratio the mean figure over the mean baseline (a mean of ratios
    would let one run's near-zero baseline swamp the rest), ``worst_week_enough_data``
    only if every replication had enough."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["scenario"], r["planner"], r["tier"]), []).append(r)
    out = []
    for (scenario, planner, tier), rs in groups.items():
        row: dict[str, Any] = {"scenario": scenario, "planner": planner, "tier": tier}
        for k in MEAN_FIELDS:
            vals = [float(r[k]) for r in rs if r[k] != ""]
            row[k] = _f(sum(vals) / len(vals)) if vals else ""
        for k in ("worst_week", "slot", "gap"):
            value, base = row[k], row[f"{k}_baseline"]
            row[f"{k}_ratio"] = _f(float(value) / float(base)) if value and float(base or 0) else ""
        row["visits_completed"] = round(float(row["visits_completed"] or 0))
        row["gap_predictions"] = sum(int(r["gap_predictions"]) for r in rs)
        row["worst_week_enough_data"] = all(r["worst_week_enough_data"] for r in rs)
        out.append(row)
    return out


def premium_bands(rows: Sequence[dict[str, Any]]) -> dict[str, tuple[Band, int]]:
    """Per scenario, the travel premium over its replications and how many there were."""
    by: dict[str, list[float]] = {}
    for r in rows:
        if r["planner"] == "randomised" and r["tier"] == TIERS[0].value:
            by.setdefault(r["scenario"], []).append(float(r["travel_premium"]))
    return {name: (Band.of(v), len(v)) for name, v in by.items()}


def _f(x: float | None) -> str:
    return "" if x is None else f"{x:.4f}"


def print_table(rows: list[dict[str, Any]]) -> None:
    head = (
        f"{'scenario':<9}{'planner':<11}{'tier':<10}{'done':>6}{'mu/I':>6}"
        f"{'worst-wk':>9}{'base':>7}{'ratio':>7}{'slot':>7}{'base':>7}{'ratio':>7}"
        f"{'gap':>7}{'base':>7}{'ratio':>7}{'n':>6}{'on time':>8}"
    )
    print(head)
    for r in rows:
        print(
            f"{r['scenario']:<9}{r['planner']:<11}{r['tier']:<10}{r['visits_completed']:>6}"
            f"{_s(r['observed_share']):>6}{_s(r['worst_week']):>9}{_s(r['worst_week_baseline']):>7}"
            f"{_ww_ratio(r):>7}{_s(r['slot']):>7}{_s(r['slot_baseline']):>7}"
            f"{_s(r['slot_ratio']):>7}{_s(r['gap']):>7}{_s(r['gap_baseline']):>7}"
            f"{_s(r['gap_ratio']):>7}{r['gap_predictions']:>6}{_s(r['on_time']):>8}"
        )


def _ww_ratio(r: dict[str, Any]) -> str:
    """The worst-week ratio, or "few" when the tier has too few open gaps to tell its
    estimate from the baseline (a ratio of two near-zero figures means nothing)."""
    return _s(r["worst_week_ratio"]) if r["worst_week_enough_data"] else "few"


def _s(x: str) -> str:
    return "-" if x == "" else f"{float(x):.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenarios", default="borough,met")
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--premium-every", type=int, default=4)
    ap.add_argument("--replications", type=int, default=1, help="Runs, seeds seed .. seed + N - 1.")
    ap.add_argument("--jobs", type=int, default=1, help="Replications run at a time.")
    ap.add_argument("--workers", type=int, default=2, help="Routing search workers per run.")
    ap.add_argument(
        "--visit-options",
        type=int,
        default=None,
        help="Secret (day, slot) options per visit (default: the policy's).",
    )
    ap.add_argument(
        "--option-day-pull",
        type=float,
        default=None,
        help="Pull of a visit's later options to its manager's busy days (0: independent).",
    )
    args = ap.parse_args(argv)
    tasks = [
        (
            name,
            args.weeks,
            args.seed + r,
            args.premium_every,
            args.workers,
            args.visit_options,
            args.option_day_pull,
        )
        for name in args.scenarios.split(",")
        for r in range(args.replications)
    ]
    rows: list[dict[str, Any]] = []
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as ex:
            for part in ex.map(_run, tasks):
                rows += part
    else:
        for t in tasks:
            rows += _run(t)
    if args.replications > 1:
        last = args.seed + args.replications - 1
        print(f"mean of {args.replications} runs (seeds {args.seed}-{last}):")
    print_table(mean_rows(rows) if args.replications > 1 else rows)
    for name, (band, n) in premium_bands(rows).items():
        if band.ci_low is not None and band.ci_high is not None:  # from 3 runs
            spread = (
                f" mean of {n} runs, 95% interval {100 * band.ci_low:.1f}-"
                f"{100 * band.ci_high:.1f}%, range {100 * band.low:.1f}-{100 * band.high:.1f}%"
            )
        elif n > 1:
            spread = f" mean of {n} runs, range {100 * band.low:.1f}-{100 * band.high:.1f}%"
        else:
            spread = ""
        print(
            f"{name}: travel premium {100 * band.mean:.1f}%{spread} "
            f"(randomised over travel-optimal, same visits)"
        )
    RESULTS.mkdir(exist_ok=True)
    with open(RESULTS / "unpredictability.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    table = tradeoff_table(Policy())
    with open(RESULTS / "tradeoff.csv", "w", newline="") as fh:
        recs = [t.record() for t in table]
        w = csv.DictWriter(fh, fieldnames=list(recs[0]))
        w.writeheader()
        w.writerows(recs)
    print(f"CSV written to {RESULTS}/unpredictability.csv and tradeoff.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
