"""History store: plans, their audit records, planned visits and recorded outcomes.

By default one embedded SQLite file (no server, nothing leaves the machine), created
readable and writable by its owner only (0600): a unit's history is small (the national
scenario plans about 6,000 visits a week), and one file is easy to keep private and to
back up. A unit that shares a server gives a PostgreSQL URL instead
(``postgresql+psycopg://user@host/db``). Both are reached through SQLAlchemy Core, so
every query is written once; the few differences between the two (id columns, how
migration 2 changes a constraint, how the write lock is taken) are spelled out where
they occur.

Schema changes are versioned migrations: :data:`MIGRATIONS` is an ordered list of
functions, each run once in its own transaction and recorded in ``schema_version``; a
new store runs them all from an empty database, an older one runs the missing ones, and
a store written by a newer version of the software is refused.

Every write is one transaction that takes the store's write lock before it reads
anything (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-scoped advisory lock),
so concurrent writers queue rather than interleave, and an import killed half-way leaves
the store exactly as it was. A store given by URL is named with its password hidden, in
messages and errors alike. The library never reads the clock: callers pass the times to
record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.expression import Executable

from models import Policy, Register, Rota, VisitOutcome
from scheduler.core.exceptions import InputFileError, InputProblem, RotaError
from scheduler.core.windows import slot_name
from scheduler.history.rows import OutcomeRow
from scheduler.history.state import History, OutcomeEvent


class StoreError(RotaError):
    """The store cannot be opened or used as asked."""


# ---------------------------------------------------------------- where a store is

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
        raise StoreError(f"{_hide_password(value)} is not a database URL ({SUPPORTED})") from None
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
    engine = _create_engine(location.url)
    try:
        with engine.connect() as conn:
            return sa.inspect(conn).has_table("schema_version")
    except sa.exc.SQLAlchemyError as exc:
        detail = _error_detail(exc, location.url.password)
        raise StoreError(f"cannot open the history store {location}: {detail}") from None
    finally:
        engine.dispose()


def _hide_password(text: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", text)


def _error_detail(exc: BaseException, password: Any = None) -> str:
    """The database's own message (not SQLAlchemy's, which quotes the SQL and its
    values), without the password."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    if password:
        text = text.replace(str(password), "***")
    return text


