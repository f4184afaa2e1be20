"""``rota record`` and what it feeds: outcome files checked row by row and against the
store, imports that are idempotent and all-or-nothing (even when the process is killed
half-way), and failed visits re-attempted in the next plan at another weekday and time
of day with raised urgency."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from models import Policy, VisitOutcome
from scheduler.cli import record as record_module
from scheduler.cli.main import main
from scheduler.core.windows import week_dates
from scheduler.history.state import History, OutcomeEvent
from scheduler.history.store import HistoryStore
from scheduler.plan.due import select_due
from scheduler.plan.options import avoid_failed_attempt
from scheduler.plan.planner import plan_week
from tests.scheduler.conftest import WEEK, offender, officer, register
from tests.scheduler.history_helpers import NOW, record, row, small_register, stored

ROOT = Path(__file__).resolve().parents[3]
HEADER = "offender_id,date,outcome,visit_date,time,arms_done,recheck_date,unplanned,notes\n"


def RNG() -> np.random.Generator:
    return np.random.default_rng(0)


def rota(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's clock reads :data:`NOW` (after the fixture weeks)."""
    monkeypatch.setattr(record_module, "now", lambda: NOW)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """A store with one plan: R0 Mon 09:00, R1 Tue 13:00, R2 Wed 18:00, R3 Sat 09:00."""
    reg = small_register(4)
    stored(tmp_path, reg, [("R0", 0, 9), ("R1", 1, 13), ("R2", 2, 18), ("R3", 5, 9)]).close()
    return tmp_path / "history.db"


