"""``rota check`` and a unit's own files planned end to end: a spreadsheet export with
postcodes checked and planned, every problem of both files in one run (file, row and
field, plain words, a closing count), column aliases, and addresses geocoded only through
a configured server (a fake one on 127.0.0.1). Nothing is written to the real home folder.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scheduler.cli.main import main
from tests.conftest import WEEK
from tests.scheduler.fake_geocoder import FakeNominatim
from tests.scheduler.io.test_fields import assert_plain

FAST = ["--week", WEEK.isoformat(), "--time-limit", "0.3"]


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every default path under ``tmp_path``, never the user's own folders."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("ROTA_POSTCODES", raising=False)
    return home


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample imported with ``rota postcodes import --sample``."""
    path = tmp_path_factory.mktemp("index") / "postcodes.npz"
    result = rota("postcodes", "import", "--sample", "--index", path)
    assert result.exit_code == 0, result.output
    return path


def rota(*args: str | os.PathLike[str]) -> Result:
    """Run ``rota ARGS``; an exception other than an exit fails the test (no tracebacks)."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def check(offenders: Path, officers: Path, *more: str | os.PathLike[str]) -> Result:
    return rota("check", "--offenders", offenders, "--officers", officers, *more)


def errors(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error: ")]


# ---- a spreadsheet export planned end to end -------------------------------------------------


def test_scenario_with_postcodes_is_checked_and_planned(index: Path, tmp_path: Path) -> None:
    register = tmp_path / "register"
    written = rota(
        "scenario", "borough", "--with-postcodes", "--postcodes", index, "--out", register
    )
    assert written.exit_code == 0, written.output
    offenders, officers = register / "offenders.csv", register / "officers.csv"
    raw = offenders.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    header = raw.decode("utf-8-sig").splitlines()[0]
    assert "Postcode" in header and "Lat" not in header and "Notes" in header
    assert re.search(r",(High|Very High),", raw.decode("utf-8-sig"))
    assert re.search(r",\d\d/\d\d/20\d\d,", raw.decode("utf-8-sig"))
    assert re.search(r",(Yes|No),", raw.decode("utf-8-sig"))

    checked = check(offenders, officers, "--postcodes", index)
    assert checked.exit_code == 0, checked.output
    assert re.match(
        r"OK: 300 offenders \(.*\), 6 officers in 1 team\(s\)\. Ready to plan\.", checked.stdout
    )
    assert "ignored column(s) that rota does not use: Notes" in checked.stderr

    out = tmp_path / "rota"
    planned = rota(
        "plan",
        "--offenders",
        offenders,
        "--officers",
        officers,
        "--postcodes",
        index,
        *FAST,
        "--out",
        out,
        "--seed",
        "1",
    )
    assert planned.exit_code == 0, planned.output
    visits = (out / "manager" / "visits.csv").read_text().splitlines()
    assert len(visits) > 1  # a header and at least one planned visit


def test_scenario_spreadsheet_without_postcodes_checks(tmp_path: Path) -> None:
    register = tmp_path / "register"
    assert rota("scenario", "borough", "--spreadsheet", "--out", register).exit_code == 0
    assert "Lat" in (register / "offenders.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    result = check(
        register / "offenders.csv", register / "officers.csv", "--week", WEEK.isoformat()
    )
    assert result.exit_code == 0, result.output


def test_scenario_postcodes_without_an_index_is_a_clear_error(tmp_path: Path) -> None:
    result = rota("scenario", "borough", "--with-postcodes", "--out", tmp_path / "register")
    assert result.exit_code == 1
    assert "no postcode index here; build one with 'rota postcodes import" in result.stderr
    assert not (tmp_path / "register").exists()


def test_export_fixture_checks(index: Path, export_offenders_csv, export_officers_csv) -> None:
    result = check(export_offenders_csv, export_officers_csv, "--postcodes", index)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "OK: 8 offenders (high 3, low 1, medium 2, very_high 2), 2 officers in 1 team(s). "
        "Ready to plan.\n"
    )


def test_rota_postcodes_variable_names_the_index(
    index: Path, monkeypatch: pytest.MonkeyPatch, export_offenders_csv, export_officers_csv
) -> None:
    monkeypatch.setenv("ROTA_POSTCODES", str(index))
    assert check(export_offenders_csv, export_officers_csv).exit_code == 0


# ---- every problem in one run ----------------------------------------------------------------


@pytest.fixture
def five_defects(input_path) -> tuple[Path, Path]:
    return input_path("export_five_defects_offenders.csv"), input_path(
        "export_visit_hours_in_words_officers.csv"
    )


def test_every_problem_of_both_files_in_one_run(index: Path, five_defects) -> None:
    offenders, officers = five_defects
    result = check(offenders, officers, "--postcodes", index)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = errors(result)
    expected = [
        (officers, "row 3, id OM-B, field 'visit_hours': 'four': not a number of hours"),
        (offenders, "row 1, field 'Two Officrs': unknown column; did you mean 'two_officers'?"),
        (offenders, "row 3, id RSO-000002, field 'manager_id': officer 'OM-Q' is not in"),
        (offenders, "row 4, id RSO-000003, field 'last_visit': '11/25/2026': reads as month/day"),
        (offenders, "row 5, id RSO-000004, field 'postcode': ZZ9 9ZZ is not in the postcode index"),
        (offenders, "row 6, id John Smith, field 'id': 'John Smith' may contain only letters"),
    ]
    assert len(lines) == len(expected)
    for line, (file, start) in zip(lines, expected, strict=True):
        assert line.startswith(f"Error: {file}, {start}"), line
        assert_plain(line.split(": ", 2)[2])
        assert "could not convert" not in line
    assert result.stderr.splitlines()[-1] == (
        "6 problems in 2 files (export_visit_hours_in_words_officers.csv 1, "
        "export_five_defects_offenders.csv 5): fix them all, then run again."
    )


def test_nothing_is_written_for_broken_input(index: Path, five_defects, tmp_path: Path) -> None:
    offenders, officers = five_defects
    out = tmp_path / "plans"
    out.mkdir()
    result = rota(
        "plan",
        "--offenders",
        offenders,
        "--officers",
        officers,
        "--postcodes",
        index,
        *FAST,
        "--out",
        out / "rota",
    )
    assert result.exit_code == 1
    assert "6 problems in 2 files" in result.stderr
    assert list(out.iterdir()) == []


def test_near_miss_tier_value_gets_did_you_mean(index: Path, input_path) -> None:
    result = check(
        input_path("export_near_miss_tier_offenders.csv"),
        input_path("export_officers.csv"),
        "--postcodes",
        index,
    )
    assert result.exit_code == 1
    assert "field 'tier': 'Hihg': unknown value (did you mean 'high'?" in result.stderr


def test_missing_index_is_one_problem_per_file(tmp_path: Path, input_path) -> None:
    missing = tmp_path / "none.npz"
    result = check(
        input_path("export_offenders.csv"),
        input_path("export_officers.csv"),
        "--postcodes",
        missing,
    )
    assert result.exit_code == 1
    lines = errors(result)
    assert lines == [
        f"Error: {input_path('export_officers.csv')}, field 'base_postcode': postcodes given but "
        f"{missing}: no postcode index here; build one with 'rota postcodes import ONSPD.csv' "
        "(or give lat and lon)",
        f"Error: {input_path('export_offenders.csv')}, field 'postcode': postcodes given but "
        f"{missing}: no postcode index here; build one with 'rota postcodes import ONSPD.csv' "
        "(or give lat and lon)",
    ]
    assert "2 problems in 2 files" in result.stderr


def test_run_of_the_same_problem_is_one_line(index: Path, input_path) -> None:
    path = input_path("export_same_unknown_manager_offenders.csv")
    result = check(path, input_path("export_officers.csv"), "--postcodes", index)
    assert result.exit_code == 1
    assert errors(result) == [
        f"Error: {path}, rows 2, 3, 4, ... (4 rows), field 'manager_id': officer 'OM-Z' is not "
        "in the officers file"
    ]
    assert "4 problems in 1 file (export_same_unknown_manager_offenders.csv 4)" in result.stderr


def test_one_problem_has_no_count_line(index: Path, input_path) -> None:
    result = check(
        input_path("export_two_headers_one_column_offenders.csv"),
        input_path("export_officers.csv"),
        "--postcodes",
        index,
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].endswith(
        "row 1, field 'Tier': gives 'tier' as column 'Risk Level' does; keep one"
    )
    assert "problem in" not in result.stderr


def test_last_visit_after_the_week_is_refused(index: Path, input_path) -> None:
    result = check(
        input_path("export_offenders.csv"),
        input_path("export_officers.csv"),
        "--postcodes",
        index,
        "--week",
        "2026-11-02",
    )
    assert result.exit_code == 1
    assert (
        "field 'last_visit': 2026-11-20 is in the future (planning from 2026-11-02)"
        in result.stderr
    )


def test_bad_week_is_a_usage_error(input_path) -> None:
    result = check(
        input_path("export_offenders.csv"),
        input_path("export_officers.csv"),
        "--week",
        "30/11/2026",
    )
    assert result.exit_code == 2
    assert "'30/11/2026' is not a date YYYY-MM-DD" in result.stderr


# ---- column aliases --------------------------------------------------------------------------


def test_user_columns_toml(index: Path, input_path) -> None:
    offenders = input_path("export_own_headers_offenders.csv")
    officers = input_path("export_own_headers_officers.csv")
    assert check(offenders, officers, "--postcodes", index).exit_code == 1
    result = check(
        offenders,
        officers,
        "--postcodes",
        index,
        "--columns",
        input_path("columns_own_headers.toml"),
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: 2 offenders (high 1, very_high 1), 2 officers")


def test_columns_toml_target_not_a_column(index: Path, input_path) -> None:
    toml = input_path("columns_target_not_a_column.toml")
    result = check(
        input_path("export_offenders.csv"),
        input_path("export_officers.csv"),
        "--postcodes",
        index,
        "--columns",
        toml,
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {toml}: [offenders] 'Risk Score' = 'risk_band'")
    assert "Traceback" not in result.output


# ---- addresses -------------------------------------------------------------------------------


@pytest.fixture
def nominatim() -> Iterator[FakeNominatim]:
    with FakeNominatim() as server:
        yield server


def test_address_without_geocoder_is_refused(input_path) -> None:
    path = input_path("export_address_only_offenders.csv")
    result = check(path, input_path("officers.csv"))
    assert result.exit_code == 1
    lines = errors(result)
    assert len(lines) == 2
    assert lines[0].startswith(f"Error: {path}, row 2, id RSO-000001, field 'address': ")
    assert "--geocoder URL" in lines[0]
    for word in ("Acacia", "Laburnum", "Croydon", "Thornton"):
        assert word.lower() not in result.output.lower()


def test_address_geocoded_through_a_configured_server(
    nominatim: FakeNominatim, private_home: Path, input_path
) -> None:
    path = input_path("export_address_only_offenders.csv")
    officers = input_path("officers.csv")  # OM-A and OM-B, by lat and lon
    first = check(path, officers, "--geocoder", nominatim.url)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("OK: 2 offenders")
    assert f"Warning: addresses in the register are sent to {nominatim.url}" in first.stderr
    assert nominatim.requests == 2

    again = check(path, officers, "--geocoder", nominatim.url)
    assert again.exit_code == 0, again.output
    assert nominatim.requests == 2  # the second run is served from the cache

    cache = private_home / "cache" / "rota" / "geocode.sqlite"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    on_disk = cache.read_bytes().lower()
    for word in (b"acacia", b"laburnum", b"croydon", b"thornton"):
        assert word not in on_disk