def _create_engine(url: sa.URL) -> sa.Engine:
    args: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        args["timeout"] = 30  # seconds a writer waits for another's transaction
    elif "connect_timeout" not in url.query:
        args["connect_timeout"] = 10
    # NullPool: the store holds one connection while open, and closing it closes it.
    return sa.create_engine(url, poolclass=NullPool, connect_args=args)


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite must not open transactions itself: HistoryStore begins each one (the
    # SQLAlchemy recipe for BEGIN IMMEDIATE and transactional DDL on SQLite, which needs
    # the legacy transaction control that Python 3.12+ may be told to leave).
    if hasattr(sqlite3, "LEGACY_TRANSACTION_CONTROL"):
        dbapi_conn.autocommit = sqlite3.LEGACY_TRANSACTION_CONTROL
    dbapi_conn.isolation_level = None
    dbapi_conn.execute("PRAGMA foreign_keys = ON")
    dbapi_conn.execute("PRAGMA synchronous = FULL")


class StoreConnection:
    """The store's database connection, as migrations and :meth:`HistoryStore.transaction`
    blocks see it: ``execute`` takes a SQLAlchemy Core statement or SQL text. Outside a
    transaction a statement runs in one of its own, and its rows are read before it ends."""

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


# ---------------------------------------------------------------- schema

Migration = Callable[[StoreConnection], None]


def _m001_initial(conn: StoreConnection) -> None:
    outcomes = ", ".join(f"'{o.value}'" for o in VisitOutcome)
    # On SQLite this is the DDL the first release ran, to the byte. PostgreSQL gets 64-bit
    # identity ids (and a 64-bit seed: seeds are 63-bit).
    if conn.dialect == "postgresql":
        types = {"pk": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "int": "BIGINT"}
    else:
        types = {"pk": "INTEGER PRIMARY KEY", "int": "INTEGER"}
    for sql in (
        """CREATE TABLE register_snapshots (
            id {pk},
            sha256 TEXT NOT NULL UNIQUE,
            taken_at TEXT NOT NULL,
            as_of TEXT NOT NULL,
            offenders INTEGER NOT NULL,
            register_json TEXT NOT NULL)""",
        """CREATE TABLE plans (
            id {pk},
            week_start TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            inputs_sha256 TEXT NOT NULL,
            seed {int} NOT NULL,
            policy_json TEXT NOT NULL,
            software_version TEXT NOT NULL,
            snapshot_id {int} NOT NULL REFERENCES register_snapshots(id))""",
        """CREATE TABLE planned_visits (
            id {pk},
            plan_id {int} NOT NULL REFERENCES plans(id),
            offender_id TEXT NOT NULL,
            officer_ids TEXT NOT NULL,
            tier TEXT NOT NULL,
            date TEXT NOT NULL,
            slot TEXT NOT NULL,
            arrival TEXT NOT NULL,
            window_end TEXT NOT NULL,
            due_date TEXT NOT NULL,
            UNIQUE (plan_id, offender_id))""",
        "CREATE INDEX planned_visits_by_offender ON planned_visits (offender_id, date)",
        """CREATE TABLE outcomes (
            id {pk},
            visit_id {int} REFERENCES planned_visits(id),
            offender_id TEXT NOT NULL,
            date TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ({outcomes})),
            arms_done INTEGER CHECK (arms_done IN (0, 1)),
            attempt_time TEXT,
            slot TEXT,
            recheck_date TEXT,
            notes TEXT NOT NULL DEFAULT '',
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            superseded_by {int} REFERENCES outcomes(id))""",
        # One current outcome per planned visit, and per offender and day when unplanned.
        """CREATE UNIQUE INDEX outcomes_one_per_visit ON outcomes (visit_id)
            WHERE visit_id IS NOT NULL AND superseded_by IS NULL""",
        """CREATE UNIQUE INDEX outcomes_one_unplanned_per_day ON outcomes (offender_id, date)
            WHERE visit_id IS NULL AND superseded_by IS NULL""",
        "CREATE INDEX outcomes_by_offender ON outcomes (offender_id, date)",
    ):
        conn.execute(sql.format(outcomes=outcomes, **types))


_VISIT_COLUMNS = (
    "id, plan_id, offender_id, officer_ids, tier, date, slot, arrival, window_end, due_date"
)


def _m002_revisits(conn: StoreConnection) -> None:
    """A plan may visit an offender twice (a short-notice revisit later in the week): one
    visit per plan, offender and date instead of per plan and offender."""
    if conn.dialect == "postgresql":
        names = conn.execute(
            "SELECT conname FROM pg_constraint "
            "WHERE conrelid = CAST('planned_visits' AS regclass) AND contype = 'u'"
        ).scalars()
        for name in names.all():
            conn.execute(f'ALTER TABLE planned_visits DROP CONSTRAINT "{name}"')
        conn.execute(
            "ALTER TABLE planned_visits ADD CONSTRAINT planned_visits_plan_offender_date "
            "UNIQUE (plan_id, offender_id, date)"
        )
        return
    # SQLite cannot change a table's constraints: rebuild the table, keeping every row and
    # id (outcomes refer to them). Foreign keys are off while migrations run and checked
    # before each commits (HistoryStore.migrate).
    conn.execute(
        """CREATE TABLE planned_visits_v2 (
            id INTEGER PRIMARY KEY,
            plan_id INTEGER NOT NULL REFERENCES plans(id),
            offender_id TEXT NOT NULL,
            officer_ids TEXT NOT NULL,
            tier TEXT NOT NULL,
            date TEXT NOT NULL,
            slot TEXT NOT NULL,
            arrival TEXT NOT NULL,
            window_end TEXT NOT NULL,
            due_date TEXT NOT NULL,
            UNIQUE (plan_id, offender_id, date))"""
    )
    conn.execute(
        f"INSERT INTO planned_visits_v2 ({_VISIT_COLUMNS}) "
        f"SELECT {_VISIT_COLUMNS} FROM planned_visits"
    )
    conn.execute("DROP TABLE planned_visits")
    conn.execute("ALTER TABLE planned_visits_v2 RENAME TO planned_visits")
    conn.execute("CREATE INDEX planned_visits_by_offender ON planned_visits (offender_id, date)")


#: Ordered schema migrations: version i+1 is ``MIGRATIONS[i]``. Append only; never edit
#: one that has shipped. Each gets the connection of its transaction, on either database.
MIGRATIONS: tuple[tuple[str, Migration], ...] = (
    ("register snapshots, plans with audit, planned visits, outcomes", _m001_initial),
    ("planned visits unique per plan, offender and date (short-notice revisits)", _m002_revisits),
)

# The tables as the queries below see them (the schema after the last migration; the
# migrations, not this, create it).
_meta = sa.MetaData()
_versions = sa.Table(
    "schema_version",
    _meta,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.Text),
)
_snapshots = sa.Table(
    "register_snapshots",
    _meta,
    sa.Column("id", sa.BigInteger, primary_key=True),
    *(sa.Column(c, sa.Text) for c in ("sha256", "taken_at", "as_of")),
    sa.Column("offenders", sa.Integer),
    sa.Column("register_json", sa.Text),
)
_plans = sa.Table(
    "plans",
    _meta,
    sa.Column("id", sa.BigInteger, primary_key=True),
    *(sa.Column(c, sa.Text) for c in ("week_start", "created_at", "created_by", "inputs_sha256")),
    sa.Column("seed", sa.BigInteger),
    sa.Column("policy_json", sa.Text),
    sa.Column("software_version", sa.Text),
    sa.Column("snapshot_id", sa.BigInteger),
)
_visits = sa.Table(
    "planned_visits",
    _meta,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("plan_id", sa.BigInteger),
    *(
        sa.Column(c, sa.Text)
        for c in (
            "offender_id",
            "officer_ids",
            "tier",
            "date",
            "slot",
            "arrival",
            "window_end",
            "due_date",
        )
    ),
)
_outcomes = sa.Table(
    "outcomes",
    _meta,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("visit_id", sa.BigInteger),
    *(sa.Column(c, sa.Text) for c in ("offender_id", "date", "outcome")),
    sa.Column("arms_done", sa.Integer),
    *(
        sa.Column(c, sa.Text)
        for c in ("attempt_time", "slot", "recheck_date", "notes", "recorded_at", "recorded_by")
    ),
    sa.Column("superseded_by", sa.BigInteger),
)
#: The recorded fields of an outcome, in the order of :meth:`_Step.values`.
_RECORDED = ("date", "outcome", "arms_done", "attempt_time", "slot", "recheck_date", "notes")
_VISIT_SELECT = sa.select(
    *(_visits.c[c] for c in ("id", "plan_id", "offender_id", "date", "slot", "officer_ids"))
)
_OUTCOME_SELECT = sa.select(
    *(
        _outcomes.c[c]
        for c in ("id", "visit_id", "offender_id", *_RECORDED, "recorded_at", "recorded_by")
    )
)

