"""Fixtures shared by the whole suite: the hand-made input files in ``tests/data/inputs``.

Every file there gets a session-scoped fixture named after it, the dot replaced by an
underscore: ``offenders.csv`` -> ``offenders_csv``, ``offenders_bad_json.json`` ->
``offenders_bad_json_json``, ``policy_unknown_key.toml`` -> ``policy_unknown_key_toml``.
Each returns the file's :class:`~pathlib.Path`. The valid files describe one small team
(3 officers, 8 offenders) planned for the week of :data:`WEEK`; every other file is a copy
with the defect its name describes. Tests only read these files; anything written goes
to ``tmp_path``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from models import Register
from scheduler.io.loaders import load_register

INPUTS = Path(__file__).resolve().parent / "data" / "inputs"
#: The Monday the fixture register is planned for; every last visit is before it.
WEEK = date(2026, 11, 30)


def fixture_name(file_name: str) -> str:
    """``offenders_bad_json.json`` -> ``offenders_bad_json_json``."""
    return file_name.replace(".", "_")


def _path_fixture(path: Path, name: str) -> Callable[[], Path]:
    @pytest.fixture(scope="session", name=name)
    def _fixture() -> Path:
        assert path.is_file(), f"fixture file {path} is missing"
        return path

    return _fixture


for _path in sorted(INPUTS.iterdir()):
    if _path.is_file():
        globals()[fixture_name(_path.name)] = _path_fixture(_path, fixture_name(_path.name))


@pytest.fixture(scope="session")
def inputs_dir() -> Path:
    return INPUTS


@pytest.fixture(scope="session")
def input_path() -> Callable[[str], Path]:
    """``input_path("offenders_bad_date.csv")``: a fixture file by name, for tables."""

    def find(name: str) -> Path:
        path = INPUTS / name
        assert path.is_file(), f"fixture file {path} is missing"
        return path

    return find


@pytest.fixture(scope="session")
def valid_register(offenders_csv: Path, officers_csv: Path) -> Register:
    """The valid fixture files, loaded as of :data:`WEEK`."""
    return load_register(offenders_csv, officers_csv, as_of=WEEK)
