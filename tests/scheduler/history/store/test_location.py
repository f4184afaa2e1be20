"""Where a history store is: paths and URLs, the password never shown, and a store file
readable by its owner only.

Tests taking ``location`` run twice: on a SQLite file and on a PostgreSQL schema (that
one is skipped unless ROTA_TEST_POSTGRES_URL names a server; .ci/run starts one)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli.main import main
from scheduler.history.store import (
    HistoryStore,
    StoreError,
    StoreURL,
    store_location,
)

SECRET = "Sekr1t-pw"


# ---- where a store is -----------------------------------------------------------------


def test_paths_and_urls():
    assert store_location("h.db") == Path("h.db")
    assert store_location("sqlite:///rel/h.db") == Path("rel/h.db")
    assert store_location("sqlite:////abs/h.db") == Path("/abs/h.db")
    pg = store_location(f"postgresql://unit:{SECRET}@db.example:5433/rota")
    assert isinstance(pg, StoreURL) and pg.url.drivername == "postgresql+psycopg"
    assert str(pg) == "postgresql+psycopg://unit:***@db.example:5433/rota"
    assert SECRET not in repr(pg) and pg.url.password == SECRET
    for bad, message in (
        (f"mysql://unit:{SECRET}@h/db", "not a supported store"),
        (f"postgresql://unit:{SECRET}@h:port/db", "not a database URL"),
        ("sqlite:///h.db?timeout=3", "takes no URL options"),
    ):
        with pytest.raises(StoreError, match=message) as info:
            store_location(bad)
        assert SECRET not in str(info.value)


def test_an_unreachable_server_is_a_clear_error_without_the_password():
    url = f"postgresql+psycopg://unit:{SECRET}@127.0.0.1:1/rota"
    with pytest.raises(StoreError, match="cannot open the history store") as info:
        HistoryStore(url)
    assert "unit:***@127.0.0.1:1/rota" in str(info.value) and SECRET not in str(info.value)
    for args in (["status"], ["record", "--offender", "R0"]):
        result = CliRunner().invoke(main, [*args, "--store", url])
        assert result.exit_code == 1 and "cannot open the history store" in result.output
        assert SECRET not in result.output


def test_store_file_is_owner_only_even_under_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        path = tmp_path / "h.db"
        HistoryStore(path).close()
        loose = tmp_path / "loose.db"
        loose.touch(mode=0o666)
        os.chmod(loose, 0o666)
        HistoryStore(loose).close()
        by_url = tmp_path / "new" / "u.db"
        HistoryStore(f"sqlite:///{by_url}").close()
    finally:
        os.umask(old)
    for p in (path, loose, by_url):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert stat.S_IMODE(by_url.parent.stat().st_mode) == 0o700
