"""The history store: plans with their audit and planned visits, and outcome imports that
are checked, idempotent, all or nothing and one writer at a time.

Tests taking ``location`` run twice: on a SQLite file and on a PostgreSQL schema (that
one is skipped unless ROTA_TEST_POSTGRES_URL names a server; .ci/run starts one)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from models import Policy, Register, VisitOutcome
from scheduler.core.exceptions import InputFileError
from scheduler.history.store import (
    HistoryStore,
    StoreError,
)
from tests.scheduler.conftest import WEEK
from tests.scheduler.history_helpers import (
    NOW,
    hand_rota,
    record,
    row,
    small_register,
)


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