# Statements run once per imported row, built once (building and keying a statement costs
# more than running it on SQLite).
_FIND_VISIT = (
    _VISIT_SELECT.where(
        _visits.c.offender_id == sa.bindparam("offender"), _visits.c.date == sa.bindparam("day")
    )
    .order_by(_visits.c.plan_id.desc())
    .limit(1)
)
_CURRENT_OF_VISIT = _OUTCOME_SELECT.where(
    _outcomes.c.superseded_by.is_(None), _outcomes.c.visit_id == sa.bindparam("visit")
)
_CURRENT_UNPLANNED = _OUTCOME_SELECT.where(
    _outcomes.c.superseded_by.is_(None),
    _outcomes.c.visit_id.is_(None),
    _outcomes.c.offender_id == sa.bindparam("offender"),
    _outcomes.c.date == sa.bindparam("day"),
)
_INSERT_OUTCOME = sa.insert(_outcomes)
_RETIRE = (
    sa.update(_outcomes)
    .where(_outcomes.c.id == sa.bindparam("old"))
    .values(superseded_by=_outcomes.c.id)
)
_SUPERSEDE = (
    sa.update(_outcomes)
    .where(_outcomes.c.id == sa.bindparam("old"))
    .values(superseded_by=sa.bindparam("new"))
)

