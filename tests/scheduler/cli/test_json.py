"""Every command that prints a summary prints it with ``--json`` as one JSON document on
stdout (notes and progress go to stderr), and that document validates against the
command's schema in ``scheduler/io/schemas``, which ``rota formats --json-schema``
prints."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from jsonschema import Draft202012Validator

import scheduler.cli.record as record_module
from scheduler.cli.main import main
from scheduler.io.schemas import load_schema, schema_names, schema_text
from tests.conftest import WEEK
from tests.scheduler.cli.test_consistency import filled_template
from tests.scheduler.core.fake_routing import FakeRoutingServer

SMALL = ("--scenario", "borough-small")  # its week is 2026-11-30


def rota(*args: str | os.PathLike[str]) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def validated(name: str, result: Result, status: int = 0) -> Any:
    """The command's stdout, parsed and checked against ``name``'s schema."""
    assert result.exit_code == status, result.output
    document = json.loads(result.stdout)
    validator = Draft202012Validator(
        load_schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    return document


def json_commands() -> list[str]:
    """Every command and subcommand with a ``--json`` option, as its schema is named."""
    ctx = click.Context(main)
    found = []
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        assert command is not None
        subs = command.commands if isinstance(command, click.Group) else {"": command}
        for sub, cmd in subs.items():
            if any("--json" in p.opts for p in cmd.params):
                found.append(f"{name}-{sub}" if sub else name)
    return sorted(found)


def test_every_json_command_has_a_valid_schema() -> None:
    assert json_commands() == schema_names()
    for name in schema_names():
        Draft202012Validator.check_schema(load_schema(name))


@pytest.mark.parametrize("name", ["plan", "postcodes-lookup"])
def test_formats_prints_a_schema(name: str) -> None:
    result = rota("formats", "--json-schema", name)
    assert result.exit_code == 0
    assert result.stdout == schema_text(name)
    assert json.loads(result.stdout)["title"] == f"rota {name.replace('-', ' ')} --json"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One planned and recorded week of borough-small: the store, and each step's result."""
    tmp = tmp_path_factory.mktemp("json")
    store, week = tmp / "history.db", tmp / "week"
    runs: dict[str, Any] = {"store": store}
    runs["plan"] = rota(
        "plan", *SMALL, "--time-limit", "0.5", "--seed", "1", "--store", store,
        "--out", week, "--json",
    )  # fmt: skip
    mp = pytest.MonkeyPatch()
    mp.setattr(record_module, "now", lambda: datetime(2026, 12, 6, 20, 0))
    try:
        filled = filled_template(week / "manager" / "outcomes.csv", "no_answer")
        runs["record"] = rota("record", "--store", store, filled, "--json")
    finally:
        mp.undo()
    yield runs


def test_plan_with_a_store(history: dict[str, Any]) -> None:
    # borough-small leaves a very-high risk visit out: exit 3, and the JSON says why
    summary = validated("plan", history["plan"], status=3)
    assert summary["high_risk_left_out"] >= 1
    assert "Saved plan 1" in history["plan"].stderr


def test_plan_of_your_own_files(offenders_csv: Path, officers_csv: Path, tmp_path: Path) -> None:
    result = rota(
        "plan", "--offenders", offenders_csv, "--officers", officers_csv,
        "--week", WEEK.isoformat(), "--time-limit", "0.2", "--json", "--out", tmp_path / "r",
    )  # fmt: skip
    assert validated("plan", result)["week_start"] == WEEK.isoformat()


def test_record(history: dict[str, Any]) -> None:
    counts = validated("record", history["record"])
    assert counts["rows"] == counts["added"] > 0
    assert counts["actions"]["reattempt"]  # every visit failed: each is re-attempted


def test_status_and_audit(history: dict[str, Any]) -> None:
    store = history["store"]
    status = validated(
        "status", rota("status", "--store", store, "--as-of", "2026-12-10", "--json")
    )
    assert status["balanced"] is True
    validated("audit", rota("audit", "--store", store, "--json"))


def test_check(offenders_csv: Path, officers_csv: Path, input_path: Any) -> None:
    ok = validated(
        "check", rota("check", "--offenders", offenders_csv, "--officers", officers_csv, "--json")
    )
    assert ok["ok"] is True and ok["offenders"] == 8
    broken = input_path("offenders_multiple_problems.csv")
    bad = validated(
        "check",
        rota("check", "--offenders", broken, "--officers", officers_csv, "--json"),
        status=1,
    )
    assert bad["ok"] is False
    assert all(p["file"] == str(broken) for p in bad["problems"])


def test_allocate() -> None:
    validated("allocate", rota("allocate", *SMALL, "--time-limit", "5", "--json"))


def test_simulate(tmp_path: Path) -> None:
    result = rota(
        "simulate", *SMALL, "--weeks", "2", "--warmup", "0", "--seed", "1", "--json",
        "--out", tmp_path / "sim",
    )  # fmt: skip
    assert validated("simulate", result)["totals"]["weeks"] == 2


def test_staffing(tmp_path: Path) -> None:
    result = rota(
        "staffing", *SMALL, "--officers", "1,2", "--replications", "1", "--weeks", "2",
        "--warmup", "0", "--out", tmp_path / "st", "--json", "-q",
    )  # fmt: skip
    assert validated("staffing", result)["levels"] == [1, 2]


def test_postcodes_lookup(tmp_path: Path) -> None:
    index = tmp_path / "postcodes.npz"
    assert rota("postcodes", "import", "--sample", "--index", index).exit_code == 0
    result = rota("postcodes", "lookup", "--index", index, "cr5 6jr", "NOT A CODE", "--json")
    found = validated("postcodes-lookup", result)["postcodes"]
    assert [f["found"] for f in found] == ["ok", "malformed"]
    assert found[0]["postcode"] == "CR5 6JR" and found[0]["lat"] == pytest.approx(51.301503)
    assert found[1]["lat"] is None and found[1]["problem"]


def test_travel_calibrate() -> None:
    with FakeRoutingServer(circuity=1.52, speed_kmh=22.0, max_table_size=30) as fake:
        result = rota(
            "travel", "calibrate", "--url", fake.url, "--sample", "20", "--seed", "3", "--json"
        )
    fit = validated("travel-calibrate", result)
    assert fit["seed"] == 3 and fit["after"]["circuity"] == pytest.approx(1.52, rel=0.05)
