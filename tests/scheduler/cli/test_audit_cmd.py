"""``rota audit`` through click's CliRunner: a CSV history, the history store, a broken
CSV reported by file, row and field, the trade-off table, JSON, and private output."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scheduler.cli.main import main
from scheduler.timing.scores import OFFENDER_COLUMNS, TIER_COLUMNS
from scheduler.timing.tradeoff import TRADEOFF_COLUMNS
from tests.scheduler.history_helpers import WEEK, record, row, small_register, stored

START = date(2024, 1, 2)  # a Tuesday
HEADER = "offender_id,tier,date,slot,outcome\n"


def rota(*args: object) -> Result:
    return CliRunner().invoke(main, ["audit", *(str(a) for a in args)], catch_exceptions=False)


def history_csv(tmp_path: Path) -> Path:
    """TUE: a very-high-risk offender visited every 4 weeks on Tuesday mornings (the
    naive schedule); VAR: one visited at varying gaps, days and slots; one no answer."""
    lines = [HEADER]
    for k in range(12):
        lines.append(f"TUE,very_high,{START + timedelta(weeks=4 * k)},morning,completed\n")
    day = START
    for k, gap in enumerate([5, 19, 26, 11, 23, 2, 27, 17, 21, 24, 9]):
        slot = ("morning", "afternoon", "evening")[k % 3]
        lines.append(f"VAR,very_high,{day},{slot},completed\n")
        day += timedelta(days=gap)
    lines.append(f"VAR,very_high,{day},evening,no_answer\n")
    path = tmp_path / "history.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_help() -> None:
    result = rota("--help")
    assert result.exit_code == 0
    for option in ("--store", "--history", "--tradeoff", "--as-of", "--json", "--out"):
        assert option in result.output


def test_csv_history_prints_each_tier_and_flags_the_fixed_cycle(tmp_path: Path) -> None:
    result = rota("--history", history_csv(tmp_path))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "very_high: 2 offender(s), 24 attended visits" in out
    assert "history to 2024-11-05" in out  # the last date in the file: TUE's 12th visit
    for measure in ("worst-week detection", "slot attacker hit rate", "gap attacker"):
        assert measure in out
    assert "score  baseline   naive   ratio" in out
    # TUE: the slot attacker predicts all 11 later visits, the gap attacker 10 of 10.
    assert "TUE (very_high): slot attacker predicts the (weekday, slot) of 11/11" in out
    assert "TUE (very_high): gap attacker predicts the date within ±3 days of 10/10" in out
    assert "VAR (" not in out


def test_as_of_censors_and_cuts_the_history(tmp_path: Path) -> None:
    result = rota("--history", history_csv(tmp_path), "--as-of", "2024-06-30", "--json")
    assert result.exit_code == 0, result.output
    audit = json.loads(result.output)["audit"]
    assert audit["as_of"] == "2024-06-30"
    [tier, overall] = audit["groups"]
    assert tier["group"] == "very_high" and overall["group"] == "all"
    assert tier["attended"] < 24


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("RSO-1,hgh,2024-01-02,morning,completed\n", "field 'tier'", "unknown value"),
        ("RSO-1,low,2024-13-02,morning,completed\n", "field 'date'", "not a date YYYY-MM-DD"),
        ("RSO-1,low,2024-01-02,brunch,completed\n", "field 'slot'", "unknown slot"),
        ("RSO-1,low,2024-01-02,morning,visited\n", "field 'outcome'", "unknown value"),
        ("RSO 1,low,2024-01-02,morning,completed\n", "field 'offender_id'", "pseudonymous"),
    ],
)
def test_bad_csv_names_file_row_and_field(
    tmp_path: Path, text: str, where: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "RSO-0,low,2024-01-01,evening,completed\n" + text, encoding="utf-8")
    result = CliRunner().invoke(main, ["audit", "--history", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path}, row 3, ")
    assert where in result.output and message in result.output
    assert "Traceback" not in result.output


def test_missing_column_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "no_slot.csv"
    path.write_text("offender_id,tier,date,outcome\nR,low,2024-01-01,completed\n", "utf-8")
    result = CliRunner().invoke(main, ["audit", "--history", str(path)])
    assert result.exit_code == 1
    assert f"Error: {path}, row 1, field 'slot': required column is missing" in result.output
    result = CliRunner().invoke(main, ["audit", "--history", str(tmp_path / "none.csv")])
    assert result.exit_code == 1 and "file not found" in result.output


def test_tradeoff_needs_no_history() -> None:
    result = rota("--tradeoff")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # 4 tiers x 10 budgets (0.55, 0.60, ..., 1.00).
    assert sum(line.startswith(("low ", "medium ", "high ", "very_high ")) for line in lines) == 40
    assert "Slot attacker (long history): 0.048 at every budget" in result.output
    header = next(line for line in lines if line.startswith("tier"))  # after wrapped prose
    assert "offenders" not in header  # no history: no staffing columns


def test_tradeoff_json_with_a_history_adds_staffing(tmp_path: Path) -> None:
    result = rota("--history", history_csv(tmp_path), "--tradeoff", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"audit", "tradeoff"}
    very_high = [r for r in data["tradeoff"]["rows"] if r["tier"] == "very_high"]
    assert very_high[0]["offenders"] == 2
    assert very_high[4]["share"] == 0.75 and very_high[4]["visits_per_year"] == 17.3929
    assert {f["offender_id"] for f in data["audit"]["flags"]} == {"TUE"}


def test_out_writes_private_files(tmp_path: Path) -> None:
    out = tmp_path / "audit"
    result = rota("--history", history_csv(tmp_path), "--out", out)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["audit_offenders.csv", "audit_tiers.csv", "tradeoff.csv"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for name in names:
        assert stat.S_IMODE(os.stat(out / name).st_mode) == 0o600
    offenders = rows(out / "audit_offenders.csv")
    assert list(offenders[0]) == list(OFFENDER_COLUMNS)
    assert [r["offender_id"] for r in offenders] == ["TUE", "VAR"]
    assert offenders[0]["flags"] == "slot;gap" and offenders[0]["worst_week_naive"] == "0.0"
    assert list(rows(out / "audit_tiers.csv")[0]) == list(TIER_COLUMNS)
    assert len(rows(out / "tradeoff.csv")) == 40
    assert list(rows(out / "tradeoff.csv")[0]) == list(TRADEOFF_COLUMNS)
    # An existing output is kept unless --overwrite.
    again = CliRunner().invoke(main, ["audit", "--tradeoff", "--out", str(out)])
    assert again.exit_code == 1 and "already exists" in again.output
    assert rota("--tradeoff", "--out", out, "--overwrite").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["tradeoff.csv"]


def test_store_history_and_manual_edits(tmp_path: Path) -> None:
    # R0 visited as planned; R1 planned on Tuesday, recorded on Thursday (moved by hand);
    # R3 planned, no outcome yet.
    reg = small_register(4)
    db = stored(tmp_path, reg, [("R0", 0, 9), ("R1", 1, 13), ("R3", 4, 18)])
    record(db, row("R0", 0, "completed"), row("R1", 3, "completed", visit_date=WEEK + timedelta(1)))
    db.close()
    result = rota("--store", tmp_path / "history.db")
    assert result.exit_code == 0, result.output
    assert "high: 2 offender(s), 2 attended visits" in result.output
    assert "Manual edits: 1 of 2 planned visits recorded on another date or slot" in result.output


def test_store_that_does_not_exist(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["audit", "--store", str(tmp_path / "none.db")])
    assert result.exit_code == 1 and "no history store here" in result.output
    assert not (tmp_path / "none.db").exists()


def test_usage_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["audit"])
    assert result.exit_code == 2 and "--tradeoff for the trade-off table" in result.output
    both = ["audit", "--store", str(tmp_path / "h.db"), "--history", str(tmp_path / "h.csv")]
    result = CliRunner().invoke(main, both)
    assert result.exit_code == 2 and "not both" in result.output
    result = CliRunner().invoke(main, ["audit", "--tradeoff", "--as-of", "31/12/2026"])
    assert result.exit_code == 2 and "not a date" in result.output


def test_a_units_shifts_set_the_baseline_slot_mix(tmp_path: Path) -> None:
    """With the unit's register the slot baseline is the most even mix its shifts can
    carry (the borough works few evenings and one Saturday shift per officer in six),
    so the best achievable slot attacker is above the policy's 1/21."""
    plain = json.loads(rota("--tradeoff", "--json").output)["tradeoff"]["slot_attacker"]
    result = rota("--tradeoff", "--json", "--scenario", "borough")
    staffed = json.loads(result.output)["tradeoff"]["slot_attacker"]
    assert plain == pytest.approx(1 / 21, abs=1e-3)
    assert 1 / 15 < staffed < 0.15  # the 15 staffed pairs, weekday daytime fuller
    audited = rota("--history", history_csv(tmp_path), "--scenario", "borough")
    assert "the most even one the unit's shifts can carry" in audited.output
    bad = CliRunner().invoke(main, ["audit", "--tradeoff", "--officers", str(tmp_path / "o.csv")])
    assert bad.exit_code == 2 and "--offenders and --officers together" in bad.output
