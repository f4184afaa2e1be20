"""Where a history store is and how it is named: a SQLite file's path or a database URL,
shown with its password hidden in messages and errors alike. A store file is created
readable and writable by its owner only."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from scheduler.core.exceptions import RotaError
from scheduler.history.store.connection import create_engine


class StoreError(RotaError):
    """The store cannot be opened or used as asked."""


SUPPORTED = "a SQLite file's path, sqlite:///PATH, or postgresql+psycopg://USER@HOST[:PORT]/DB"


@dataclass(frozen=True)
class StoreURL:
    """A store given by a database URL; shown (``str``, ``repr``) with its password
    hidden."""

    url: sa.URL

    def __str__(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"StoreURL({str(self)!r})"

    def is_file(self) -> bool:
        """Whether a store has been created there (the question ``Path.is_file`` answers
        for a store file, which the commands ask before opening an existing store)."""
        return store_exists(self)


def store_location(value: Path | str | StoreURL) -> Path | StoreURL:
    """A store's location from a path or a URL. A ``sqlite:///PATH`` URL is that file's
    path (so it is created owner-only too); ``postgresql://`` means the psycopg 3 driver."""
    if isinstance(value, Path | StoreURL):
        return value
    if "://" not in value:
        return Path(value)
    try:
        url = sa.make_url(value)
    except (sa.exc.ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise StoreError(f"{hide_password(value)} is not a database URL ({SUPPORTED})") from None
    shown = url.render_as_string(hide_password=True)
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        if url.query:
            raise StoreError(f"{shown}: a SQLite store takes no URL options; give its path")
        if url.database and url.database != ":memory:":
            return Path(url.database)
        return StoreURL(url)  # in memory: for tests
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return StoreURL(url.set(drivername="postgresql+psycopg"))
    raise StoreError(f"{shown}: not a supported store ({SUPPORTED})")


def store_exists(location: Path | str | StoreURL) -> bool:
    """Whether a history store has been created at ``location`` (a file that exists, or a
    database that holds the store's tables). Nothing is created."""
    location = store_location(location)
    if isinstance(location, Path):
        return location.is_file()
    engine = create_engine(location.url)
    try:
        with engine.connect() as conn:
            return sa.inspect(conn).has_table("schema_version")
    except sa.exc.SQLAlchemyError as exc:
        detail = error_detail(exc, location.url.password)
        raise StoreError(f"cannot open the history store {location}: {detail}") from None
    finally:
        engine.dispose()


def hide_password(text: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", text)


def error_detail(exc: BaseException, password: Any = None) -> str:
    """The database's own message (not SQLAlchemy's, which quotes the SQL and its
    values), without the password."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    if password:
        text = text.replace(str(password), "***")
    return text


def create_private_file(path: Path) -> None:
    """Create ``path`` (and missing parent directories, 0700) as an empty 0600 file, or
    tighten an existing file to 0600."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    except FileExistsError:
        pass
    if stat.S_IMODE(path.stat().st_mode) != 0o600:
        os.chmod(path, 0o600)