def write(tmp_path: Path, text: str, name: str = "outcomes.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + text)
    return path


def outcomes(path: Path) -> list[tuple[str, str, str]]:
    with HistoryStore(path) as db:
        return [(o.offender_id, o.date.isoformat(), o.outcome.value) for o in db.outcomes()]


# ---- the command ----------------------------------------------------------------------


def test_record_a_file_then_again_changes_nothing(tmp_path, store_path):
    csv = write(
        tmp_path,
        "R0,2026-11-30,completed,,,true,,,ARMS done\n"
        "R1,2026-12-01,no_answer,,,,,,\n"
        "R2,2026-12-03,refused_entry,2026-12-02,10:15,,,,\n"
        "R3,2026-12-05,in_custody,,,,2027-01-10,,\n",
    )
    first = rota("record", "--store", store_path, csv)
    assert first.exit_code == 0, first.output
    assert "4 new, 0 already recorded" in first.output
    assert "Re-attempt in the next plan" in first.output and "R1, R2" in first.output
    again = rota("record", "--store", store_path, csv)
    assert again.exit_code == 0 and "0 new, 4 already recorded" in again.output
    assert len(outcomes(store_path)) == 4
    with HistoryStore(store_path) as db:
        r2 = next(o for o in db.outcomes() if o.offender_id == "R2")
    assert r2.slot == "morning" and r2.attempt_time == "10:15"  # the attempt, not the plan


def test_bad_rows_are_all_reported_and_nothing_is_recorded(tmp_path, store_path):
    csv = write(
        tmp_path,
        "R0,2026-11-30,completed,,,,,,\n"  # row 2: fine
        "R1,2026-12-02,no_answer,,,,,,\n"  # row 3: R1 was planned for 12-01
        "R2,2026-12-01,no_answer,2026-12-02,,,,,\n"  # row 4: before the planned visit
        "R3,2026-12-05,gone_fishing,,,,,,\n"  # row 5: unknown outcome
        "R0,2027-01-01,completed,,,,,,\n"  # row 6: in the future
        "R3,2026-12-05,no_answer,,,true,,,\n"  # row 7: ARMS on a failed visit
        "NOBODY,2026-12-05,completed,,,,,,\n",  # row 8: unknown visit
    )
    result = rota("record", "--store", store_path, csv)
    assert result.exit_code == 1
    *errors, closing = result.stderr.splitlines()
    assert closing == f"4 problems in 1 file ({csv.name} 4): fix them all, then run again."
    assert errors == [
        f"Error: {csv}, row 4, id R2, field 'date': outcome dated 2026-12-01 is before the "
        "planned visit (2026-12-02)",
        f"Error: {csv}, row 5, id R3, field 'outcome': 'gone_fishing': unknown value "
        "(expected one of completed, no_answer, refused_entry, not_at_address, in_custody, "
        "in_hospital, abroad, cancelled_by_police)",
        f"Error: {csv}, row 6, id R0, field 'date': 2027-01-01 is in the future "
        "(today is 2026-12-20)",
        f"Error: {csv}, row 7, id R3, field 'arms_done': ARMS cannot be done on a visit "
        "that was no_answer",
    ]
    assert outcomes(store_path) == []
    # Row checks passed: the store checks come next, again all at once.
    csv = write(tmp_path, "R0,2026-11-30,completed,,,,,,\nR1,2026-12-02,no_answer,,,,,,\n")
    result = rota("record", "--store", store_path, csv)
    assert result.exit_code == 1
    [error] = result.stderr.splitlines()
    assert error.startswith(f"Error: {csv}, row 3, id R1, field 'date': unknown visit")
    assert outcomes(store_path) == []


def test_outcomes_as_json(tmp_path, store_path):
    path = tmp_path / "outcomes.json"
    path.write_text(
        '[{"offender_id": "R0", "date": "2026-11-30", "outcome": "completed", '
        '"arms_done": true}, {"offender_id": "R1", "date": "2026-12-01", "outcome": "abroad", '
        '"recheck_date": "2026-12-20"}]'
    )
    result = rota("record", "--store", store_path, path)
    assert result.exit_code == 0, result.output
    assert outcomes(store_path) == [
        ("R0", "2026-11-30", "completed"),
        ("R1", "2026-12-01", "abroad"),
    ]


def test_missing_columns_refused_and_unknown_columns_listed(tmp_path, store_path):
    path = tmp_path / "o.csv"
    path.write_text("offender_id,outcome,colour\nR0,completed,red\n")
    result = rota("record", "--store", store_path, path)
    assert result.exit_code == 1
    assert f"Error: {path}, row 1, field 'date': required column is missing" in result.stderr
    # a column that is no outcome column (e.g. an officer's visits file) is ignored, and said
    assert "ignored column(s) that rota does not use: colour" in result.stderr


def test_one_outcome_on_the_command_line_and_amend(store_path):
    args = ["record", "--store", store_path, "--offender", "R1", "--date", "2026-12-01"]
    ok = rota(*args, "--outcome", "no_answer", "--notes", "curtains drawn")
    assert ok.exit_code == 0, ok.output
    conflict = rota(*args, "--outcome", "completed", "--arms-done")
    assert conflict.exit_code == 1
    assert "already recorded as no_answer" in conflict.stderr and "--amend" in conflict.stderr
    amended = rota(*args, "--outcome", "completed", "--arms-done", "--amend")
    assert amended.exit_code == 0 and "1 amended" in amended.output
    assert outcomes(store_path) == [("R1", "2026-12-01", "completed")]
    bad = rota(*args[:-2], "--date", "1st Dec", "--outcome", "completed")
    assert bad.exit_code == 1
    assert "Error: command line, id R1, field 'date': '1st Dec': not a date" in bad.stderr


def test_file_and_single_outcome_options_do_not_mix(tmp_path, store_path):
    csv = write(tmp_path, "R0,2026-11-30,completed,,,,,,\n")
    assert rota("record", "--store", store_path).exit_code == 2
    assert rota("record", "--store", store_path, csv, "--offender", "R0").exit_code == 2
    assert rota("record", "--store", store_path, csv, "--outcome", "completed").exit_code == 2


def test_not_at_address_is_flagged_on_record(store_path):
    result = rota(
        "record",
        *("--store", store_path, "--offender", "R3", "--date", "2026-12-05"),
        *("--outcome", "not_at_address"),
    )
    assert result.exit_code == 0
    assert "consider circulating as wanted/missing: R3" in result.output


# ---- transactions ---------------------------------------------------------------------

CHILD = """
import sys, time
from pathlib import Path
from tests.scheduler.history_helpers import NOW, row
from scheduler.history.store import HistoryStore
from models import Policy

store = HistoryStore(Path(sys.argv[1]))
ready = Path(sys.argv[2])
rows = [row(f"R{i}", i % 7, "no_answer", n=i + 2) for i in range(5, 40)]

def on_row(i):
    if i == 20:
        ready.write_text("half-way")
        time.sleep(120)

store.import_outcomes(rows, policy=Policy(), recorded_at=NOW, recorded_by="child", on_row=on_row)
print("finished")
"""


def test_an_import_killed_half_way_leaves_the_store_as_it_was(tmp_path):
    reg = small_register(40)
    db = stored(tmp_path, reg, [(f"R{i}", i % 7, 9 + i % 12) for i in range(40)])
    record(db, *(row(f"R{i}", i % 7, "completed", n=i + 2) for i in range(5)))
    before = db.outcomes()
    db.close()
    ready = tmp_path / "ready"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "history.db"), str(ready)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the child never reached the middle"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)  # 20 of 35 rows written, nothing committed
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    with HistoryStore(tmp_path / "history.db") as db:
        assert db.outcomes() == before  # earlier records intact, none of the new ones
        check = db._conn.execute("PRAGMA integrity_check").fetchone()
        assert check == ("ok",)
        again = record(db, *(row(f"R{i}", i % 7, "no_answer", n=i + 2) for i in range(5, 40)))
        assert again.added == 35 and len(db.outcomes()) == 40


