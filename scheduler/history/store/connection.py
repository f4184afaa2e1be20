"""The store's database connection: an engine per store (no pool: one connection while
open), SQLite set up so the store begins every transaction itself, and the connection
that migrations and transactions see."""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.expression import Executable


def create_engine(url: sa.URL) -> sa.Engine:
    args: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        args["timeout"] = 30  # seconds a writer waits for another's transaction
    elif "connect_timeout" not in url.query:
        args["connect_timeout"] = 10
    # NullPool: the store holds one connection while open, and closing it closes it.
    return sa.create_engine(url, poolclass=NullPool, connect_args=args)


def sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite must not open transactions itself: HistoryStore begins each one (the
    # SQLAlchemy recipe for BEGIN IMMEDIATE and transactional DDL on SQLite, which needs
    # the legacy transaction control that Python 3.12+ may be told to leave).
    if hasattr(sqlite3, "LEGACY_TRANSACTION_CONTROL"):
        dbapi_conn.autocommit = sqlite3.LEGACY_TRANSACTION_CONTROL
    dbapi_conn.isolation_level = None
    dbapi_conn.execute("PRAGMA foreign_keys = ON")
    dbapi_conn.execute("PRAGMA synchronous = FULL")


class StoreConnection:
    """The store's database connection, as migrations and
    :meth:`~scheduler.history.store.store.HistoryStore.transaction` blocks see it:
    ``execute`` takes a SQLAlchemy Core statement or SQL text. Outside a transaction a
    statement runs in one of its own, and its rows are read before it ends."""

    def __init__(self, conn: sa.Connection) -> None:
        self.sa = conn

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.sa.dialect.name

    def execute(self, statement: str | Executable, parameters: Any = None) -> sa.Result:
        if isinstance(statement, str):
            statement = sa.text(statement)
        if self.sa.in_transaction():
            return self.sa.execute(statement, parameters)
        with self.sa.begin():
            result = self.sa.execute(statement, parameters)
            return result.freeze()() if result.returns_rows else result

    def insert(self, statement: sa.Insert, values: dict[str, Any] | None = None) -> int:
        """Run a one-row insert (in the current transaction); returns the new row's id."""
        key = self.sa.execute(statement, values).inserted_primary_key
        assert key is not None
        return int(key[0])