#: Key of the PostgreSQL advisory lock that a store's writers take ("rotastor").
PG_WRITE_LOCK = 0x726F7461_73746F72


@dataclass(frozen=True)
class PlannedVisit:
    id: int
    plan_id: int
    offender_id: str
    date: dt.date
    slot: str
    officer_ids: tuple[str, ...]


@dataclass(frozen=True)
class StoredOutcome:
    id: int
    visit_id: int | None
    offender_id: str
    date: dt.date
    outcome: VisitOutcome
    arms_done: bool | None
    attempt_time: str | None
    slot: str | None
    recheck_date: dt.date | None
    notes: str
    recorded_at: str
    recorded_by: str

    def event(self) -> OutcomeEvent:
        return OutcomeEvent(
            self.offender_id,
            self.date,
            self.outcome,
            self.slot,
            self.recheck_date,
            self.arms_done,
            self.id,
        )


@dataclass(frozen=True)
class ImportResult:
    added: int
    duplicates: int
    amended: int

    @property
    def rows(self) -> int:
        return self.added + self.duplicates + self.amended


def _date(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def register_sha256(register: Register) -> str:
    return hashlib.sha256(register.model_dump_json().encode()).hexdigest()


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


class HistoryStore:
    """A history store, opened (created and migrated as needed): a SQLite file given by
    its path, or a database given by its URL (:func:`store_location`). Use as a context
    manager or call :meth:`close`."""

    def __init__(
        self,
        path_or_url: Path | str | StoreURL,
        migrations: Sequence[tuple[str, Migration]] = MIGRATIONS,
    ):
        location = store_location(path_or_url)
        #: The store file (None for a store on a server); ``name`` is safe to print.
        self.path = location if isinstance(location, Path) else None
        self.name = str(location)
        if isinstance(location, Path):
            if location.exists() and not location.is_file():
                raise StoreError(f"{location} is not a file")
            self.url = sa.URL.create("sqlite", database=str(location))
        else:
            self.url = location.url
        self._writing = False  # read by _on_begin: the transaction being begun writes
        self._engine = _create_engine(self.url)
        if self.dialect == "sqlite":
            event.listen(self._engine, "connect", _sqlite_connect)
        event.listen(self._engine, "begin", self._on_begin)
        try:
            if self.path is not None:
                create_private_file(self.path)
            self._sa = self._engine.connect()
        except (OSError, sqlite3.Error, sa.exc.SQLAlchemyError) as exc:
            self._engine.dispose()
            raise self._cannot_open(exc) from None
        self._conn = StoreConnection(self._sa)
        try:
            probe = "SELECT count(*) FROM sqlite_master" if self.dialect == "sqlite" else "SELECT 1"
            self._conn.execute(probe).all()
        except (sqlite3.Error, sa.exc.SQLAlchemyError) as exc:
            self.close()
            raise self._cannot_open(exc) from None
        try:
            self.migrate(migrations)
        except BaseException:
            self.close()
            raise

    # ---------------------------------------------------------------- lifecycle

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    def close(self) -> None:
        self._sa.close()
        self._engine.dispose()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"HistoryStore({self.name!r})"

    def _cannot_open(self, exc: BaseException) -> StoreError:
        return StoreError(f"cannot open the history store {self.name}: {self._detail(exc)}")

    def _detail(self, exc: BaseException) -> str:
        return _error_detail(exc, self.url.password)

    def _on_begin(self, conn: sa.Connection) -> None:
        """Begin a transaction. A writing one takes the store's write lock first, so
        writers queue and what one reads is still true when it writes."""
        if self.dialect == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE" if self._writing else "BEGIN")
        elif self._writing:  # PostgreSQL begins by itself; the lock ends with the transaction
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Database errors as :class:`StoreError`: one line, store named, no password."""
        try:
            yield
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"history store {self.name}: {self._detail(exc)}") from None

    @contextmanager
    def transaction(self) -> Iterator[StoreConnection]:
        """One write transaction, holding the store's write lock from its start (SQLite
        ``BEGIN IMMEDIATE``, a PostgreSQL advisory lock); nested use joins the outer one.
        Any exception rolls everything back."""
        if self._sa.in_transaction():
            yield self._conn
            return
        with self._errors():
            self._writing = True
            try:
                tx = self._sa.begin()
            finally:
                self._writing = False
            with tx:
                yield self._conn

    @contextmanager
    def _read(self) -> Iterator[StoreConnection]:
        """A read: in the current transaction, else in a short one of its own (read every
        row before it ends)."""
        if self._sa.in_transaction():
            yield self._conn
            return
        with self._errors(), self._sa.begin():
            yield self._conn

    # ---------------------------------------------------------------- schema

    def schema_version(self) -> int:
        with self._read() as conn:
            if not sa.inspect(conn.sa).has_table("schema_version"):
                return 0
            return int(conn.execute(sa.select(sa.func.max(_versions.c.version))).scalar() or 0)

    def migrate(self, migrations: Sequence[tuple[str, Migration]] = MIGRATIONS) -> list[int]:
        """Run the migrations this store lacks, in order, each in its own transaction;
        returns the versions applied. A store that is up to date is only read (opening one
        does not queue behind a writer)."""
        current = self.schema_version()
        if current > len(migrations):
            raise StoreError(
                f"{self.name} has schema version {current}, newer than this software knows "
                f"({len(migrations)}): upgrade rota"
            )
        applied: list[int] = []
        if current == len(migrations):
            return applied
        with self.transaction() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                "description TEXT NOT NULL)"
            )
        with self._foreign_keys_off():
            for version, (description, migration) in enumerate(migrations, start=1):
                if version <= current:
                    continue
                with self.transaction() as conn:
                    if self.schema_version() >= version:
                        continue  # another process ran it since we looked
                    migration(conn)
                    self._check_foreign_keys(conn)
                    conn.execute(
                        sa.insert(_versions).values(version=version, description=description)
                    )
                applied.append(version)
        return applied

    @contextmanager
    def _foreign_keys_off(self) -> Iterator[None]:
        """SQLite: foreign keys off while migrations run (rebuilding a table means dropping
        one that others refer to; SQLite ignores the setting inside a transaction, so it
        is set around them). Each migration checks them before it commits."""
        if self.dialect != "sqlite":
            yield
            return
        raw = self._sa.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")
        try:
            yield
        finally:
            raw.execute("PRAGMA foreign_keys = ON")

    def _check_foreign_keys(self, conn: StoreConnection) -> None:
        if self.dialect == "sqlite":
            broken = conn.execute("PRAGMA foreign_key_check").all()
            if broken:
                raise StoreError(f"{self.name}: a migration broke foreign keys: {broken[:5]}")

    # ---------------------------------------------------------------- registers and plans

    def save_register(self, register: Register, as_of: dt.date, taken_at: dt.datetime) -> int:
        """Keep a snapshot of the register (once per distinct content); returns its id."""
        text = register.model_dump_json()
        sha = hashlib.sha256(text.encode()).hexdigest()
        with self.transaction() as conn:
            found = conn.execute(
                sa.select(_snapshots.c.id).where(_snapshots.c.sha256 == sha)
            ).scalar()
            if found is not None:
                return int(found)
            return conn.insert(
                sa.insert(_snapshots).values(
                    sha256=sha,
                    taken_at=taken_at.isoformat(),
                    as_of=as_of.isoformat(),
                    offenders=len(register.offenders),
                    register_json=text,
                )
            )

    def latest_register(self) -> tuple[Register, dt.date] | None:
        """The most recent register snapshot and the date it was planned from."""
        with self._read() as conn:
            row = conn.execute(
                sa.select(_snapshots.c.register_json, _snapshots.c.as_of)
                .order_by(_snapshots.c.id.desc())
                .limit(1)
            ).first()
        if row is None:
            return None
        return Register.model_validate_json(row[0]), dt.date.fromisoformat(row[1])

    def save_plan(self, rota: Rota, register: Register, created_at: dt.datetime) -> int:
        """Store a plan with its audit record, the register it was made from and its
        planned visits (any number per offender, one per offender and day), in one
        transaction; returns the plan id."""
        audit = rota.audit
        if audit is None:
            raise StoreError("a plan without an audit record cannot be stored")
        with self.transaction() as conn:
            snapshot = self.save_register(register, rota.week_start, created_at)
            plan_id = conn.insert(
                sa.insert(_plans).values(
                    week_start=rota.week_start.isoformat(),
                    created_at=created_at.isoformat(),
                    created_by=audit.created_by,
                    inputs_sha256=audit.inputs_sha256,
                    seed=audit.seed,
                    policy_json=json.dumps(audit.policy, sort_keys=True),
                    software_version=audit.software_version,
                    snapshot_id=snapshot,
                )
            )
            visits = [
                {
                    "plan_id": plan_id,
                    "offender_id": v.offender_id,
                    "officer_ids": ";".join(v.officer_ids),
                    "tier": v.tier.value,
                    "date": v.date.isoformat(),
                    "slot": v.slot,
                    "arrival": v.arrival.isoformat(timespec="minutes"),
                    "window_end": v.window_end.isoformat(timespec="minutes"),
                    "due_date": v.due_date.isoformat(),
                }
                for v in rota.visits
            ]
            if visits:
                conn.execute(sa.insert(_visits), visits)
        return plan_id

    def plans(self) -> list[dict[str, Any]]:
        """Every stored plan's audit fields, oldest first."""
        visits = (
            sa.select(sa.func.count())
            .select_from(_visits)
            .where(_visits.c.plan_id == _plans.c.id)
            .scalar_subquery()
        )
        columns: tuple[str, ...] = ("id", "week_start", "created_at", "created_by")
        columns += ("inputs_sha256", "seed", "policy_json", "software_version", "snapshot_id")
        with self._read() as conn:
            rows = conn.execute(
                sa.select(*(_plans.c[c] for c in columns), visits).order_by(_plans.c.id)
            ).all()
        keys = (*columns[:6], "policy", *columns[7:], "visits")
        out = []
        for row in rows:
            rec = dict(zip(keys, row, strict=True))
            rec["policy"] = json.loads(rec["policy"])
            out.append(rec)
        return out

    def latest_policy(self) -> Policy | None:
        """The policy of the most recent stored plan (None if there is none)."""
        with self._read() as conn:
            found = conn.execute(
                sa.select(_plans.c.policy_json).order_by(_plans.c.id.desc()).limit(1)
            ).scalar()
        return None if found is None else Policy.model_validate_json(found)

    def planned_visits(self, offender_id: str | None = None) -> list[PlannedVisit]:
        query = _VISIT_SELECT.order_by(_visits.c.date, _visits.c.id)
        if offender_id is not None:
            query = query.where(_visits.c.offender_id == offender_id)
        with self._read() as conn:
            return [_planned(r) for r in conn.execute(query).all()]

    def find_planned_visit(self, offender_id: str, day: dt.date) -> PlannedVisit | None:
        """The planned visit of ``offender_id`` on ``day`` (from the latest plan holding
        one, if the week was re-planned)."""
        with self._read() as conn:
            row = conn.execute(
                _FIND_VISIT, {"offender": offender_id, "day": day.isoformat()}
            ).first()
        return None if row is None else _planned(row)

    # ---------------------------------------------------------------- outcomes

    def outcomes(self, include_superseded: bool = False) -> list[StoredOutcome]:
        query = _OUTCOME_SELECT.order_by(_outcomes.c.date, _outcomes.c.id)
        if not include_superseded:
            query = query.where(_outcomes.c.superseded_by.is_(None))
        with self._read() as conn:
            return [_stored(r) for r in conn.execute(query).all()]

    def history(self, policy: Policy) -> History:
        """The outcome state machine run over every current outcome."""
        return History.from_events((o.event() for o in self.outcomes()), policy)

    def counts(self) -> dict[str, int]:
        def n(table: sa.Table, *where: Any) -> int:
            query = sa.select(sa.func.count()).select_from(table).where(*where)
            return int(conn.execute(query).scalar() or 0)

        with self._read() as conn:
            return {
                "plans": n(_plans),
                "planned_visits": n(_visits),
                "outcomes": n(_outcomes, _outcomes.c.superseded_by.is_(None)),
                "register_snapshots": n(_snapshots),
            }

    def import_outcomes(
        self,
        rows: Sequence[OutcomeRow],
        *,
        policy: Policy,
        recorded_at: dt.datetime,
        recorded_by: str,
        amend: bool = False,
        on_row: Callable[[int], None] | None = None,
    ) -> ImportResult:
        """Check ``rows`` against the store and record them, all or none.

        Each outcome must belong to a planned visit (the offender's visit on
        ``visit_date``, or on ``date``), unless marked unplanned (then the offender must be
        on a stored register). Recording the same outcome again is a no-op; recording a
        different one for a visit that already has one is an error unless ``amend`` (the
        old one is kept, marked superseded). Every problem found is raised together as
        :class:`InputFileError` and nothing is written. ``on_row(i)`` is called after the
        i-th row is written (progress; tests use it to kill an import half-way). The
        write lock is held from the first check to the last write.
        """
        with self.transaction() as conn:
            plan, problems = self._resolve(rows, policy, amend)
            if problems:
                raise InputFileError(problems)
            added = duplicates = amended = 0
            for i, step in enumerate(plan):
                if step.action == "duplicate":
                    duplicates += 1
                else:
                    if step.replaces is not None:
                        # Retire the old outcome first (it points at itself until the new
                        # one exists), so the one-current-outcome index holds throughout.
                        conn.execute(_RETIRE, {"old": step.replaces})
                    new_id = self._insert_outcome(conn, step, recorded_at, recorded_by)
                    if step.replaces is not None:
                        conn.execute(_SUPERSEDE, {"old": step.replaces, "new": new_id})
                        amended += 1
                    else:
                        added += 1
                if on_row is not None:
                    on_row(i)
        return ImportResult(added, duplicates, amended)

    def _resolve(
        self, rows: Sequence[OutcomeRow], policy: Policy, amend: bool
    ) -> tuple[list[_Step], list[InputProblem]]:
        problems: list[InputProblem] = []
        steps: list[_Step] = []
        seen: dict[tuple[Any, ...], tuple[OutcomeRow, _Step]] = {}
        known: set[str] | None = None
        for row in rows:
            visit: PlannedVisit | None = None
            if row.unplanned:
                if known is None:
                    known = self._known_offenders()
                if row.offender_id not in known:
                    problems.append(
                        row.problem("offender_id", "not on any register kept in the store")
                    )
                    continue
                key: tuple[Any, ...] = ("unplanned", row.offender_id, row.date)
            else:
                visit = self.find_planned_visit(row.offender_id, row.planned_date)
                if visit is None:
                    problems.append(self._unknown_visit(row))
                    continue
                key = ("visit", visit.id)
            slot = _slot(row, visit, policy)
            step = _Step(row, visit, slot, "insert", None)
            values = step.values()
            if key in seen:
                first, first_step = seen[key]
                if first_step.values() != values:
                    where = f"row {first.row}" if first.row is not None else "earlier"
                    problems.append(
                        row.problem("outcome", f"records the same visit differently from {where}")
                    )
                steps.append(_Step(row, visit, slot, "duplicate", None))
                continue
            seen[key] = (row, step)
            current = self._current_outcome(visit, row)
            if current is not None:
                if _values(current) == values:
                    step = _Step(row, visit, slot, "duplicate", None)
                elif amend:
                    step = _Step(row, visit, slot, "insert", current.id)
                else:
                    problems.append(
                        row.problem(
                            "outcome",
                            f"this visit is already recorded as {current.outcome.value} on "
                            f"{current.date} (recorded {current.recorded_at[:16]} by "
                            f"{current.recorded_by or 'unknown'}); pass --amend to replace it",
                        )
                    )
                    continue
            steps.append(step)
        return steps, problems

    def _unknown_visit(self, row: OutcomeRow) -> InputProblem:
        field = "visit_date" if row.visit_date is not None else "date"
        planned = [v.date.isoformat() for v in self.planned_visits(row.offender_id)][-3:]
        hint = (
            f"; their planned visits: {', '.join(planned)}"
            if planned
            else "; they have no planned visit in the store"
        )
        return row.problem(
            field,
            f"unknown visit: no planned visit for {row.offender_id} on {row.planned_date}"
            f"{hint} (mark a visit that was in no plan unplanned=true)",
        )

    def _known_offenders(self) -> set[str]:
        ids: set[str] = set()
        with self._read() as conn:
            texts = conn.execute(sa.select(_snapshots.c.register_json)).scalars().all()
        for text in texts:
            ids.update(o["id"] for o in json.loads(text)["offenders"])
        return ids

    def _current_outcome(self, visit: PlannedVisit | None, row: OutcomeRow) -> StoredOutcome | None:
        with self._read() as conn:
            if visit is not None:
                r = conn.execute(_CURRENT_OF_VISIT, {"visit": visit.id}).first()
            else:
                where = {"offender": row.offender_id, "day": row.date.isoformat()}
                r = conn.execute(_CURRENT_UNPLANNED, where).first()
        return None if r is None else _stored(r)

    @staticmethod
    def _insert_outcome(
        conn: StoreConnection, step: _Step, recorded_at: dt.datetime, recorded_by: str
    ) -> int:
        return conn.insert(
            _INSERT_OUTCOME,
            {
                "visit_id": step.visit.id if step.visit else None,
                "offender_id": step.row.offender_id,
                **dict(zip(_RECORDED, step.values(), strict=True)),
                "recorded_at": recorded_at.isoformat(timespec="seconds"),
                "recorded_by": recorded_by,
            },
        )


