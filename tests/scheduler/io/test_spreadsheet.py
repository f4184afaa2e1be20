"""A register written as a unit's spreadsheet export (what ``rota scenario --spreadsheet``
writes) reads back as the same register, with or without postcodes."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from data.postcode_sample import SAMPLE
from data.scenarios import generate
from models import Register
from scheduler.io.loaders import read_register, register_files
from scheduler.io.locate import Locator
from scheduler.io.postcodes import PostcodeIndex, build_index
from scheduler.io.spreadsheet import spreadsheet_files, title

WEEK = date(2026, 11, 30)


@pytest.fixture(scope="module")
def register() -> Register:
    return generate("borough", 20261130).register


@pytest.fixture(scope="module")
def sample_index() -> PostcodeIndex:
    return build_index([SAMPLE])


def write(files: dict, folder: Path) -> tuple[Path, Path]:
    folder.mkdir()
    for name, body in files.items():
        (folder / name).write_bytes(body if isinstance(body, bytes) else body.encode())
    return folder / "offenders.csv", folder / "officers.csv"


def rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize(
    ("column", "header"),
    [
        ("id", "ID"),
        ("manager_id", "Manager ID"),
        ("mappa_level", "MAPPA Level"),
        ("last_visit", "Last Visit"),
        ("base_postcode", "Base Postcode"),
        ("tier", "Tier"),
    ],
)
def test_title(column: str, header: str) -> None:
    assert title(column) == header


def test_export_looks_like_a_spreadsheets(register: Register) -> None:
    files = spreadsheet_files(register)
    body = files["offenders.csv"]
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.count(b"\r\n") == len(register.offenders) + 1
    offenders = rows(body)
    assert list(offenders[0])[:3] == ["ID", "Lat", "Lon"]
    assert "Notes" in offenders[0]  # a column rota ignores
    assert {r["Tier"] for r in offenders} == {"Low", "Medium", "High", "Very High"}
    assert {r["Two Officers"] for r in offenders} <= {"Yes", "No"}
    visited = [r["Last Visit"] for r in offenders if r["Last Visit"]]
    assert visited and all(len(v) == 10 and v[2] == v[5] == "/" for v in visited)


def test_export_reads_back_as_the_same_register(register: Register, tmp_path: Path) -> None:
    plain = read_register(*write(register_files(register), tmp_path / "plain"), WEEK)
    sheet = read_register(*write(spreadsheet_files(register), tmp_path / "sheet"), WEEK)
    assert plain.problems == () and sheet.problems == ()
    assert sheet.register == plain.register
    assert sheet.notes == (
        f"{tmp_path / 'sheet' / 'offenders.csv'}: ignored column(s) that rota does not use: Notes",
    )


def test_postcode_export_is_located_from_the_index(
    register: Register, sample_index: PostcodeIndex, tmp_path: Path
) -> None:
    files = spreadsheet_files(register, sample_index)
    offenders, officers = rows(files["offenders.csv"]), rows(files["officers.csv"])
    assert "Lat" not in offenders[0] and "Postcode" in offenders[0]
    assert "Base Lat" not in officers[0] and "Base Postcode" in officers[0]
    assert set(sample_index.lookup([r["Postcode"] for r in offenders]).found) == {"ok"}
    result = read_register(*write(files, tmp_path / "pc"), WEEK, Locator(sample_index))
    assert result.problems == ()
    assert [o.id for o in result.register.offenders] == [o.id for o in register.offenders]
    # a home moves to its nearest sample centroid: the grid is about 0.5 km apart
    for read, given in zip(result.register.offenders, register.offenders, strict=True):
        assert abs(read.home.lat - given.home.lat) < 0.01
        assert abs(read.home.lon - given.home.lon) < 0.01
        assert (read.tier, read.last_visit) == (given.tier, given.last_visit)
