"""``rota report`` and ``rota plan --report``: the page of a plan folder (with the store's
compliance and an audit), of a simulation folder, errors named, files owner-only and
never overwritten by accident, every printed line within 80 columns."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scheduler.cli.main import main
from tests.scheduler.io.test_html_report import assert_self_contained, simulation_folder

SMALL = ("--scenario", "borough-small")
PLAN = ("plan", *SMALL, "--time-limit", "0.5", "--seed", "7")


def rota(*args: str | os.PathLike[str]) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A borough-small week planned with --store and --out, and its audit folder."""
    tmp = tmp_path_factory.mktemp("report")
    result = rota(*PLAN, "--store", tmp / "history.db", "--out", tmp / "week")
    assert result.exit_code in (0, 3), result.output
    audit = rota("audit", "--store", tmp / "history.db", "--out", tmp / "audit")
    assert audit.exit_code == 0, audit.output
    yield tmp


def fits(result: Result) -> None:
    wide = [line for line in result.output.splitlines() if len(line) > 80]
    assert wide == []


def test_a_plan_folder_report_with_compliance_and_audit(planned: Path) -> None:
    out = planned / "report.html"
    result = rota(
        "report",
        planned / "week",
        *SMALL,
        "--store",
        planned / "history.db",
        "--audit",
        planned / "audit",
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    assert " ".join(result.output.split()).startswith(f"Wrote {out} (")
    assert "compliance, audit" in result.output
    fits(result)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    html = out.read_text()
    assert_self_contained(html)
    for section in ("week", "maps", "officers", "shortfall", "status", "audit"):
        assert f'<section id="{section}">' in html
    visits = (planned / "week" / "manager" / "visits.csv").read_text().splitlines()[1:]
    assert visits
    for line in visits:
        assert line.split(",")[0] in html


def test_an_existing_report_is_kept_unless_overwrite(planned: Path) -> None:
    out = planned / "kept.html"
    out.write_text("mine")
    result = rota("report", planned / "week", *SMALL, "--out", out)
    assert result.exit_code == 1
    assert f"{out} already exists; choose another --out or pass --overwrite" in result.output
    assert out.read_text() == "mine"
    assert rota("report", planned / "week", *SMALL, "--out", out, "--overwrite").exit_code == 0
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_a_plan_folder_needs_its_own_register(planned: Path, tmp_path: Path) -> None:
    result = rota("report", planned / "week", "--out", tmp_path / "r.html")
    assert result.exit_code == 2
    assert "give the register the rota was planned from" in result.output
    wrong = rota("report", planned / "week", "--scenario", "borough", "--out", tmp_path / "r.html")
    assert wrong.exit_code == 1
    # borough-small's ids are borough's first 30: the count tells them apart
    assert "the rota accounts for 30 offenders, this register has 300" in wrong.output
    met = rota("report", planned / "week", "--scenario", "met", "--out", tmp_path / "r.html")
    assert met.exit_code == 1
    assert not (tmp_path / "r.html").exists()


def test_a_folder_no_command_wrote_is_refused(tmp_path: Path) -> None:
    result = rota("report", tmp_path, "--out", tmp_path / "r.html")
    assert result.exit_code == 1
    assert "not a folder that rota plan, simulate or staffing --out wrote" in result.output


def test_a_simulation_folder_report(tmp_path: Path) -> None:
    folder = simulation_folder(tmp_path / "sim")
    out = tmp_path / "sim.html"
    result = rota("report", folder, "--out", out)
    assert result.exit_code == 0, result.output
    fits(result)
    assert "simulate folder" in result.output
    assert_self_contained(out.read_text())
    result = rota("report", folder, "--store", tmp_path / "x.db", "--out", tmp_path / "y.html")
    assert result.exit_code == 2
    assert "--store: only for a plan's folder" in result.output


def test_plan_writes_its_report_and_refuses_an_existing_one(tmp_path: Path) -> None:
    report = tmp_path / "week.html"
    result = rota(*PLAN, "--report", report)
    assert result.exit_code in (0, 3), result.output
    assert f"Wrote the HTML report to {report}" in " ".join(result.output.split())
    fits(result)
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert_self_contained(report.read_text())
    again = rota(*PLAN, "--report", report)
    assert again.exit_code == 1
    assert "already exists; choose another --report or pass --overwrite" in again.output


def test_plan_with_a_store_writes_its_report_and_a_dry_run_does_not(tmp_path: Path) -> None:
    store, report = tmp_path / "h.db", tmp_path / "week.html"
    dry = rota(*PLAN, "--store", store, "--dry-run", "--report", report)
    assert dry.exit_code in (0, 3), dry.output
    assert not report.exists()
    result = rota(*PLAN, "--store", store, "--report", report)
    assert result.exit_code in (0, 3), result.output
    assert report.is_file()
