"""The store's schema migrations: from an empty database, in order and once, a failing
one leaving the previous version, and version 1 with data migrating to 2.

Tests taking ``location`` run twice: on a SQLite file and on a PostgreSQL schema (that
one is skipped unless ROTA_TEST_POSTGRES_URL names a server; .ci/run starts one)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from scheduler.history.store import (
    MIGRATIONS,
    HistoryStore,
    StoreConnection,
    StoreError,
    StoreURL,
    store_location,
)
from scheduler.history.store.tables import meta
from tests.scheduler.conftest import WEEK
from tests.scheduler.history_helpers import (
    NOW,
    hand_rota,
    record,
    row,
    small_register,
)

TABLES = {"schema_version", "register_snapshots", "plans", "planned_visits", "outcomes"}


def engine_for(location: Path | str) -> sa.Engine:
    """An engine on the store's database, to look at it without the store."""
    where = store_location(location)
    url = where.url if isinstance(where, StoreURL) else f"sqlite:///{where}"
    return sa.create_engine(url, poolclass=NullPool)


def tables(location: Path | str) -> set[str]:
    engine = engine_for(location)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def contents(store: HistoryStore) -> tuple[object, ...]:
    return (
        store.plans(),
        store.planned_visits(),
        store.outcomes(include_superseded=True),
        store.counts(),
        store.latest_register(),
    )


# ---- schema and file -------------------------------------------------------------------


def test_migrations_run_from_an_empty_database(location):
    with HistoryStore(location) as store:
        assert store.schema_version() == len(MIGRATIONS) == 3
    assert tables(location) >= TABLES
    with HistoryStore(location) as store:  # reopening applies nothing new
        assert store.migrate() == []


def test_the_queries_match_the_migrated_schema(location):
    HistoryStore(location).close()
    engine = engine_for(location)
    try:
        inspector = sa.inspect(engine)
        for table in meta.sorted_tables:
            columns = [c["name"] for c in inspector.get_columns(table.name)]
            assert columns == [c.name for c in table.columns], table.name
        unique = inspector.get_unique_constraints("planned_visits")
        assert [u["column_names"] for u in unique] == [["plan_id", "offender_id", "date"]]
    finally:
        engine.dispose()


def test_missing_migrations_run_in_order_and_once(location):
    HistoryStore(location).close()
    calls: list[int] = []

    def add(n: int):
        def m(conn: StoreConnection) -> None:
            calls.append(n)
            conn.execute(f"CREATE TABLE extra{n} (x INTEGER)")

        return (f"extra {n}", m)

    more = (*MIGRATIONS, add(1), add(2))
    with HistoryStore(location, migrations=more) as store:
        assert store.schema_version() == len(MIGRATIONS) + 2
    with HistoryStore(location, migrations=more) as store:
        assert store.migrate(more) == []
    assert calls == [1, 2]
    assert {"extra1", "extra2"} <= tables(location)
    with pytest.raises(StoreError, match="newer than this software"):
        HistoryStore(location)


def test_a_failing_migration_leaves_the_previous_version(location):
    def broken(conn: StoreConnection) -> None:
        conn.execute("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        HistoryStore(location, migrations=(*MIGRATIONS, ("broken", broken)))
    assert "half_done" not in tables(location)
    with HistoryStore(location) as store:
        assert store.schema_version() == len(MIGRATIONS)


def test_a_version_1_store_with_data_migrates_to_2_with_every_row(location):
    reg = small_register(3)
    with HistoryStore(location, migrations=MIGRATIONS[:1]) as v1:
        assert v1.schema_version() == 1
        v1.save_plan(hand_rota(reg, [("R0", 0, 9), ("R1", 2, 18)]), reg, NOW - timedelta(20))
        later = hand_rota(reg, [("R2", 1, 13)], week=WEEK + timedelta(days=7), seed=2**62 + 1)
        v1.save_plan(later, reg, NOW - timedelta(days=13))
        record(
            v1,
            row("R0", 0, "no_answer"),
            row("R1", 2, "completed", arms_done=True, notes="ARMS done"),
            row("R2", 3, "completed", unplanned=True),
        )
        record(v1, row("R0", 0, "completed"), amend=True)
        # Version 1 allows one visit per offender and plan: a revisit is refused, whole.
        with pytest.raises(StoreError, match="history store"):
            v1.save_plan(hand_rota(reg, [("R0", 1, 9), ("R0", 4, 18)]), reg, NOW)
        before = contents(v1)
        assert len(v1.outcomes(include_superseded=True)) == 4
    with HistoryStore(location) as v2:
        assert v2.schema_version() == len(MIGRATIONS)
        assert contents(v2) == before
        plan = v2.save_plan(hand_rota(reg, [("R0", 1, 9), ("R0", 4, 18)]), reg, NOW)
        assert plan > 2  # (PostgreSQL does not reuse the id the refused plan took)
        assert [v.date for v in v2.planned_visits("R0") if v.plan_id == plan] == [
            WEEK + timedelta(days=1),
            WEEK + timedelta(days=4),
        ]
        # Foreign keys are enforced again after the migration.
        with pytest.raises(StoreError), v2.transaction() as conn:
            conn.execute(
                "INSERT INTO outcomes (visit_id, offender_id, date, outcome, recorded_at, "
                "recorded_by) VALUES (999, 'R0', '2026-12-01', 'completed', 'now', 'me')"
            )
        assert len(v2.outcomes(include_superseded=True)) == 4
