"""``rota travel calibrate`` and ``rota plan --travel`` against a local fake routing
server: the fit recovers the server's circuity and speed, the fragment is owner-only and
loads as a policy, and every failure is a one-line error."""

from __future__ import annotations

import os
import re
import stat

import pytest
from click.testing import CliRunner, Result

from models import Policy
from scheduler.cli.main import main
from tests.conftest import WEEK
from tests.scheduler.core.fake_routing import FakeRoutingServer

FAST = ["--week", WEEK.isoformat(), "--time-limit", "0.2", "--seed", "5"]


def rota(*args: str | os.PathLike[str]) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def fake():
    with FakeRoutingServer(circuity=1.52, speed_kmh=22.0, max_table_size=30) as server:
        yield server


def test_travel_commands_have_help():
    for args in (["travel", "--help"], ["travel", "calibrate", "--help"]):
        result = rota(*args)
        assert result.exit_code == 0 and "Usage:" in result.output


def test_calibrate_recovers_the_servers_circuity_and_speed(fake, tmp_path):
    out = tmp_path / "policy-travel.toml"
    result = rota(
        "travel", "calibrate", "--url", fake.url, "--sample", "40", "--seed", "3",
        "--max-table-size", "30", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Sample seed: 3" in result.output
    after = re.search(r"^after\s+([\d.]+)\s+([\d.]+)\s+(\d+) s", result.output, re.M)
    assert after and after.groups() == ("1.52", "22.0", "0")
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    policy = Policy.from_toml(out)  # the fragment is a valid policy file
    assert policy.circuity == pytest.approx(1.52, abs=1e-3)
    assert policy.speed_kmh == pytest.approx(22.0, abs=1e-2)
    # 40 points in chunks of 15 (sources + destinations <= 30): 3 x 3 blocks.
    assert len(fake.requests) == 9


def test_calibrate_without_a_seed_prints_the_secret_one_it_drew(fake):
    result = rota("travel", "calibrate", "--url", fake.url, "--sample", "10",
                  "--max-table-size", "30")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert re.search(r"Sample seed: \d+ \(replay with --seed \d+\)", result.output)


def test_calibrate_on_your_own_files(fake, offenders_csv, officers_csv):
    result = rota("travel", "calibrate", "--url", fake.url, "--offenders", offenders_csv,
                  "--officers", officers_csv, "--seed", "1", "--max-table-size", "30")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "11 points" in result.output  # 8 offenders and 3 officers' bases


def test_calibrate_refuses_to_overwrite(fake, tmp_path):
    out = tmp_path / "f.toml"
    out.write_text("x")
    result = rota("travel", "calibrate", "--url", fake.url, "--out", out)
    assert result.exit_code == 1
    assert result.output.strip().endswith(f"{out} already exists; pass --overwrite to replace it")


def test_calibrate_against_a_broken_server_is_a_one_line_error():
    with FakeRoutingServer(mode="http500") as fake:
        result = rota("travel", "calibrate", "--url", fake.url, "--sample", "5")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: OSRM server at {fake.url} answered HTTP 500: Internal Server Error\n"
    )


def test_plan_with_the_osrm_provider_asks_the_server(fake, offenders_csv, officers_csv):
    result = rota("plan", "--offenders", offenders_csv, "--officers", officers_csv, *FAST,
                  "--travel", "osrm", "--travel-url", fake.url)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert fake.requests


def test_the_osrm_url_alias_still_works(fake, offenders_csv, officers_csv):
    result = rota("plan", "--offenders", offenders_csv, "--officers", officers_csv, *FAST,
                  "--osrm-url", fake.url)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert fake.requests


def test_the_provider_can_come_from_the_policy_file(fake, offenders_csv, officers_csv, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(f'[travel]\nprovider = "osrm"\nurl = "{fake.url}"\nmax_table_size = 30\n')
    result = rota("plan", "--offenders", offenders_csv, "--officers", officers_csv, *FAST,
                  "--policy", policy)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert fake.requests


def test_a_failing_server_stops_the_plan_unless_fallback_is_allowed(offenders_csv, officers_csv):
    base = ["plan", "--offenders", offenders_csv, "--officers", officers_csv, *FAST]
    with FakeRoutingServer(mode="invalid_query") as fake:
        refused = rota(*base, "--travel", "osrm", "--travel-url", fake.url)
        allowed = rota(*base, "--travel", "osrm", "--travel-url", fake.url, "--travel-fallback")
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: OSRM server at {fake.url} answered HTTP 400: InvalidQuery: "
        "Query string malformed close to 12\n"
    )
    assert allowed.exit_code == 0, allowed.output
    assert "Warning: OSRM server at" in allowed.output
    assert "using the offline estimate" in allowed.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--travel", "osrm"], "Invalid value for --travel-url: provider 'osrm' needs a url"),
        (["--travel-url", "http://127.0.0.1:5000"], "--travel-url needs --travel osrm"),
        (["--travel", "osrm", "--travel-url", "localhost:5000"], "url must be http://HOST"),
        (["--osrm-url", "http://a:1", "--travel", "valhalla"], "--osrm-url is --travel osrm"),
    ],
)
def test_bad_travel_options_are_usage_errors(args, message, offenders_csv, officers_csv):
    result = rota("plan", "--offenders", offenders_csv, "--officers", officers_csv, *FAST, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_the_offline_default_plans_as_without_travel_options(offenders_csv, officers_csv):
    base = ["plan", "--offenders", offenders_csv, "--officers", officers_csv, *FAST, "--json"]
    assert rota(*base).output == rota(*base, "--travel", "offline").output
