"""``rota allocate`` (``scheduler.cli.allocate``) through click's CliRunner: the
per-officer table, private atomic output, what-if officers, the explained infeasible
case, and input errors as one-line messages without a traceback."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

from click.testing import CliRunner, Result

from scheduler.cli.allocate import allocate_cmd
from scheduler.io.loaders import load_register
from tests.conftest import WEEK


def run(*args: str | os.PathLike[str]) -> Result:
    """``rota allocate ARGS``; an exception other than an exit fails the test."""
    return CliRunner().invoke(allocate_cmd, [str(a) for a in args], catch_exceptions=False)


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_help() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for option in ("--lock", "--threshold", "--add-officers", "--remove-officer", "--out"):
        assert option in result.output


def test_default_scenario_prints_every_officer() -> None:
    # The bundled borough: 300 offenders, 6 officers (OFF-0001 .. OFF-0006), all placed.
    result = run()
    assert result.exit_code == 0, result.output
    assert "Allocation of 300 offenders to 6 officers" in result.output
    assert "everyone allocated" in result.output
    for k in range(1, 7):
        assert f"OFF-{k:04d}" in result.output
    assert "50/50" in result.output


def test_add_officer_writes_register_changes_and_summary_privately(tmp_path: Path) -> None:
    out = tmp_path / "alloc"
    old = os.umask(0)  # modes must come from the code, not the environment
    try:
        result = run("--add-officers", "1", "--out", out)
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    names = {"offenders.csv", "officers.csv", "changes.csv", "caseloads.csv"}
    assert {p.name for p in out.iterdir()} == names | {"allocation_summary.json"}
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in out.iterdir())
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    register = load_register(out / "offenders.csv", out / "officers.csv", as_of=WEEK)
    new_caseload = sum(o.manager_id == "NEW-001" for o in register.offenders)
    changes = rows(out / "changes.csv")
    # Every change is listed, and the newcomer's caseload all came through changes.
    assert sum(c["to_officer"] == "NEW-001" for c in changes) == new_caseload > 0
    assert set(changes[0]) == {
        "offender_id",
        "tier",
        "from_officer",
        "to_officer",
        "reason",
        "detail",
    }
    summary = json.loads((out / "allocation_summary.json").read_text())
    assert summary["feasible"] is True and summary["changes"] == len(changes)


def test_your_own_files(offenders_csv: Path, officers_csv: Path) -> None:
    # The fixture unit: 8 offenders on 3 officers; locked, nothing changes.
    result = run("--offenders", offenders_csv, "--officers", officers_csv, "--lock")
    assert result.exit_code == 0, result.output
    assert "Allocation of 8 offenders to 3 officers" in result.output
    assert "Changes: 0" in result.output


def test_infeasible_removal_explains_and_writes_no_register(tmp_path: Path) -> None:
    # Locked, without OFF-0001 the borough has 5 x 50 places for 300 offenders: its 50
    # offenders cannot be placed, and one more officer would take them.
    out = tmp_path / "alloc"
    result = run("--remove-officer", "OFF-0001", "--lock", "--out", out)
    assert result.exit_code == 1
    assert "50 offenders cannot be allocated in croydon: 300 offenders for 250 places" in (
        result.output
    )
    assert result.output.rstrip().endswith(
        "Error: 50 offenders cannot be allocated; 1 more officer needed"
    )
    assert not (out / "offenders.csv").exists()
    unallocated = rows(out / "unallocated.csv")
    assert len(unallocated) == 50
    assert {r["officers_needed"] for r in unallocated} == {"1"}


def test_unknown_officer_is_a_one_line_error() -> None:
    result = run("--remove-officer", "GHOST")
    assert result.exit_code == 1
    assert result.output == "Error: cannot remove unknown officer 'GHOST'\n"


def test_broken_input_file_names_file_row_and_field(
    offenders_bad_date_csv: Path, officers_csv: Path
) -> None:
    result = run("--offenders", offenders_bad_date_csv, "--officers", officers_csv)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {offenders_bad_date_csv}, row 2, id RSO-000001, field 'last_visit': "
        "'2025-13-01': not a date (write YYYY-MM-DD or DD/MM/YYYY)\n"
    )
    assert "Traceback" not in result.output


def test_options_that_go_together() -> None:
    result = run("--offenders", "x.csv")
    assert result.exit_code == 2
    assert "--offenders and --officers go together" in result.output
    result = run("--team", "croydon")
    assert result.exit_code == 2
    assert "--team and --add-gender go with --add-officers" in result.output


def test_several_teams_need_a_team_for_new_officers() -> None:
    result = run("--scenario", "met", "--add-officers", "1")
    assert result.exit_code == 2
    assert "--add-officers needs --team: the register has 32 teams" in result.output


def test_existing_output_is_not_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "alloc"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = run("--out", out)
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert (out / "keep.txt").read_text() == "mine"


def test_json_summary() -> None:
    result = run("--json", "--threshold", "45")
    assert result.exit_code == 0
    summary = json.loads(result.output)
    assert summary["offenders"] == 300 and summary["unallocated"] == 0


def test_plan_with_allocate_rebalances_then_plans():
    from click.testing import CliRunner

    from scheduler.cli.main import main

    result = CliRunner().invoke(main, ["plan", "--allocate", "--seed", "1", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["over_cap"] == [] and summary["feasible"] is True
