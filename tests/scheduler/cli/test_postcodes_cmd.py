"""``rota postcodes import`` and ``rota postcodes lookup``: the index built from the sample
or a Code-Point Open file, written owner-only where the environment says, and look-ups
that say why a postcode cannot be located. Nothing is written to the real home folder."""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from data.postcode_sample import SAMPLE
from scheduler.cli.main import main
from scheduler.io.postcodes import PostcodeIndex

POSTCODES = Path(__file__).resolve().parents[2] / "data" / "postcodes"


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every default path under ``tmp_path``, never the user's own folders."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("ROTA_POSTCODES", raising=False)
    return home


def rota(*args: str | os.PathLike[str]) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def sample_row(i: int) -> dict[str, str]:
    with open(SAMPLE, newline="") as fh:
        return list(csv.DictReader(fh))[i]


def test_import_sample_to_the_default_place(private_home: Path) -> None:
    old = os.umask(0)
    try:
        result = rota("postcodes", "import", "--sample")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    path = private_home / "data" / "rota" / "postcodes.npz"
    assert result.output.startswith("Indexed 576 postcodes (573 live, 3 terminated) from 1 file(s)")
    assert result.output.rstrip().endswith(f"-> {path}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(PostcodeIndex.load(path)) == 576


def test_import_follows_rota_postcodes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROTA_POSTCODES", str(tmp_path / "env.npz"))
    assert rota("postcodes", "import", "--sample").exit_code == 0
    assert (tmp_path / "env.npz").is_file()
    assert rota("postcodes", "lookup", sample_row(0)["pcds"]).exit_code == 0


def test_import_codepoint_with_named_layout(tmp_path: Path) -> None:
    index = tmp_path / "cp.npz"
    files = [POSTCODES / "codepoint_wc.csv", POSTCODES / "codepoint_cr.csv"]
    result = rota("postcodes", "import", *files, "--layout", "codepoint", "--index", index)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Indexed 4 postcodes (4 live, 0 terminated) from 2 file(s)")
    lookup = rota("postcodes", "lookup", "wc2n5du", "--index", index)
    assert lookup.output.split() == ["WC2N", "5DU", "51.50777", "-0.12752"]


def test_lookup_says_why(tmp_path: Path) -> None:
    index = tmp_path / "i.npz"
    rota("postcodes", "import", "--sample", "--index", index)
    live, terminated, no_grid = sample_row(0), sample_row(5), sample_row(77)
    result = rota(
        "postcodes",
        "lookup",
        live["pcds"].lower(),
        terminated["pcds"],
        no_grid["pcds"],
        "ZZ9 9ZZ",
        "nonsense",
        "--index",
        index,
    )
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == [
        *live["pcds"].split(),
        f"{float(live['lat']):.5f}",
        f"{float(live['long']):.5f}",
    ]
    assert lines[1].endswith(
        f"{terminated['pcds']} was terminated in 2019-06; confirm the current address"
    )
    assert lines[2].endswith("has no grid reference in the postcode directory; give lat and lon")
    assert lines[3].startswith("ZZ9 9ZZ   ZZ9 9ZZ is not in the postcode index")
    assert lines[4] == (
        "nonsense  'nonsense' is not a UK postcode (expected e.g. 'CR0 2RY': outward code, "
        "space, digit and two letters)"
    )


def test_lookup_without_an_index_says_how_to_build_one(private_home: Path) -> None:
    result = rota("postcodes", "lookup", "CR0 2RY")
    assert result.exit_code == 1
    path = private_home / "data" / "rota" / "postcodes.npz"
    assert result.stderr == (
        f"Error: {path}: no postcode index here; build one with 'rota postcodes import "
        "ONSPD.csv' (or give lat and lon)\n"
    )


def test_import_refuses_another_csv(tmp_path: Path) -> None:
    index = tmp_path / "i.npz"
    result = rota("postcodes", "import", POSTCODES / "not_a_directory.csv", "--index", index)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: {POSTCODES / 'not_a_directory.csv'}: not an ONSPD or Code-Point Open CSV"
    )
    assert "Traceback" not in result.output
    assert not index.exists()


def test_import_needs_files_or_sample() -> None:
    result = rota("postcodes", "import")
    assert result.exit_code == 2
    assert "give the centroid FILES to import (or --sample)" in result.stderr


def test_lookup_needs_a_postcode() -> None:
    assert rota("postcodes", "lookup").exit_code == 2
