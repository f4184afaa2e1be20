"""``rota simulate`` from the command line."""

from __future__ import annotations

import csv
import json
import stat

from click.testing import CliRunner

from scheduler.cli.main import main


def run(*args: str):
    return CliRunner().invoke(main, ["simulate", *args])


def test_simulate_writes_private_weekly_visit_and_officer_files(tmp_path) -> None:
    out = tmp_path / "sim"
    res = run("--weeks", "3", "--warmup", "1", "--seed", "4", "--out", str(out), "--quiet")
    assert res.exit_code == 0, res.output
    assert "seed 4" in res.output and "On time after the warm-up" in res.output
    for name in ("weekly.csv", "visits.csv", "officer_weeks.csv", "summary.json"):
        mode = stat.S_IMODE((out / name).stat().st_mode)
        assert mode == 0o600, name
    weeks = list(csv.DictReader((out / "weekly.csv").read_text().splitlines()))
    assert [w["week"] for w in weeks] == ["1", "2", "3"]
    visits = list(csv.DictReader((out / "visits.csv").read_text().splitlines()))
    assert visits and set(visits[0]) == {
        "offender_id",
        "tier",
        "date",
        "slot",
        "outcome",
        "interval_days",
    }
    assert all(v["offender_id"].startswith(("RSO-", "SIM-")) for v in visits)


def test_simulate_json_replays_with_the_same_seed() -> None:
    a = run("--weeks", "2", "--warmup", "0", "--seed", "9", "--json", "--quiet")
    b = run("--weeks", "2", "--warmup", "0", "--seed", "9", "--json", "--quiet")
    assert a.exit_code == 0, a.output
    sa, sb = json.loads(a.output), json.loads(b.output)
    assert sa["totals"] == sb["totals"] and sa["compliance"] == sb["compliance"]


def test_bad_rates_file_is_named_with_its_field_and_nothing_is_written(tmp_path) -> None:
    rates = tmp_path / "rates.toml"
    rates.write_text("no_answer = 1.5\n")
    out = tmp_path / "sim"
    res = run("--weeks", "2", "--warmup", "0", "--rates", str(rates), "--out", str(out), "--quiet")
    assert res.exit_code == 1
    assert "rates.toml" in res.output and "no_answer" in res.output
    assert not out.exists()


def test_warmup_must_leave_weeks_to_measure(tmp_path) -> None:
    res = run("--weeks", "4", "--warmup", "4", "--quiet")
    assert res.exit_code == 2 and "--warmup" in res.output


def test_cancelled_visits_are_rebooked_unless_asked_not_to(tmp_path) -> None:
    rates = tmp_path / "rates.toml"
    rates.write_text("cancelled_by_police = 0.3\n")
    args = ("--weeks", "3", "--warmup", "0", "--seed", "2")
    res = run(*args, "--rates", str(rates), "--json", "--quiet")
    off = run(*args, "--rates", str(rates), "--json", "--quiet", "--no-rebook")
    assert res.exit_code == 0 and off.exit_code == 0, res.output + off.output
    rebooked, waited = json.loads(res.output)["totals"], json.loads(off.output)["totals"]
    # Failed knocks are still re-attempted each morning; called-off visits only without
    # --no-rebook.
    assert rebooked["rebooked"] > waited["rebooked"]
    assert rebooked["planned"] > waited["planned"]
    weekly = run(*args, "--rates", str(rates), "--json", "--quiet", "--no-replan", "--no-rebook")
    assert weekly.exit_code == 0, weekly.output
    assert json.loads(weekly.output)["totals"]["rebooked"] == 0
