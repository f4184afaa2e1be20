"""Twelve weeks of planning, visiting and recording on the ``borough`` scenario: does
anyone get lost when visits fail?

Run::

    python -m benchmarks.history_12_weeks [--weeks 12] [--fail-rate 0.2] [--seed 1]
        [--never-home 0.0] [--scenario borough] [--store PATH]

Each week: ``plan_week`` with the history from the store (``rota plan --store``), the
plan saved to the store, then every planned visit gets a seeded random outcome: with
probability ``--fail-rate`` a failure drawn from :data:`FAILURE_MIX` (no answer, refused
entry, not at address, custody, hospital, abroad, cancelled by police), otherwise
completed (ARMS done 90% of the time); ``--never-home`` offenders never answer.
Outcomes are recorded into the store with ``HistoryStore.import_outcomes`` (``rota
record``) on the Sunday, and the next week is planned from the store. The register
itself never changes (its last visits are the scenario's), so everything after week 1
comes from the recorded history.

Checked and printed:

* per week (columns): ``visits`` planned, ``done`` completed, ``failed`` not completed,
  ``entry`` failed attempts to gain entry; ``retry`` last week's failed entries planned
  again this week, ``other`` of them on another weekday *and* time of day, ``fallbk``
  not (the offender's availability left only that day or time), ``missed`` neither
  planned nor listed; ``short`` due visits not planned (listed with the reason);
* every failed attempt to gain entry is in the next week's plan, or listed there as a
  shortfall with the reason;
* at the end (``rota status`` on the Monday after the last week) every offender is in
  exactly one state, and every one is either successfully visited within their interval,
  escalated (s.96B warrant, missing, unit manager), tracked (custody / hospital / abroad
  with a re-check date, reactive management), or, if overdue / re-check due / awaiting
  a re-attempt, planned in the following week's rota or listed there as a shortfall.
  Anyone else is *lost*; the run exits with status 1 if there is anyone.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from data.scenarios import generate
from models import Policy, Rota, VisitOutcome
from scheduler.history.compliance import ComplianceState, assess
from scheduler.history.store import HistoryStore
from scheduler.io.outcomes import OutcomeRow
from scheduler.plan.planner import plan_week

Out = VisitOutcome
S = ComplianceState
#: Which failure a failed visit is (shares sum to 1).
FAILURE_MIX: tuple[tuple[VisitOutcome, float], ...] = (
    (Out.NO_ANSWER, 0.55),
    (Out.REFUSED_ENTRY, 0.15),
    (Out.NOT_AT_ADDRESS, 0.05),
    (Out.IN_CUSTODY, 0.05),
    (Out.IN_HOSPITAL, 0.05),
    (Out.ABROAD, 0.05),
    (Out.CANCELLED_BY_POLICE, 0.10),
)
ARMS_DONE_P = 0.9
WITHIN = {S.VISITED, S.DUE_SOON}
ESCALATED = {S.WARRANT, S.MISSING, S.ESCALATE}
TRACKED = {S.IN_CUSTODY, S.IN_HOSPITAL, S.ABROAD, S.REACTIVE}
PENDING = {S.OVERDUE, S.RECHECK_DUE, S.REATTEMPT}


def draw_outcomes(
    rota: Rota, rng: np.random.Generator, fail_rate: float, never_home: set[str]
) -> list[OutcomeRow]:
    kinds = [k for k, _ in FAILURE_MIX]
    shares = np.array([p for _, p in FAILURE_MIX])
    rows = []
    for n, v in enumerate(rota.visits, start=2):
        if v.offender_id in never_home:
            outcome, arms = Out.NO_ANSWER, None
        elif rng.random() < fail_rate:
            outcome = kinds[int(rng.choice(len(kinds), p=shares / shares.sum()))]
            arms = None
        else:
            outcome, arms = Out.COMPLETED, bool(rng.random() < ARMS_DONE_P)
        rows.append(
            OutcomeRow(
                source=f"week {rota.week_start}",
                row=n,
                offender_id=v.offender_id,
                date=v.date,
                outcome=outcome,
                arms_done=arms,
            )
        )
    return rows


def run(
    scenario: str,
    weeks: int,
    fail_rate: float,
    seed: int,
    store_path: Path,
    never_home_share: float = 0.0,
) -> int:
    sc = generate(scenario)
    register, start = sc.register, sc.week_start
    policy = Policy()
    rng = np.random.default_rng(seed)
    ids = [o.id for o in register.offenders]
    n_never = int(round(never_home_share * len(ids)))
    never_home = {ids[int(i)] for i in rng.choice(len(ids), size=n_never, replace=False)}
    store = HistoryStore(store_path)
    print(
        f"{scenario}: {len(register.offenders)} offenders, {len(register.officers)} officers; "
        f"{weeks} weeks from {start}; fail rate {fail_rate:.0%}, seed {seed}; "
        f"{len(never_home)} never home; store {store_path}"
    )
    print(
        f"\n{'week':<12}{'visits':>7}{'done':>6}{'failed':>7}{'entry':>6}{'retry':>6}"
        f"{'other':>6}{'fallbk':>7}{'missed':>7}{'short':>6}{'plan s':>8}"
    )
    totals: Counter[str] = Counter()
    shortfalls: Counter[tuple[str, str, str, str]] = Counter()
    failed_last: dict[str, tuple[int, str]] = {}  # offender -> (weekday, slot) of failure
    t_plan = 0.0
    for k in range(weeks + 1):
        week = start + timedelta(days=7 * k)
        history = store.history(policy)
        t0 = time.perf_counter()
        rota = plan_week(
            register,
            policy,
            week,
            seed=int(rng.integers(2**62)),
            history=history,
            created_by="benchmark",
        )
        t_plan += time.perf_counter() - t0
        planned = {v.offender_id: v for v in rota.visits}
        # Last week's failed entries: re-attempted now, on another weekday and time?
        retried = other = fallback = listed = missed = 0
        shortfall = {u.offender_id for u in rota.unscheduled if u.reason.is_shortfall}
        for oid, (weekday, slot) in failed_last.items():
            v = planned.get(oid)
            if v is None:
                listed += oid in shortfall
                missed += oid not in shortfall
                continue
            retried += 1
            if v.date.weekday() != weekday and v.slot != slot:
                other += 1
            else:
                fallback += 1
        totals.update(retried=retried, other=other, fallback=fallback, listed=listed, missed=missed)
        if k == weeks:  # the plan after the last week: only checked, not visited
            final_plan = rota
            break
        store.save_plan(rota, register, datetime.combine(week, datetime.min.time()))
        rows = draw_outcomes(rota, rng, fail_rate, never_home)
        result = store.import_outcomes(
            rows,
            policy=policy,
            recorded_at=datetime.combine(week + timedelta(days=6), datetime.min.time()),
            recorded_by="benchmark",
        )
        assert result.added == len(rows)
        kinds = Counter(r.outcome for r in rows)
        failed_last = {
            r.offender_id: (r.date.weekday(), planned[r.offender_id].slot)
            for r in rows
            if r.outcome.is_failed_entry
        }
        short = sum(u.reason.is_shortfall for u in rota.unscheduled)
        for u in rota.unscheduled:
            if u.reason.is_shortfall:
                shortfalls[(u.offender_id, u.tier.value, u.reason.value, u.detail)] += 1
        totals.update(
            visits=len(rows),
            completed=kinds[Out.COMPLETED],
            failed=len(rows) - kinds[Out.COMPLETED],
            entry=len(failed_last),
            short=short,
        )
        for o, n in kinds.items():
            totals[f"outcome:{o.value}"] += n
        done = kinds[Out.COMPLETED]
        print(
            f"{week!s:<12}{len(rows):>7}{done:>6}{len(rows) - done:>7}"
            f"{len(failed_last):>6}{retried:>6}{other:>6}{fallback:>7}{missed:>7}{short:>6}"
            f"{time.perf_counter() - t0:>8.2f}"
        )
    as_of = start + timedelta(days=7 * weeks)
    history = store.history(policy)
    report = assess(register, policy, as_of, history)
    counts = report.counts()
    next_plan = {v.offender_id for v in final_plan.visits}
    next_listed = {u.offender_id: u.reason for u in final_plan.unscheduled if u.reason.is_shortfall}
    lost = []
    category: Counter[str] = Counter()
    for r in report.rows:
        if r.state in WITHIN:
            category["successfully visited within interval"] += 1
        elif r.state in ESCALATED:
            category["escalated (s.96B warrant / missing / unit manager)"] += 1
        elif r.state in TRACKED:
            category["tracked (custody/hospital/abroad re-check, reactive)"] += 1
        elif r.state in PENDING and r.offender_id in next_plan:
            category["overdue / re-check / re-attempt: in next week's plan"] += 1
        elif r.state in PENDING and r.offender_id in next_listed:
            category["overdue: listed as a capacity shortfall next week"] += 1
        else:
            lost.append(r)
    store.close()

    print(
        f"\nOver {weeks} weeks: {totals['visits']} visits, {totals['completed']} completed, "
        f"{totals['failed']} not completed ({totals['failed'] / max(totals['visits'], 1):.1%}):"
    )
    failures = [o for o in VisitOutcome if o is not Out.COMPLETED]
    print("  " + ", ".join(f"{o.value} {totals[f'outcome:{o.value}']}" for o in failures))
    print(
        f"Failed attempts to gain entry: {totals['entry']}; in the next week's plan: "
        f"{totals['retried']} (on another weekday and time of day: {totals['other']}; same "
        f"weekday or time because nothing else fitted the offender: {totals['fallback']}); "
        f"listed as a shortfall with the reason: {totals['listed']}; not planned and not "
        f"listed: {totals['missed']}"
    )
    print(f"Due visits not planned (listed with the reason): {totals['short']}")
    for (oid, tier, reason, detail), n in sorted(shortfalls.items()):
        print(f"  {oid} {tier}: {reason} in {n} week(s): {detail}")
    print(f"Planning time: {t_plan:.1f} s for {weeks + 1} plans")
    print(f"\nStatus on {as_of} (rota status):")
    for s in ComplianceState:
        print(f"  {s.value:<18}{counts[s]:>5}")
    total = sum(counts.values())
    print(
        f"  {'total':<18}{total:>5} = register {report.register_size}: "
        f"{'every offender in exactly one state' if report.balanced else 'MISMATCH'}"
    )
    print("\nEvery offender at the end:")
    for name, n in category.items():
        print(f"  {name:<56}{n:>5}")
    print(f"  {'LOST (none of the above)':<56}{len(lost):>5}")
    for r in report.rows:
        if r.state in ESCALATED:
            print(f"    escalated: {r.offender_id} {r.tier.value} {r.state.value}: {r.detail}")
    for r in lost[:20]:
        print(f"    {r.offender_id} {r.tier.value} {r.state.value} {r.detail}")
    ok = report.balanced and not lost and totals["missed"] == 0
    print("\nCheck:", "nobody lost" if ok else "FAILED")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default="borough")
    ap.add_argument("--weeks", type=int, default=12)
    ap.add_argument("--fail-rate", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--never-home",
        type=float,
        default=0.0,
        help="share of offenders who never answer the door (exercises s.96B)",
    )
    ap.add_argument("--store", type=Path, help="store file (default: a temporary one)")
    args = ap.parse_args(argv)
    common = (args.scenario, args.weeks, args.fail_rate, args.seed)
    if args.store is not None:
        return run(*common, args.store, args.never_home)
    with tempfile.TemporaryDirectory() as tmp:
        return run(*common, Path(tmp) / "h.db", args.never_home)


if __name__ == "__main__":
    sys.exit(main())
