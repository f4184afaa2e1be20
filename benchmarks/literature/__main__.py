"""Solver quality against the literature: the planner's own routing on published instances.

Run::

    python -m benchmarks.literature [--set vrptw|pvrp|all] [--time-limit S]
        [--instances C101,R101,p01,...] [--peer] [--seed N] [--no-gls]
        [--engine pyvrp|ortools]
        [--dir /work/shared/instances] [--out benchmarks/results/literature.csv]

Each instance is expressed as the planner's :class:`~scheduler.plan.problem.TeamProblem` and
solved by the planner's routing engine, ``--engine`` (:func:`scheduler.plan.engines.solve_with`;
see ``benchmarks/literature/adapters.py``);
the routes it returns are checked and costed by the independent evaluator
(``evaluate.py``), never by the solver's own objective. Per instance: cost, reference
cost, gap %, wall time, feasibility, routes; with ``--peer``, PyVRP (``pip install
'.'``, a dependency) on the same VRPTW instance and time limit, evaluated the same way. Mean gaps
per set are over the instances found feasible.

Default time limits: 10 s per VRPTW instance, 60 s per PVRP instance. Default instances:
all 56 Solomon instances and all Cordeau PVRP instances but p11 (its reference solution
does not match the instance; name it explicitly to run it anyway).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.literature.adapters import solve_pvrp, solve_vrptw
from benchmarks.literature.evaluate import evaluate_pvrp, evaluate_vrptw
from benchmarks.literature.instances import (
    read_pvrp,
    read_pvrp_solution,
    read_solomon,
    read_solomon_solution,
)
from scheduler.plan.engines import ENGINES, Engine

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO_ROOT.parent / "shared" / "instances"
DEFAULT_LIMIT_S = {"vrptw": 10.0, "pvrp": 60.0}

VRPTW_NAMES = (
    [f"C1{i:02d}" for i in range(1, 10)]
    + [f"C2{i:02d}" for i in range(1, 9)]
    + [f"R1{i:02d}" for i in range(1, 13)]
    + [f"R2{i:02d}" for i in range(1, 12)]
    + [f"RC1{i:02d}" for i in range(1, 9)]
    + [f"RC2{i:02d}" for i in range(1, 9)]
)
PVRP_NAMES = [f"p{i:02d}" for i in range(1, 13) if i != 11] + [f"pr{i:02d}" for i in range(1, 6)]
#: Instances whose reference solution cannot be verified (see the instances README).
UNVERIFIED_REFERENCE = {"p11"}


@dataclass
class Row:
    set: str
    instance: str
    cost: float | None
    reference: float
    gap_pct: float | None
    time_s: float
    feasible: bool
    routes: int
    peer_cost: float | None = None
    peer_gap_pct: float | None = None
    peer_time_s: float | None = None
    peer_feasible: bool | None = None
    note: str = ""


def _gap(cost: float, reference: float) -> float:
    return round(100.0 * (cost - reference) / reference, 2) + 0.0  # no "-0.00"


def run_vrptw(
    name: str, root: Path, limit: float, gls: bool, peer: bool, seed: int, engine: Engine
) -> Row:
    path = root / "solomon" / f"{name}.vrp"
    instance = read_solomon(path)
    reference = read_solomon_solution(path.with_suffix(".sol")).cost
    result = solve_vrptw(instance, limit, gls, engine)
    ev = evaluate_vrptw(instance, result.routes)
    row = Row(
        set="vrptw",
        instance=name,
        cost=round(ev.cost, 2),
        reference=reference,
        gap_pct=_gap(ev.cost, reference),
        time_s=round(result.seconds, 2),
        feasible=ev.feasible,
        routes=ev.n_routes,
        note="; ".join(ev.violations[:3]),
    )
    if peer:
        cost, seconds, feasible = run_pyvrp(path, instance, limit, seed)
        row.peer_cost = round(cost, 2)
        row.peer_gap_pct = _gap(cost, reference)
        row.peer_time_s = round(seconds, 2)
        row.peer_feasible = feasible
    return row


def run_pyvrp(path: Path, instance, limit: float, seed: int) -> tuple[float, float, bool]:
    """PyVRP on the same file (its DIMACS rounding is the instances' convention), its
    routes costed and checked by the same evaluator."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    t0 = time.perf_counter()
    data = pyvrp.read(path, round_func="dimacs")
    result = pyvrp.solve(data, stop=MaxRuntime(limit), seed=seed, display=False)
    seconds = time.perf_counter() - t0
    routes = []
    for route in result.best.routes():
        if hasattr(route, "visits"):  # PyVRP < 0.14: location indices, clients from 1
            routes.append(tuple(int(i) for i in route.visits()))
        else:  # PyVRP 0.14: scheduled activities, client indices from 0
            routes.append(tuple(int(a.idx) + 1 for a in route if a.is_client()))
    ev = evaluate_vrptw(instance, routes)
    return ev.cost, seconds, ev.feasible


def run_pvrp(name: str, root: Path, limit: float, gls: bool, seed: int, engine: Engine) -> Row:
    path = root / "pvrp" / f"{name}.txt"
    instance = read_pvrp(path)
    reference = read_pvrp_solution(path.with_suffix(".res")).cost
    result = solve_pvrp(instance, limit, seed=seed, guided_local_search=gls, engine=engine)
    ev = evaluate_pvrp(instance, result.routes)
    notes = ev.violations[:3]
    if name in UNVERIFIED_REFERENCE:
        notes.insert(0, "reference unverified")
    return Row(
        set="pvrp",
        instance=name,
        cost=round(ev.cost, 2),
        reference=reference,
        gap_pct=_gap(ev.cost, reference),
        time_s=round(result.seconds, 2),
        feasible=ev.feasible,
        routes=ev.n_routes,
        note="; ".join(notes),
    )


def _fmt(value: object, spec: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    return format(value, spec)


def print_row(row: Row, peer: bool, out=sys.stdout) -> None:
    cells = [
        f"{row.set:<6}",
        f"{row.instance:<6}",
        f"{_fmt(row.cost, '.2f'):>9}",
        f"{row.reference:>9.2f}",
        f"{_fmt(row.gap_pct, '.2f'):>7}",
        f"{row.time_s:>6.1f}",
        f"{_fmt(row.feasible):>4}",
        f"{row.routes:>4}",
    ]
    if peer:
        cells += [
            f"{_fmt(row.peer_cost, '.2f'):>9}",
            f"{_fmt(row.peer_gap_pct, '.2f'):>7}",
            f"{_fmt(row.peer_feasible):>4}",
        ]
    print("  ".join(cells) + (f"  {row.note}" if row.note else ""), file=out, flush=True)


def print_header(peer: bool, out=sys.stdout) -> None:
    head = ["set   ", "inst  ", "     cost", "reference", "  gap %", "time s", "feas", "rts "]
    if peer:
        head += ["    PyVRP", "PyVRP %", "feas"]
    print("  ".join(head), file=out)


def summary(rows: list[Row], peer: bool) -> list[str]:
    lines = []
    for name in ("vrptw", "pvrp"):
        these = [r for r in rows if r.set == name]
        if not these:
            continue
        ok = [r for r in these if r.feasible and r.gap_pct is not None]
        mean = sum(r.gap_pct for r in ok if r.gap_pct is not None) / len(ok) if ok else None
        line = (
            f"{name}: mean gap {_fmt(mean, '.2f')}% over {len(ok)}/{len(these)} feasible instances"
        )
        if peer and name == "vrptw":
            pk = [r for r in these if r.peer_feasible and r.peer_gap_pct is not None]
            pmean = sum(r.peer_gap_pct for r in pk if r.peer_gap_pct is not None) / len(pk)
            line += f"; PyVRP {pmean:.2f}% over {len(pk)}/{len(these)}" if pk else "; PyVRP -"
        lines.append(line)
    return lines


def _select(names: str | None, which: str) -> tuple[list[str], list[str]]:
    vrptw = VRPTW_NAMES if which in ("vrptw", "all") else []
    pvrp = PVRP_NAMES if which in ("pvrp", "all") else []
    if names is None:
        return list(vrptw), list(pvrp)
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    known_v = {n.lower(): n for n in VRPTW_NAMES}
    known_p = {n.lower(): n for n in [*PVRP_NAMES, "p11"]}
    sel_v, sel_p = [], []
    for n in wanted:
        if n.lower() in known_v and which in ("vrptw", "all"):
            sel_v.append(known_v[n.lower()])
        elif n.lower() in known_p and which in ("pvrp", "all"):
            sel_p.append(known_p[n.lower()])
        else:
            raise SystemExit(f"unknown instance {n!r} for --set {which}")
    return sel_v, sel_p


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.literature",
        description="The planner's routing (solve_team) on Solomon VRPTW and Cordeau PVRP.",
    )
    ap.add_argument("--set", choices=("vrptw", "pvrp", "all"), default="all")
    ap.add_argument(
        "--time-limit", type=float, help="seconds per instance (default 10 VRPTW, 60 PVRP)"
    )
    ap.add_argument("--instances", help="comma-separated subset, e.g. C101,R101,p01")
    ap.add_argument("--peer", action="store_true", help="also run PyVRP on VRPTW instances")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--engine",
        choices=ENGINES,
        default="pyvrp",
        help="the planner's routing engine to measure (default pyvrp)",
    )
    ap.add_argument("--no-gls", action="store_true", help="solve_team without guided local search")
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="instances directory")
    ap.add_argument("--out", type=Path, help="CSV file to write")
    args = ap.parse_args(argv)

    if args.peer:
        try:
            import pyvrp  # noqa: F401
        except ImportError:
            ap.error("--peer needs PyVRP: pip install -e .")
    if not args.dir.is_dir():
        ap.error(f"instances directory {args.dir} not found (use --dir)")
    vrptw, pvrp = _select(args.instances, args.set)
    gls = not args.no_gls
    peer = bool(args.peer and vrptw)

    rows: list[Row] = []
    print_header(peer)
    for name in vrptw:
        limit = args.time_limit or DEFAULT_LIMIT_S["vrptw"]
        rows.append(run_vrptw(name, args.dir, limit, gls, peer, args.seed, args.engine))
        print_row(rows[-1], peer)
    for name in pvrp:
        limit = args.time_limit or DEFAULT_LIMIT_S["pvrp"]
        rows.append(run_pvrp(name, args.dir, limit, gls, args.seed, args.engine))
        print_row(rows[-1], peer)
    for line in summary(rows, peer):
        print(line)

    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(asdict(rows[0]).keys()) if rows else [])
            writer.writeheader()
            for row in rows:
                writer.writerow(asdict(row))
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