@dataclass(frozen=True)
class _Step:
    row: OutcomeRow
    visit: PlannedVisit | None
    slot: str | None
    action: str  # "insert" or "duplicate"
    replaces: int | None

    def values(self) -> tuple[Any, ...]:
        """The recorded fields, in ``outcomes`` column order (date .. notes)."""
        r = self.row
        return (
            r.date.isoformat(),
            r.outcome.value,
            None if r.arms_done is None else int(r.arms_done),
            None if r.time is None else r.time.isoformat(timespec="minutes"),
            self.slot,
            None if r.recheck_date is None else r.recheck_date.isoformat(),
            r.notes,
        )


def _values(o: StoredOutcome) -> tuple[Any, ...]:
    return (
        o.date.isoformat(),
        o.outcome.value,
        None if o.arms_done is None else int(o.arms_done),
        o.attempt_time,
        o.slot,
        None if o.recheck_date is None else o.recheck_date.isoformat(),
        o.notes,
    )


def _slot(row: OutcomeRow, visit: PlannedVisit | None, policy: Policy) -> str | None:
    """Time of day of the attempt: from its time when given, else the planned slot."""
    if row.time is not None:
        return slot_name(policy, row.date, row.time.hour * 3600 + row.time.minute * 60)
    return visit.slot if visit is not None else None


def _planned(r: tuple[Any, ...]) -> PlannedVisit:
    return PlannedVisit(r[0], r[1], r[2], dt.date.fromisoformat(r[3]), r[4], tuple(r[5].split(";")))


def _stored(r: tuple[Any, ...]) -> StoredOutcome:
    return StoredOutcome(
        id=r[0],
        visit_id=r[1],
        offender_id=r[2],
        date=dt.date.fromisoformat(r[3]),
        outcome=VisitOutcome(r[4]),
        arms_done=None if r[5] is None else bool(r[5]),
        attempt_time=r[6],
        slot=r[7],
        recheck_date=_date(r[8]),
        notes=r[9],
        recorded_at=r[10],
        recorded_by=r[11],
    )