def test_a_failed_store_check_writes_nothing_even_after_good_rows(tmp_path):
    db = stored(tmp_path, small_register(2), [("R0", 0, 9), ("R1", 1, 9)])
    with pytest.raises(Exception, match="unknown visit"):
        record(db, row("R0", 0, "completed"), row("R1", 3, "completed", n=3))
    assert db.outcomes() == []


# ---- re-attempts ----------------------------------------------------------------------


def failed(oid: str, day, slot: str, outcome=VisitOutcome.NO_ANSWER) -> OutcomeEvent:
    return OutcomeEvent(oid, day, outcome, slot=slot)


def test_a_failed_visit_is_due_next_plan_with_raised_urgency():
    p = Policy()
    # Visited 10 days ago (not due for months), then a failed attempt 3 days ago.
    off = offender("R", "A", tier="high", days_since=10)
    plain, _ = select_due([off], p, WEEK, rng=RNG())
    assert plain == []
    attempt = WEEK - timedelta(days=3)
    history = History.from_events([failed("R", attempt, "evening")], p)
    [dv], _ = select_due([off], p, WEEK, history, rng=RNG())
    assert dv.failed_attempts == 1
    assert dv.due_date == attempt + timedelta(days=p.reattempt_within_days)
    assert dv.avoid_weekday == attempt.weekday() and dv.avoid_slot == "evening"
    base = p.urgency_weight[off.tier]  # not overdue, MAPPA 1
    assert dv.urgency == pytest.approx(base * p.reattempt_urgency_factor)


def test_reattempt_is_planned_on_another_weekday_and_time_of_day():
    policy = Policy.model_validate({"solver": {"min_team_time_s": 0.05, "time_per_visit_s": 0.01}})
    reg = register(
        [offender("R", "A", tier="very_high", days_since=40)],
        [officer("A", shifts="mon-sun 08:00-21:00", hours=8)],
    )
    checked = 0
    for seed in range(6):
        first = plan_week(reg, policy, WEEK, seed=seed)
        [visit] = first.visits
        history = History.from_events([failed("R", visit.date, visit.slot)], policy)
        again = plan_week(reg, policy, WEEK + timedelta(days=7), seed=seed, history=history)
        [retry] = again.visits
        assert retry.date.weekday() != visit.date.weekday()
        assert retry.slot != visit.slot
        assert retry.urgency > visit.urgency * 0.99 * policy.reattempt_urgency_factor / 2
        checked += 1
    assert checked == 6


def test_reattempt_keeps_the_only_possible_time_of_day_rather_than_no_visit():
    policy = Policy()
    days = week_dates(WEEK)
    evenings = {(0, d): [(17 * 3600, 21 * 3600)] for d in range(7)}  # only home evenings
    [dv], _ = select_due(
        [offender("R", "A", days_since=400)],
        policy,
        WEEK,
        History.from_events([failed("R", WEEK - timedelta(days=5), "evening")], policy),
        rng=RNG(),
    )
    kept = avoid_failed_attempt(evenings, dv, policy, days)
    assert kept and all(days[d].weekday() != dv.avoid_weekday for _, d in kept)
    assert all(iv == [(17 * 3600, 21 * 3600)] for iv in kept.values())
    # With every option on other weekdays, the failed slot is cut from each of them.
    full = {(0, d): [(8 * 3600, 21 * 3600)] for d in range(7)}
    cut = avoid_failed_attempt(full, dv, policy, days)
    assert len(cut) == 6 and all(iv == [(8 * 3600, 17 * 3600)] for iv in cut.values())


