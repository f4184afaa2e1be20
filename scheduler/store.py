"""History store: plans, their audit records, planned visits and recorded outcomes.

One embedded SQLite file (standard library :mod:`sqlite3`, no server, nothing leaves the
machine), created readable and writable by its owner only (0600). Only SQLite is
supported for now: a unit's history is small (the national scenario plans about 6,000
visits a week), one file is easy to keep private and to back up, and the standard
library needs no new dependency. The SQL is plain (no SQLite-only functions), so a
PostgreSQL back end can be added behind this class later if a force needs a shared
server.

Schema changes are versioned migrations: :data:`MIGRATIONS` is an ordered list of
functions, each run once in its own transaction and recorded in ``schema_version``; a
new store runs them all from an empty database, an older one runs the missing ones, and
a store written by a newer version of the software is refused.

Every write is one transaction opened with ``BEGIN IMMEDIATE`` (the write lock is taken
before anything is read), so an import killed half-way leaves the store exactly as it was.
The library never reads the clock: callers pass the times to record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models import Policy, Register, Rota, VisitOutcome
from scheduler.exceptions import InputFileError, InputProblem, RotaError
from scheduler.history import History, OutcomeEvent
from scheduler.outcomes import OutcomeRow
from scheduler.windows import slot_name


class StoreError(RotaError):
    """The store cannot be opened or used as asked."""


Migration = Callable[[sqlite3.Connection], None]


def _m001_initial(conn: sqlite3.Connection) -> None:
    outcomes = ", ".join(f"'{o.value}'" for o in VisitOutcome)
    for sql in (
        """CREATE TABLE register_snapshots (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            taken_at TEXT NOT NULL,
            as_of TEXT NOT NULL,
            offenders INTEGER NOT NULL,
            register_json TEXT NOT NULL)""",
        """CREATE TABLE plans (
            id INTEGER PRIMARY KEY,
            week_start TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            inputs_sha256 TEXT NOT NULL,
            seed INTEGER NOT NULL,
            policy_json TEXT NOT NULL,
            software_version TEXT NOT NULL,
            snapshot_id INTEGER NOT NULL REFERENCES register_snapshots(id))""",
        """CREATE TABLE planned_visits (
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
            UNIQUE (plan_id, offender_id))""",
        "CREATE INDEX planned_visits_by_offender ON planned_visits (offender_id, date)",
        f"""CREATE TABLE outcomes (
            id INTEGER PRIMARY KEY,
            visit_id INTEGER REFERENCES planned_visits(id),
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
            superseded_by INTEGER REFERENCES outcomes(id))""",
        # One current outcome per planned visit, and per offender and day when unplanned.
        """CREATE UNIQUE INDEX outcomes_one_per_visit ON outcomes (visit_id)
            WHERE visit_id IS NOT NULL AND superseded_by IS NULL""",
        """CREATE UNIQUE INDEX outcomes_one_unplanned_per_day ON outcomes (offender_id, date)
            WHERE visit_id IS NULL AND superseded_by IS NULL""",
        "CREATE INDEX outcomes_by_offender ON outcomes (offender_id, date)",
    ):
        conn.execute(sql)


#: Ordered schema migrations: version i+1 is ``MIGRATIONS[i]``. Append only; never edit
#: one that has shipped.
MIGRATIONS: tuple[tuple[str, Migration], ...] = (
    ("register snapshots, plans with audit, planned visits, outcomes", _m001_initial),
)


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
    """A store file, opened (created and migrated as needed). Use as a context manager
    or call :meth:`close`."""

    def __init__(self, path: Path | str, migrations: Sequence[tuple[str, Migration]] = MIGRATIONS):
        self.path = Path(path)
        if self.path.exists() and not self.path.is_file():
            raise StoreError(f"{self.path} is not a file")
        try:
            create_private_file(self.path)
            # isolation_level=None: no implicit transactions; every write below opens its
            # own with BEGIN IMMEDIATE.
            self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except (OSError, sqlite3.DatabaseError) as exc:
            raise StoreError(f"cannot open the history store {self.path}: {exc}") from None
        self._in_transaction = False
        self.migrate(migrations)

    # ---------------------------------------------------------------- lifecycle

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``); nested use joins the outer one.
        Any exception rolls everything back."""
        if self._in_transaction:
            yield self._conn
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._in_transaction = True
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")
        finally:
            self._in_transaction = False

    # ---------------------------------------------------------------- schema

    def schema_version(self) -> int:
        exists = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone()
        if not exists:
            return 0
        row = self._conn.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def migrate(self, migrations: Sequence[tuple[str, Migration]] = MIGRATIONS) -> list[int]:
        """Run the migrations this store lacks, in order, each in its own transaction;
        returns the versions applied."""
        with self.transaction() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                "description TEXT NOT NULL)"
            )
        current = self.schema_version()
        if current > len(migrations):
            raise StoreError(
                f"{self.path} has schema version {current}, newer than this software knows "
                f"({len(migrations)}): upgrade rota"
            )
        applied = []
        for version, (description, migration) in enumerate(migrations, start=1):
            if version <= current:
                continue
            with self.transaction() as conn:
                migration(conn)
                conn.execute(
                    "INSERT INTO schema_version (version, description) VALUES (?, ?)",
                    (version, description),
                )
            applied.append(version)
        return applied

    # ---------------------------------------------------------------- registers and plans

    def save_register(self, register: Register, as_of: dt.date, taken_at: dt.datetime) -> int:
        """Keep a snapshot of the register (once per distinct content); returns its id."""
        text = register.model_dump_json()
        sha = hashlib.sha256(text.encode()).hexdigest()
        with self.transaction() as conn:
            row = conn.execute("SELECT id FROM register_snapshots WHERE sha256 = ?", (sha,))
            found = row.fetchone()
            if found:
                return int(found[0])
            cur = conn.execute(
                "INSERT INTO register_snapshots (sha256, taken_at, as_of, offenders, "
                "register_json) VALUES (?, ?, ?, ?, ?)",
                (sha, taken_at.isoformat(), as_of.isoformat(), len(register.offenders), text),
            )
            return int(cur.lastrowid or 0)

    def latest_register(self) -> tuple[Register, dt.date] | None:
        """The most recent register snapshot and the date it was planned from."""
        row = self._conn.execute(
            "SELECT register_json, as_of FROM register_snapshots ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return Register.model_validate_json(row[0]), dt.date.fromisoformat(row[1])

    def save_plan(self, rota: Rota, register: Register, created_at: dt.datetime) -> int:
        """Store a plan with its audit record, the register it was made from and its
        planned visits, in one transaction; returns the plan id."""
        audit = rota.audit
        if audit is None:
            raise StoreError("a plan without an audit record cannot be stored")
        with self.transaction() as conn:
            snapshot = self.save_register(register, rota.week_start, created_at)
            cur = conn.execute(
                "INSERT INTO plans (week_start, created_at, created_by, inputs_sha256, seed, "
                "policy_json, software_version, snapshot_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    rota.week_start.isoformat(),
                    created_at.isoformat(),
                    audit.created_by,
                    audit.inputs_sha256,
                    audit.seed,
                    json.dumps(audit.policy, sort_keys=True),
                    audit.software_version,
                    snapshot,
                ),
            )
            plan_id = int(cur.lastrowid or 0)
            conn.executemany(
                "INSERT INTO planned_visits (plan_id, offender_id, officer_ids, tier, date, "
                "slot, arrival, window_end, due_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        plan_id,
                        v.offender_id,
                        ";".join(v.officer_ids),
                        v.tier.value,
                        v.date.isoformat(),
                        v.slot,
                        v.arrival.isoformat(timespec="minutes"),
                        v.window_end.isoformat(timespec="minutes"),
                        v.due_date.isoformat(),
                    )
                    for v in rota.visits
                ],
            )
        return plan_id

    def plans(self) -> list[dict[str, Any]]:
        """Every stored plan's audit fields, oldest first."""
        cur = self._conn.execute(
            "SELECT id, week_start, created_at, created_by, inputs_sha256, seed, policy_json, "
            "software_version, snapshot_id, (SELECT count(*) FROM planned_visits v "
            "WHERE v.plan_id = plans.id) FROM plans ORDER BY id"
        )
        keys = (
            "id",
            "week_start",
            "created_at",
            "created_by",
            "inputs_sha256",
            "seed",
            "policy",
            "software_version",
            "snapshot_id",
            "visits",
        )
        out = []
        for row in cur:
            rec = dict(zip(keys, row, strict=True))
            rec["policy"] = json.loads(rec["policy"])
            out.append(rec)
        return out

    def latest_policy(self) -> Policy | None:
        """The policy of the most recent stored plan (None if there is none)."""
        row = self._conn.execute("SELECT policy_json FROM plans ORDER BY id DESC LIMIT 1")
        found = row.fetchone()
        return None if found is None else Policy.model_validate_json(found[0])

    def planned_visits(self, offender_id: str | None = None) -> list[PlannedVisit]:
        sql = "SELECT id, plan_id, offender_id, date, slot, officer_ids FROM planned_visits"
        args: tuple[str, ...] = ()
        if offender_id is not None:
            sql += " WHERE offender_id = ?"
            args = (offender_id,)
        return [_planned(r) for r in self._conn.execute(sql + " ORDER BY date, id", args)]

    def find_planned_visit(self, offender_id: str, day: dt.date) -> PlannedVisit | None:
        """The planned visit of ``offender_id`` on ``day`` (from the latest plan holding
        one, if the week was re-planned)."""
        row = self._conn.execute(
            "SELECT id, plan_id, offender_id, date, slot, officer_ids FROM planned_visits "
            "WHERE offender_id = ? AND date = ? ORDER BY plan_id DESC LIMIT 1",
            (offender_id, day.isoformat()),
        ).fetchone()
        return None if row is None else _planned(row)

    # ---------------------------------------------------------------- outcomes

    def outcomes(self, include_superseded: bool = False) -> list[StoredOutcome]:
        sql = (
            "SELECT id, visit_id, offender_id, date, outcome, arms_done, attempt_time, slot, "
            "recheck_date, notes, recorded_at, recorded_by FROM outcomes"
        )
        if not include_superseded:
            sql += " WHERE superseded_by IS NULL"
        return [_stored(r) for r in self._conn.execute(sql + " ORDER BY date, id")]

    def history(self, policy: Policy) -> History:
        """The outcome state machine run over every current outcome."""
        return History.from_events((o.event() for o in self.outcomes()), policy)

    def counts(self) -> dict[str, int]:
        def n(sql: str) -> int:
            return int(self._conn.execute(sql).fetchone()[0])

        return {
            "plans": n("SELECT count(*) FROM plans"),
            "planned_visits": n("SELECT count(*) FROM planned_visits"),
            "outcomes": n("SELECT count(*) FROM outcomes WHERE superseded_by IS NULL"),
            "register_snapshots": n("SELECT count(*) FROM register_snapshots"),
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
        i-th row is written (progress; tests use it to kill an import half-way).
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
                        conn.execute(
                            "UPDATE outcomes SET superseded_by = id WHERE id = ?",
                            (step.replaces,),
                        )
                    new_id = self._insert_outcome(conn, step, recorded_at, recorded_by)
                    if step.replaces is not None:
                        conn.execute(
                            "UPDATE outcomes SET superseded_by = ? WHERE id = ?",
                            (new_id, step.replaces),
                        )
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
        for (text,) in self._conn.execute("SELECT register_json FROM register_snapshots"):
            ids.update(o["id"] for o in json.loads(text)["offenders"])
        return ids

    def _current_outcome(self, visit: PlannedVisit | None, row: OutcomeRow) -> StoredOutcome | None:
        cols = (
            "SELECT id, visit_id, offender_id, date, outcome, arms_done, attempt_time, slot, "
            "recheck_date, notes, recorded_at, recorded_by FROM outcomes "
            "WHERE superseded_by IS NULL AND "
        )
        if visit is not None:
            r = self._conn.execute(cols + "visit_id = ?", (visit.id,)).fetchone()
        else:
            r = self._conn.execute(
                cols + "visit_id IS NULL AND offender_id = ? AND date = ?",
                (row.offender_id, row.date.isoformat()),
            ).fetchone()
        return None if r is None else _stored(r)

    @staticmethod
    def _insert_outcome(
        conn: sqlite3.Connection, step: _Step, recorded_at: dt.datetime, recorded_by: str
    ) -> int:
        row = step.row
        cur = conn.execute(
            "INSERT INTO outcomes (visit_id, offender_id, date, outcome, arms_done, "
            "attempt_time, slot, recheck_date, notes, recorded_at, recorded_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                step.visit.id if step.visit else None,
                row.offender_id,
                *step.values(),
                recorded_at.isoformat(timespec="seconds"),
                recorded_by,
            ),
        )
        return int(cur.lastrowid or 0)


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
