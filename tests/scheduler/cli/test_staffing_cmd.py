"""``rota staffing`` through click's CliRunner on the 30-offender ``borough-small``
scenario with few weeks: the printed curve, private atomic output, and bad input as a
one-line error with exit status 1 and no output directory."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scheduler.cli.main import main
from scheduler.cli.staffing import default_levels

QUICK = (
    "--scenario", "borough-small@1", "--replications", "1", "--weeks", "3", "--warmup", "1",
    "--workers", "1", "--no-progress",
)  # fmt: skip


def run(*args: str | os.PathLike[str]) -> Result:
    return CliRunner().invoke(main, ["staffing", *map(str, args)], catch_exceptions=False)


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_help() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for option in (
        "--officers",
        "--replications",
        "--cluster",
        "--workers",
        "--target-high",
        "--target-measure",
        "--refine",
    ):
        assert option in result.output


def test_help_names_every_benchmark_scenario() -> None:
    from scheduler.staffing.scenarios import BENCHMARK_SCENARIOS

    help_text = " ".join(run("--help").output.split()).replace("- ", "-")  # unwrap
    missing = {b.name for b in BENCHMARK_SCENARIOS.values() if b.name not in help_text}
    assert not missing, f"--scenario help does not name {sorted(missing)}"


def test_sweep_prints_the_curve_and_writes_private_files(tmp_path: Path) -> None:
    out = tmp_path / "staffing"
    old = os.umask(0)  # modes must come from the code, not the environment
    try:
        result = run(*QUICK, "--officers", "1:2", "--target-all", "0.5", "--out", out)
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert "Staffing sweep of borough-small@1 (now 1 officer)" in result.output
    assert "Lower bound: 1 officer" in result.output
    assert "Minimum staffing:" in result.output
    names = {
        "sweep.csv",
        "curve.csv",
        "weeks.csv",
        "lower_bound.json",
        "compliance_vs_staffing.png",
        "overdue_by_tier.png",
        "utilisation.png",
    }
    assert {p.name for p in out.iterdir()} == names
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in out.iterdir())
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    sweep = rows(out / "sweep.csv")
    assert [(r["officers"], r["replication"]) for r in sweep] == [("1", "0"), ("2", "0")]
    assert [r["officers"] for r in rows(out / "curve.csv")] == ["1", "2"]
    assert len(rows(out / "weeks.csv")) == 2 * 3
    summary = json.loads((out / "lower_bound.json").read_text())
    assert summary["scenario"] == "borough-small@1"
    assert summary["lower_bound"]["officers"] == 1
    assert len(summary["register_sha256"]) == 64
    for png in names - {"sweep.csv", "curve.csv", "weeks.csv", "lower_bound.json"}:
        assert (out / png).read_bytes().startswith(b"\x89PNG")
    # An existing directory is never overwritten without --overwrite.
    again = run(*QUICK, "--officers", "1", "--out", out)
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert run(*QUICK, "--officers", "1", "--out", out, "--overwrite").exit_code == 0
    assert [r["officers"] for r in rows(out / "curve.csv")] == ["1"]


def test_json_summary(tmp_path: Path) -> None:
    result = run(*QUICK, "--officers", "1", "--json", "--out", tmp_path / "o")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["levels"] == [1] and data["lower_bound"]["officers"] == 1
    assert "minimum_staffing" in data and len(data["curve"]) == 1
    assert data["target"]["measure"] == "attempted"  # the default
    assert {"attempted_all_mean", "all_mean"} <= set(data["curve"][0])


def test_a_caseload_cap_sets_a_floor_on_the_bound(tmp_path: Path) -> None:
    # 30 offenders: at most 20 each needs two officers, whatever the workload.
    args = (*QUICK, "--officers", "1:2", "--no-refine", "--target-all", "0.5")
    result = run(*args, "--caseload-cap", "20", "--json", "--out", tmp_path / "o")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["target"]["caseload_cap"] == 20 and data["bound_for_target"] == 2
    assert [c["meets_target"] for c in data["curve"]][0] == "false"
    assert data["curve"][0]["max_caseload"] == 30
    printed = run(*args, "--caseload-cap", "20", "--out", tmp_path / "p")
    assert "Caseloads of at most 20: 2 officers at least" in printed.output


def test_the_target_measure_is_chosen(tmp_path: Path) -> None:
    args = (*QUICK, "--officers", "1", "--target-measure", "on-time", "--no-refine")
    result = run(*args, "--json", "--out", tmp_path / "o")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["target"]["measure"] == "on_time"
    printed = run(*args, "--out", tmp_path / "p")
    assert "high+vh on time" in printed.output and "on_time: high+vh >= 100.0%" in printed.output
    sweep = rows(tmp_path / "p" / "sweep.csv")
    assert {"compliance_all", "attempted_all", "attempted_very_high"} <= set(sweep[0])


def test_the_roster_is_chosen_and_recorded(tmp_path: Path) -> None:
    from scheduler.staffing.bound import workload_lower_bound
    from scheduler.staffing.scenarios import build

    register = build("borough-small@1").register
    for roster in ("balanced", "reach"):
        args = (*QUICK, "--officers", "1", "--no-refine", "--roster", roster, "--json")
        result = run(*args, "--out", tmp_path / roster)
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["roster"] == roster
        assert data["lower_bound"] == workload_lower_bound(register, order=roster).to_dict()
    assert run(*QUICK, "--roster", "random", "--out", tmp_path / "x").exit_code == 2


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--officers", "5:2"), 1, "end is below the start"),
        (("--officers", "0:2"), 1, "0 is not between 1"),
        (("--officers", "four"), 1, "use a range like 4:10"),
        (("--scenario", "nowhere", "--officers", "1"), 1, "unknown benchmark scenario 'nowhere'"),
        (("--officers", "1", "--weeks", "3", "--warmup", "3"), 1, "warm-up (3 weeks) must be"),
        (("--officers", "1", "--replications", "0"), 2, "0 is not in the range x>=1"),
        (("--officers", "1", "--workers", "2", "--cluster", "tcp://x:1"), 2, "alternatives"),
    ],
)
def test_bad_input_is_refused_without_output(
    tmp_path: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    # Exit 1 for what the command checks, 2 for click's own usage errors.
    out = tmp_path / "never"
    result = run("--scenario", "borough-small@1", *args, "--out", out)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_bad_officer_range_is_exit_1(tmp_path: Path) -> None:
    out = tmp_path / "never"
    result = run(*QUICK, "--officers", "9:3", "--out", out)
    assert result.exit_code == 1
    assert result.output.strip().endswith("officer range '9:3': the end is below the start")
    assert not out.exists()


def test_fewer_officers_than_teams_is_refused(tmp_path: Path) -> None:
    # met has 32 teams: 10 officers cannot staff them. Refused before any simulation.
    out = tmp_path / "never"
    result = run("--scenario", "met@1", "--officers", "10", "--out", out)
    assert result.exit_code == 1
    assert "10 officer(s) cannot staff the 32 teams of met@1" in result.output
    assert not out.exists()


def test_default_levels_span_bound_to_current() -> None:
    assert default_levels(2, 6) == [2, 3, 4, 5, 6]
    assert default_levels(1, 1) == [1, 2]
    levels = default_levels(61, 160)
    assert levels[0] == 61 and levels[-1] == 160 and len(levels) <= 9


def test_a_target_out_of_reach_is_said_so() -> None:
    from scheduler.cli.staffing import format_curve
    from scheduler.staffing.curve import summarise
    from scheduler.staffing.lower_bound import LowerBound
    from tests.scheduler.staffing.test_sweep import row

    bound = LowerBound(2, 2, 1.0, 1.2, 1.5, 0.1, 5.0, unservable=3, unservable_high=1)
    text = format_curve(summarise([row(2, 0, 0.99, 0.99)], lower_bound=bound), 2)
    assert "no staffing level meets it" in text and "1 high/very-high" in text