def test_two_officer_reattempt_keeps_the_only_time_two_officers_share():
    """An offender at home only on weekday evenings needs two officers, and the only two
    late officers both work Monday: after a failed Monday-evening knock the re-attempt
    is still made then (another weekday would leave one officer alone, and the visit
    could never be made while the failure stood)."""
    policy = Policy.model_validate({"solver": {"min_team_time_s": 0.05, "time_per_visit_s": 0.01}})
    away = "mon-fri 08:00-17:00;sat 00:00-23:59;sun 00:00-23:59"
    late = "mon 12:00-20:00;tue-fri 08:00-16:00"
    reg = register(
        [offender("R", "A", tier="high", days_since=40, two_officers=True, unavailable=away)],
        [
            officer("A", shifts=late),
            officer("B", shifts=late),
            officer("C", shifts="thu 12:00-20:00"),
        ],
    )
    monday = WEEK - timedelta(days=7)
    history = History.from_events([failed("R", monday, "evening")], policy)
    rota = plan_week(reg, policy, WEEK, seed=1, history=history)
    [visit] = rota.visits
    assert visit.date.weekday() == 0 and visit.slot == "evening"
    assert sorted(visit.officer_ids) == ["A", "B"]


def test_plan_store_reads_history_and_saves_each_plan(tmp_path, offenders_csv, officers_csv):
    store = tmp_path / "h.db"
    base = ["plan", "--offenders", offenders_csv, "--officers", officers_csv]
    base += ["--time-limit", "0.2", "--store", store]
    first = rota(*base, "--week", WEEK.isoformat(), "--seed", "3", "--out", tmp_path / "w1")
    assert first.exit_code == 0, first.output
    assert "Saved plan 1" in first.output
    with HistoryStore(store) as db:
        visits = db.planned_visits()
        [plan] = db.plans()
        assert plan["seed"] == 3 and len(visits) == plan["visits"] > 0
    assert oct(store.stat().st_mode & 0o777) == "0o600"
    # Every planned visit fails to gain entry.
    lines = "".join(f"{v.offender_id},{v.date},no_answer,,,,,,\n" for v in visits)
    assert rota("record", "--store", store, write(tmp_path, lines)).exit_code == 0
    nxt = WEEK + timedelta(days=7)
    second = rota(*base, "--week", nxt.isoformat(), "--seed", "4", "--out", tmp_path / "w2")
    assert second.exit_code == 0, second.output
    with HistoryStore(store) as db:
        assert [p["id"] for p in db.plans()] == [1, 2]
        again = {v.offender_id: v for v in db.planned_visits() if v.plan_id == 2}
    retried = [v for v in visits if v.offender_id in again]
    assert len(retried) >= len(visits) - 1, "failed visits are planned again"
    assert f"{len(retried)} re-attempt(s) after a failed visit" in second.output
    for v in retried:
        retry = again[v.offender_id]
        if v.offender_id == "RSO-000004":
            # Needs the one female officer, and is out on weekdays 09-17 while she works:
            # Saturday is the only possible day, so only the time of day can change.
            assert retry.date.weekday() == 5 and retry.slot != v.slot
        else:
            assert retry.date.weekday() != v.date.weekday() and retry.slot != v.slot


def test_plan_store_refuses_a_broken_store_without_writing(tmp_path, offenders_csv, officers_csv):
    bad = tmp_path / "h.db"
    bad.write_text("not sqlite " * 200)
    result = rota(
        *("plan", "--offenders", offenders_csv, "--officers", officers_csv),
        *("--week", WEEK.isoformat(), "--store", bad, "--out", tmp_path / "w"),
    )
    assert result.exit_code == 1 and "cannot open the history store" in result.output
    assert not (tmp_path / "w").exists()


def test_plan_store_keeps_nothing_when_the_rota_cannot_be_written(
    tmp_path, offenders_csv, officers_csv
):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    store = tmp_path / "h.db"
    result = rota(
        *("plan", "--offenders", offenders_csv, "--officers", officers_csv),
        *("--week", WEEK.isoformat(), "--time-limit", "0.2", "--store", store),
        *("--out", blocker / "rota"),
    )
    assert result.exit_code == 1 and "the plan was not stored" in result.output
    with HistoryStore(store) as db:
        assert db.plans() == [] and db.counts()["register_snapshots"] == 0


def test_record_needs_an_existing_store(tmp_path):
    result = rota("record", "--store", tmp_path / "none.db", "--offender", "R0")
    assert result.exit_code == 1 and "no history store here" in result.output
    assert not (tmp_path / "none.db").exists()


def test_recorded_at_comes_from_the_cli_clock(store_path):
    rota("record", "--store", store_path, "--offender", "R0", "--date", "2026-11-30")
    rota(
        *("record", "--store", store_path, "--offender", "R0"),
        *("--date", "2026-11-30", "--outcome", "completed"),
    )
    with HistoryStore(store_path) as db:
        [o] = db.outcomes()
    assert datetime.fromisoformat(o.recorded_at) == NOW and o.recorded_by
