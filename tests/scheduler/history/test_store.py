"""The history store: migrations from an empty database (and from version 1 with data),
private file, plans with their audit and planned visits, and outcome imports that are
checked, idempotent, all or nothing and one writer at a time.

Tests taking ``location`` run twice: on a SQLite file and on a PostgreSQL schema (that
one is skipped unless ROTA_TEST_POSTGRES_URL names a server; .ci/run starts one)."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.pool import NullPool

from models import Policy, Register, VisitOutcome
from scheduler.cli.main import main
from scheduler.core.exceptions import InputFileError
from scheduler.history.store import (
    MIGRATIONS,
    HistoryStore,
    StoreConnection,
    StoreError,
    StoreURL,
    _meta,
    store_location,
)
from tests.scheduler.conftest import WEEK
from tests.scheduler.history_helpers import (
    NOW,
    hand_rota,
    record,
    row,
    small_register,
)

TABLES = {"schema_version", "register_snapshots", "plans", "planned_visits", "outcomes"}
SECRET = "Sekr1t-pw"


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


@pytest.fixture
def stored(location: Path | str) -> Iterator[Callable[..., HistoryStore]]:
    """``stored(register, visits)``: a new store at ``location`` holding one plan of
    ``visits`` for :data:`WEEK` (closed after the test)."""
    opened: list[HistoryStore] = []

    def open_store(reg: Register, visits: list[tuple[str, int, int]]) -> HistoryStore:
        store = HistoryStore(location)
        opened.append(store)
        store.save_plan(hand_rota(reg, visits), reg, NOW - timedelta(days=20))
        return store

    yield open_store
    for store in opened:
        store.close()


def contents(store: HistoryStore) -> tuple[object, ...]:
    return (
        store.plans(),
        store.planned_visits(),
        store.outcomes(include_superseded=True),
        store.counts(),
        store.latest_register(),
    )


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


# ---- schema and file -------------------------------------------------------------------


def test_migrations_run_from_an_empty_database(location):
    with HistoryStore(location) as store:
        assert store.schema_version() == len(MIGRATIONS) == 2
    assert tables(location) >= TABLES
    with HistoryStore(location) as store:  # reopening applies nothing new
        assert store.migrate() == []


def test_the_queries_match_the_migrated_schema(location):
    HistoryStore(location).close()
    engine = engine_for(location)
    try:
        inspector = sa.inspect(engine)
        for table in _meta.sorted_tables:
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
        assert v2.schema_version() == 2
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


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    path = tmp_path / "h.db"
    path.write_text("not a database, just text " * 100)
    with pytest.raises(StoreError, match="cannot open"):
        HistoryStore(path)


# ---- plans ----------------------------------------------------------------------------


def test_plan_audit_register_and_visits_are_kept(location):
    reg = small_register(3)
    rota = hand_rota(reg, [("R0", 0, 9), ("R1", 2, 18)], seed=2**63 - 1)
    with HistoryStore(location) as store:
        plan_id = store.save_plan(rota, reg, NOW)
        store.save_plan(rota, reg, NOW)  # a re-plan: same register, one snapshot
        [plan, _] = store.plans()
        assert plan["id"] == plan_id and plan["seed"] == 2**63 - 1  # seeds are 63-bit
        assert plan["inputs_sha256"] == "ab" * 32 and plan["created_by"] == "tester"
        assert plan["policy"]["reattempt_within_days"] == 13
        assert plan["created_at"] == NOW.isoformat() and plan["visits"] == 2
        assert store.counts()["register_snapshots"] == 1
        latest = store.latest_register()
        assert latest is not None and latest == (reg, WEEK)
        visit = store.find_planned_visit("R1", WEEK + timedelta(days=2))
        assert visit is not None and visit.slot == "evening" and visit.officer_ids == ("A",)
        assert store.find_planned_visit("R1", WEEK) is None
        assert store.find_planned_visit("R2", WEEK) is None


def test_a_plan_without_audit_is_refused(location):
    reg = small_register(1)
    rota = hand_rota(reg, [("R0", 0, 9)]).model_copy(update={"audit": None})
    with HistoryStore(location) as store, pytest.raises(StoreError, match="audit"):
        store.save_plan(rota, reg, NOW)


def test_a_plan_may_visit_an_offender_twice_in_a_week(stored):
    reg = small_register(2)
    store = stored(reg, [("R0", 0, 9), ("R1", 1, 13), ("R0", 4, 18)])
    r0 = store.planned_visits("R0")
    assert [v.date for v in r0] == [WEEK, WEEK + timedelta(days=4)]
    record(store, row("R0", 0, "no_answer"), row("R0", 4, "completed"))
    assert sorted(o.visit_id for o in store.outcomes()) == [v.id for v in r0]
    assert store.history(Policy()).of("R0").last_success == WEEK + timedelta(days=4)
    # Twice on one day is one visit too many: refused, and nothing of that plan is kept.
    with pytest.raises(StoreError, match="history store"):
        store.save_plan(hand_rota(reg, [("R1", 2, 9), ("R1", 2, 18)]), reg, NOW)
    assert len(store.plans()) == 1 and store.counts()["planned_visits"] == 3


# ---- outcomes -------------------------------------------------------------------------


def test_recording_the_same_outcome_twice_keeps_one(stored):
    store = stored(small_register(2), [("R0", 0, 9), ("R1", 1, 13)])
    first = record(store, row("R0", 0, "no_answer"), row("R1", 1, "completed", arms_done=True))
    assert (first.added, first.duplicates) == (2, 0)
    again = record(store, row("R0", 0, "no_answer"), row("R1", 1, "completed", arms_done=True))
    assert (again.added, again.duplicates) == (0, 2)
    twice_in_one = record(store, row("R0", 0, "no_answer", n=2), row("R0", 0, "no_answer", n=3))
    assert twice_in_one.added == 0
    assert len(store.outcomes()) == 2


def test_a_different_outcome_for_a_recorded_visit_needs_amend(stored):
    store = stored(small_register(1), [("R0", 0, 9)])
    record(store, row("R0", 0, "no_answer"))
    with pytest.raises(InputFileError) as info:
        record(store, row("R0", 0, "completed", n=5))
    [p] = info.value.problems
    assert (p.file, p.row, p.field, p.record_id) == ("outcomes.csv", 5, "outcome", "R0")
    assert "already recorded as no_answer" in p.message and "--amend" in p.message
    result = record(store, row("R0", 0, "completed"), amend=True)
    assert result.amended == 1
    [current] = store.outcomes()
    assert current.outcome is VisitOutcome.COMPLETED
    assert len(store.outcomes(include_superseded=True)) == 2


def test_unknown_visits_are_errors_naming_row_and_field(stored):
    store = stored(small_register(2), [("R0", 2, 9)])
    with pytest.raises(InputFileError) as info:
        record(
            store,
            row("R0", 2, "completed", n=2),
            row("R0", 3, "completed", n=3),  # planned on day 2, not day 3
            row("R1", 2, "no_answer", n=4),  # never planned
            row("R0", 3, "no_answer", n=5, visit_date=WEEK + timedelta(days=1)),
        )
    problems = info.value.problems
    assert [(p.row, p.field) for p in problems] == [(3, "date"), (4, "date"), (5, "visit_date")]
    assert "their planned visits: 2026-12-02" in problems[0].message
    assert "no planned visit in the store" in problems[1].message
    assert store.outcomes() == []  # nothing written, not even the good row 2


def test_an_attempt_on_another_day_names_the_planned_date(stored):
    store = stored(small_register(1), [("R0", 1, 9)])
    record(store, row("R0", 3, "no_answer", visit_date=WEEK + timedelta(days=1)))
    [o] = store.outcomes()
    assert o.date == WEEK + timedelta(days=3) and o.visit_id is not None
    assert o.slot == "morning"  # the planned time of day when no time is given


def test_unplanned_outcomes_need_an_offender_on_a_stored_register(stored):
    store = stored(small_register(2), [("R0", 1, 9)])
    record(store, row("R1", 4, "completed", unplanned=True))
    with pytest.raises(InputFileError, match="not on any register"):
        record(store, row("NOBODY", 4, "completed", unplanned=True))
    [o] = store.outcomes()
    assert o.visit_id is None and o.offender_id == "R1"


def test_history_from_the_store(stored):
    store = stored(small_register(2), [("R0", 0, 9), ("R1", 2, 18)])
    record(store, row("R0", 0, "no_answer"), row("R1", 2, "completed", arms_done=False))
    h = store.history(Policy())
    assert [a.slot for a in h.of("R0").failed_entries] == ["morning"]
    assert h.of("R1").last_success == WEEK + timedelta(days=2)
    assert h.of("R1").arms_done is False


# ---- transactions ---------------------------------------------------------------------


def test_a_failure_half_way_through_an_import_records_nothing(stored):
    store = stored(small_register(40), [(f"R{i}", i % 7, 9 + i % 12) for i in range(40)])
    record(store, *(row(f"R{i}", i % 7, "completed", n=i + 2) for i in range(5)))
    before = store.outcomes()
    rows = [row(f"R{i}", i % 7, "no_answer", n=i + 2) for i in range(5, 40)]

    def fail(i: int) -> None:
        if i == 20:
            raise OSError("the disk is full")

    with pytest.raises(OSError, match="disk"):
        store.import_outcomes(
            rows, policy=Policy(), recorded_at=NOW, recorded_by="tester", on_row=fail
        )
    assert store.outcomes() == before
    assert record(store, *rows).added == 35 and len(store.outcomes()) == 40


def test_writers_queue_while_readers_carry_on(stored, location):
    store = stored(small_register(3), [("R0", 0, 9), ("R1", 1, 9)])
    second, reader = HistoryStore(location), HistoryStore(location)
    done: list[object] = []

    def second_writer() -> None:
        try:
            done.append(record(second, row("R1", 1, "no_answer")).added)
        except Exception as exc:  # reported by the assertion below
            done.append(exc)

    try:
        with store.transaction():
            record(store, row("R0", 0, "completed"))  # written, not yet committed
            writer = threading.Thread(target=second_writer)
            writer.start()
            writer.join(0.5)
            assert writer.is_alive() and done == [], "the second writer did not wait"
            assert reader.counts()["outcomes"] == 0  # reads go on; uncommitted is unseen
        writer.join(30)
        assert done == [1]
        assert [o.offender_id for o in reader.outcomes()] == ["R0", "R1"]
    finally:
        second.close()
        reader.close()
