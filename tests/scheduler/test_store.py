"""The history store: migrations from an empty database, private file, plans with their
audit and planned visits, and outcome imports that are checked, idempotent and all or
nothing."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from models import Policy, VisitOutcome
from scheduler.exceptions import InputFileError
from scheduler.store import MIGRATIONS, HistoryStore, StoreError
from tests.scheduler.conftest import WEEK
from tests.scheduler.history_helpers import (
    NOW,
    hand_rota,
    record,
    row,
    small_register,
    stored,
)

TABLES = {"schema_version", "register_snapshots", "plans", "planned_visits", "outcomes"}


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


# ---- schema and file -------------------------------------------------------------------


def test_migrations_run_from_an_empty_database(tmp_path):
    path = tmp_path / "sub" / "h.db"
    with HistoryStore(path) as store:
        assert store.schema_version() == len(MIGRATIONS)
    assert tables(path) >= TABLES
    with HistoryStore(path) as store:  # reopening applies nothing new
        assert store.migrate() == []


def test_missing_migrations_run_in_order_and_once(tmp_path):
    path = tmp_path / "h.db"
    HistoryStore(path).close()
    calls: list[int] = []

    def add(n: int):
        def m(conn: sqlite3.Connection) -> None:
            calls.append(n)
            conn.execute(f"CREATE TABLE extra{n} (x)")

        return (f"extra {n}", m)

    more = (*MIGRATIONS, add(2), add(3))
    with HistoryStore(path, migrations=more) as store:
        assert store.schema_version() == 3
    with HistoryStore(path, migrations=more) as store:
        assert store.migrate(more) == []
    assert calls == [2, 3]
    assert {"extra2", "extra3"} <= tables(path)
    with pytest.raises(StoreError, match="newer than this software"):
        HistoryStore(path)


def test_a_failing_migration_leaves_the_previous_version(tmp_path):
    path = tmp_path / "h.db"

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        HistoryStore(path, migrations=(*MIGRATIONS, ("broken", broken)))
    assert "half_done" not in tables(path)
    with HistoryStore(path) as store:
        assert store.schema_version() == len(MIGRATIONS)


def test_store_file_is_owner_only_even_under_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        path = tmp_path / "h.db"
        HistoryStore(path).close()
        loose = tmp_path / "loose.db"
        loose.touch(mode=0o666)
        os.chmod(loose, 0o666)
        HistoryStore(loose).close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    path = tmp_path / "h.db"
    path.write_text("not a database, just text " * 100)
    with pytest.raises(StoreError, match="cannot open"):
        HistoryStore(path)


# ---- plans ----------------------------------------------------------------------------


def test_plan_audit_register_and_visits_are_kept(tmp_path):
    reg = small_register(3)
    rota = hand_rota(reg, [("R0", 0, 9), ("R1", 2, 18)], seed=123456789)
    with HistoryStore(tmp_path / "h.db") as store:
        plan_id = store.save_plan(rota, reg, NOW)
        store.save_plan(rota, reg, NOW)  # a re-plan: same register, one snapshot
        [plan, _] = store.plans()
        assert plan["id"] == plan_id and plan["seed"] == 123456789
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


def test_a_plan_without_audit_is_refused(tmp_path):
    reg = small_register(1)
    rota = hand_rota(reg, [("R0", 0, 9)]).model_copy(update={"audit": None})
    with HistoryStore(tmp_path / "h.db") as store, pytest.raises(StoreError, match="audit"):
        store.save_plan(rota, reg, NOW)


# ---- outcomes -------------------------------------------------------------------------


def test_recording_the_same_outcome_twice_keeps_one(tmp_path):
    reg = small_register(2)
    store = stored(tmp_path, reg, [("R0", 0, 9), ("R1", 1, 13)])
    first = record(store, row("R0", 0, "no_answer"), row("R1", 1, "completed", arms_done=True))
    assert (first.added, first.duplicates) == (2, 0)
    again = record(store, row("R0", 0, "no_answer"), row("R1", 1, "completed", arms_done=True))
    assert (again.added, again.duplicates) == (0, 2)
    twice_in_one = record(store, row("R0", 0, "no_answer", n=2), row("R0", 0, "no_answer", n=3))
    assert twice_in_one.added == 0
    assert len(store.outcomes()) == 2


def test_a_different_outcome_for_a_recorded_visit_needs_amend(tmp_path):
    reg = small_register(1)
    store = stored(tmp_path, reg, [("R0", 0, 9)])
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


def test_unknown_visits_are_errors_naming_row_and_field(tmp_path):
    reg = small_register(2)
    store = stored(tmp_path, reg, [("R0", 2, 9)])
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


def test_an_attempt_on_another_day_names_the_planned_date(tmp_path):
    reg = small_register(1)
    store = stored(tmp_path, reg, [("R0", 1, 9)])
    record(store, row("R0", 3, "no_answer", visit_date=WEEK + timedelta(days=1)))
    [o] = store.outcomes()
    assert o.date == WEEK + timedelta(days=3) and o.visit_id is not None
    assert o.slot == "morning"  # the planned time of day when no time is given


def test_unplanned_outcomes_need_an_offender_on_a_stored_register(tmp_path):
    reg = small_register(2)
    store = stored(tmp_path, reg, [("R0", 1, 9)])
    record(store, row("R1", 4, "completed", unplanned=True))
    with pytest.raises(InputFileError, match="not on any register"):
        record(store, row("NOBODY", 4, "completed", unplanned=True))
    [o] = store.outcomes()
    assert o.visit_id is None and o.offender_id == "R1"


def test_history_from_the_store(tmp_path):
    reg = small_register(2)
    store = stored(tmp_path, reg, [("R0", 0, 9), ("R1", 2, 18)])
    record(store, row("R0", 0, "no_answer"), row("R1", 2, "completed", arms_done=False))
    h = store.history(Policy())
    assert [a.slot for a in h.of("R0").failed_entries] == ["morning"]
    assert h.of("R1").last_success == WEEK + timedelta(days=2)
    assert h.of("R1").arms_done is False
