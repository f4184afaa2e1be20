"""Every printed table and line fits 80 columns: plan (with a store, a file output and
left-out high-risk visits), allocate (with a shortfall), status, audit (a store, a
simulated history and the trade-off table), simulate and staffing, each run once on a
small input. The columns left out of the terminal are in the CSV/JSON outputs."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import scheduler.cli.record as record_module
from scheduler.cli.main import main

WIDTH = 80
WEEK = "2026-11-30"  # borough-small's week
SMALL = ("--scenario", "borough-small")


def rota(*args: str | os.PathLike[str]) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def filled_template(path: Path, outcome: str) -> Path:
    """The outcomes template at ``path`` with every row's outcome set."""
    lines = path.read_text().splitlines(keepends=True)
    body = "".join(line for line in lines if not line.startswith("#"))
    rows = list(csv.DictReader(io.StringIO(body)))
    for r in rows:
        r["outcome"] = outcome
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    filled = path.with_name("filled.csv")
    filled.write_text(out.getvalue())
    return filled


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Result]]:
    """Each command's result by a short name, all from one small history."""
    tmp = tmp_path_factory.mktemp("consistency")
    store, week = tmp / "history.db", tmp / "week"
    runs: dict[str, Result] = {}
    runs["plan"] = rota(
        "plan", *SMALL, "--time-limit", "0.5", "--store", store, "--out", week, "--seed", "1"
    )
    runs["plan --json"] = rota("plan", *SMALL, "--time-limit", "0.5", "--json", "--seed", "1")
    runs["plan --dry-run"] = rota(
        "plan", *SMALL, "--time-limit", "0.5", "--store", store, "--dry-run", "--seed", "1"
    )
    mp = pytest.MonkeyPatch()
    mp.setattr(record_module, "now", lambda: datetime(2026, 12, 6, 20, 0))
    try:
        filled = filled_template(week / "manager" / "outcomes.csv", "no_answer")
        runs["record"] = rota("record", "--store", store, filled)
    finally:
        mp.undo()
    monday = (datetime.fromisoformat(WEEK) + timedelta(days=7)).date().isoformat()
    runs["plan next week"] = rota(
        "plan", *SMALL, "--time-limit", "0.5", "--store", store, "--week", monday
    )
    runs["status"] = rota("status", "--store", store, "--as-of", "2026-12-10")
    runs["status --all"] = rota("status", "--store", store, "--as-of", "2026-12-10", "--all")
    runs["allocate"] = rota("allocate", *SMALL, "--time-limit", "5")
    runs["allocate borough"] = rota("allocate", "--time-limit", "10")
    runs["allocate shortfall"] = rota(
        "allocate", "--remove-officer", "OFF-0001", "--lock", "--time-limit", "10"
    )
    sim = tmp / "sim"
    runs["simulate"] = rota(
        "simulate", *SMALL, "--weeks", "3", "--warmup", "0", "--seed", "1", "--out", sim, "-q"
    )
    runs["audit --store"] = rota("audit", "--store", store)
    runs["audit --history"] = rota("audit", "--history", sim / "visits.csv", *SMALL)
    runs["audit --tradeoff"] = rota("audit", "--tradeoff")
    runs["audit --tradeoff --history"] = rota(
        "audit", "--tradeoff", "--history", sim / "visits.csv", "--out", tmp / "audit"
    )
    runs["staffing"] = rota(
        "staffing",
        *("--scenario", "borough-small", "--replications", "1", "--weeks", "2"),
        *("--warmup", "0", "--officers", "1", "--no-refine", "--workers", "1", "-q"),
        *("--out", tmp / "staffing"),
    )
    yield runs


#: Exit statuses other than 0: borough-small's one officer cannot make the two-officer
#: very-high visit (3), and the borough without OFF-0001, locked, has 50 places too few.
EXPECTED_EXIT = {
    "plan": {3},
    "plan --json": {3},
    "plan --dry-run": {3},
    "plan next week": {0, 3},
    "allocate shortfall": {1},
}


@pytest.mark.parametrize(
    "name",
    [
        "plan",
        "plan --json",
        "plan --dry-run",
        "plan next week",
        "status",
        "status --all",
        "allocate",
        "allocate borough",
        "allocate shortfall",
        "simulate",
        "audit --store",
        "audit --history",
        "audit --tradeoff",
        "audit --tradeoff --history",
        "staffing",
    ],
)
def test_no_printed_line_is_wider_than_80_columns(printed: dict[str, Result], name: str) -> None:
    result = printed[name]
    assert result.exit_code in EXPECTED_EXIT.get(name, {0}), result.output
    wide = [line for line in result.stdout.splitlines() if len(line) > WIDTH]
    assert not wide, "\n".join(wide)
    assert result.stdout.strip()


def test_the_runs_print_what_they_are_for(printed: dict[str, Result]) -> None:
    """The inputs reach the wide cases: a store, a written rota, offenders needing action
    with details, a shortfall, staffing columns in the trade-off table."""
    assert printed["record"].exit_code == 0, printed["record"].output
    assert "Saved plan 1" in printed["plan"].stdout and "Wrote rota" in printed["plan"].stdout
    assert "HIGH-RISK VISITS LEFT OUT" in printed["plan"].stdout
    assert "History: " in printed["plan next week"].stdout
    assert "Needing action" in printed["status"].stdout
    assert "failed attempt(s)" in printed["status --all"].stdout
    assert "Cannot be allocated" in printed["allocate shortfall"].stdout
    assert "offenders" in printed["audit --tradeoff --history"].stdout
    assert "Minimum staffing" in printed["staffing"].stdout


def test_simulate_writes_one_progress_line_off_a_terminal() -> None:
    """No line a week: off a terminal (CliRunner's stderr) the bar is not drawn and one
    final line says how long the run took; --quiet writes nothing to stderr."""
    args = ("simulate", *SMALL, "--weeks", "4", "--warmup", "0", "--seed", "1")
    shown, quiet = rota(*args), rota(*args, "--quiet")
    assert shown.exit_code == 0 and quiet.exit_code == 0, shown.output
    lines = shown.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Simulated 4 weeks in "), lines
    assert quiet.stderr == ""
