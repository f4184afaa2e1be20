"""The history store: plans, their audit records, planned visits and recorded outcomes,
in one SQLite file or a PostgreSQL database, through SQLAlchemy Core so that every query
is written once.

Every write is one transaction that takes the store's write lock before it reads
anything (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-scoped advisory lock),
so concurrent writers queue rather than interleave, and an import killed half-way leaves
the store exactly as it was. The library never reads the clock: callers pass the times
to record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from models import Policy, Register, Rota
from scheduler.core.exceptions import InputFileError, InputProblem
from scheduler.history.rows import OutcomeRow
from scheduler.history.state import History
from scheduler.history.store import tables
from scheduler.history.store.connection import StoreConnection, create_engine, sqlite_connect
from scheduler.history.store.daily import DailyRecords
from scheduler.history.store.location import (
    StoreError,
    StoreURL,
    create_private_file,
    error_detail,
    store_location,
)
from scheduler.history.store.migrations import MIGRATIONS, Migration
from scheduler.history.store.records import (
    ImportResult,
    PlannedVisit,
    Step,
    StoredOutcome,
    attempt_slot,
    planned_visit,
    recorded_values,
    stored_outcome,
)

#: The schema version that added the daily-operations columns to plans and visits.
DAILY_SCHEMA = 3
#: Key of the PostgreSQL advisory lock that a store's writers take ("rotastor").
PG_WRITE_LOCK = 0x726F7461_73746F72


def register_sha256(register: Register) -> str:
    return hashlib.sha256(register.model_dump_json().encode()).hexdigest()


class HistoryStore(DailyRecords):
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
        self._engine = create_engine(self.url)
        if self.dialect == "sqlite":
            event.listen(self._engine, "connect", sqlite_connect)
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
        return error_detail(exc, self.url.password)

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
            return int(
                conn.execute(sa.select(sa.func.max(tables.versions.c.version))).scalar() or 0
            )

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
                        sa.insert(tables.versions).values(version=version, description=description)
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
                sa.select(tables.snapshots.c.id).where(tables.snapshots.c.sha256 == sha)
            ).scalar()
            if found is not None:
                return int(found)
            return conn.insert(
                sa.insert(tables.snapshots).values(
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
                sa.select(tables.snapshots.c.register_json, tables.snapshots.c.as_of)
                .order_by(tables.snapshots.c.id.desc())
                .limit(1)
            ).first()
        if row is None:
            return None
        return Register.model_validate_json(row[0]), dt.date.fromisoformat(row[1])

    def save_plan(
        self,
        rota: Rota,
        register: Register,
        created_at: dt.datetime,
        *,
        replaces: int | None = None,
        replanned_from: dt.date | None = None,
    ) -> int:
        """Store a plan with its audit record, the register it was made from and its
        planned visits (any number per offender, one per offender and day), in one
        transaction; returns the plan id. A re-plan names the plan it ``replaces`` and
        the first day it re-planned."""
        audit = rota.audit
        if audit is None:
            raise StoreError("a plan without an audit record cannot be stored")
        with self.transaction() as conn:
            daily = self.schema_version() >= DAILY_SCHEMA  # (an older store's tests)
            snapshot = self.save_register(register, rota.week_start, created_at)
            extra = {
                "replaces_plan_id": replaces,
                "replanned_from": None if replanned_from is None else replanned_from.isoformat(),
            }
            plan_id = conn.insert(
                sa.insert(tables.plans).values(
                    week_start=rota.week_start.isoformat(),
                    created_at=created_at.isoformat(),
                    created_by=audit.created_by,
                    inputs_sha256=audit.inputs_sha256,
                    seed=audit.seed,
                    policy_json=json.dumps(audit.policy, sort_keys=True),
                    software_version=audit.software_version,
                    snapshot_id=snapshot,
                    **(extra if daily else {}),
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
                    **(
                        {"urgency": v.urgency, "short_notice": v.short_notice}
                        | {"rebooked": v.rebooked}
                        if daily
                        else {}
                    ),
                }
                for v in rota.visits
            ]
            if visits:
                conn.execute(sa.insert(tables.visits), visits)
        return plan_id

    def plans(self) -> list[dict[str, Any]]:
        """Every stored plan's audit fields, oldest first."""
        visits = (
            sa.select(sa.func.count())
            .select_from(tables.visits)
            .where(tables.visits.c.plan_id == tables.plans.c.id)
            .scalar_subquery()
        )
        columns: tuple[str, ...] = ("id", "week_start", "created_at", "created_by")
        columns += ("inputs_sha256", "seed", "policy_json", "software_version", "snapshot_id")
        with self._read() as conn:
            rows = conn.execute(
                sa.select(*(tables.plans.c[c] for c in columns), visits).order_by(tables.plans.c.id)
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
                sa.select(tables.plans.c.policy_json).order_by(tables.plans.c.id.desc()).limit(1)
            ).scalar()
        return None if found is None else Policy.model_validate_json(found)

    def planned_visits(self, offender_id: str | None = None) -> list[PlannedVisit]:
        query = tables.VISIT_SELECT.order_by(tables.visits.c.date, tables.visits.c.id)
        if offender_id is not None:
            query = query.where(tables.visits.c.offender_id == offender_id)
        with self._read() as conn:
            return [planned_visit(r) for r in conn.execute(query).all()]

    def find_planned_visit(self, offender_id: str, day: dt.date) -> PlannedVisit | None:
        """The planned visit of ``offender_id`` on ``day`` (from the latest plan holding
        one, if the week was re-planned)."""
        with self._read() as conn:
            row = conn.execute(
                tables.FIND_VISIT, {"offender": offender_id, "day": day.isoformat()}
            ).first()
        return None if row is None else planned_visit(row)

    # ---------------------------------------------------------------- outcomes

    def outcomes(self, include_superseded: bool = False) -> list[StoredOutcome]:
        query = tables.OUTCOME_SELECT.order_by(tables.outcomes.c.date, tables.outcomes.c.id)
        if not include_superseded:
            query = query.where(tables.outcomes.c.superseded_by.is_(None))
        with self._read() as conn:
            return [stored_outcome(r) for r in conn.execute(query).all()]

    def history(self, policy: Policy) -> History:
        """The outcome state machine run over every current outcome."""
        return History.from_events((o.event() for o in self.outcomes()), policy)

    def counts(self) -> dict[str, int]:
        def n(table: sa.Table, *where: Any) -> int:
            query = sa.select(sa.func.count()).select_from(table).where(*where)
            return int(conn.execute(query).scalar() or 0)

        with self._read() as conn:
            return {
                "plans": n(tables.plans),
                "planned_visits": n(tables.visits),
                "outcomes": n(tables.outcomes, tables.outcomes.c.superseded_by.is_(None)),
                "register_snapshots": n(tables.snapshots),
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
                        conn.execute(tables.RETIRE, {"old": step.replaces})
                    new_id = self._insert_outcome(conn, step, recorded_at, recorded_by)
                    if step.replaces is not None:
                        conn.execute(tables.SUPERSEDE, {"old": step.replaces, "new": new_id})
                        amended += 1
                    else:
                        added += 1
                if on_row is not None:
                    on_row(i)
        return ImportResult(added, duplicates, amended)

    def _resolve(
        self, rows: Sequence[OutcomeRow], policy: Policy, amend: bool
    ) -> tuple[list[Step], list[InputProblem]]:
        problems: list[InputProblem] = []
        steps: list[Step] = []
        seen: dict[tuple[Any, ...], tuple[OutcomeRow, Step]] = {}
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
            slot = attempt_slot(row, visit, policy)
            step = Step(row, visit, slot, "insert", None)
            values = step.values()
            if key in seen:
                first, first_step = seen[key]
                if first_step.values() != values:
                    where = f"row {first.row}" if first.row is not None else "earlier"
                    problems.append(
                        row.problem("outcome", f"records the same visit differently from {where}")
                    )
                steps.append(Step(row, visit, slot, "duplicate", None))
                continue
            seen[key] = (row, step)
            current = self._current_outcome(visit, row)
            if current is not None:
                if recorded_values(current) == values:
                    step = Step(row, visit, slot, "duplicate", None)
                elif amend:
                    step = Step(row, visit, slot, "insert", current.id)
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
            texts = conn.execute(sa.select(tables.snapshots.c.register_json)).scalars().all()
        for text in texts:
            ids.update(o["id"] for o in json.loads(text)["offenders"])
        return ids

    def _current_outcome(self, visit: PlannedVisit | None, row: OutcomeRow) -> StoredOutcome | None:
        with self._read() as conn:
            if visit is not None:
                r = conn.execute(tables.CURRENT_OF_VISIT, {"visit": visit.id}).first()
            else:
                where = {"offender": row.offender_id, "day": row.date.isoformat()}
                r = conn.execute(tables.CURRENT_UNPLANNED, where).first()
        return None if r is None else stored_outcome(r)

    @staticmethod
    def _insert_outcome(
        conn: StoreConnection, step: Step, recorded_at: dt.datetime, recorded_by: str
    ) -> int:
        return conn.insert(
            tables.INSERT_OUTCOME,
            {
                "visit_id": step.visit.id if step.visit else None,
                "offender_id": step.row.offender_id,
                **dict(zip(tables.RECORDED, step.values(), strict=True)),
                "recorded_at": recorded_at.isoformat(timespec="seconds"),
                "recorded_by": recorded_by,
            },
        )
