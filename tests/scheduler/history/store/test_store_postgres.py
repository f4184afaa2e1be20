"""The history store on a PostgreSQL server, given by URL: the commands (plan, record,
status) with ``--store URL``, never showing the password, and an import killed half-way.
Skipped unless ROTA_TEST_POSTGRES_URL names a server database (.ci/run starts one); the
store's own tests run on both databases in the other tests here."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from scheduler.cli import record as record_module
from scheduler.cli.main import main
from scheduler.history.store import HistoryStore, StoreError
from tests.scheduler.conftest import WEEK
from tests.scheduler.history_helpers import NOW, hand_rota, record, row, small_register

ROOT = Path(__file__).resolve().parents[4]
HEADER = "offender_id,date,outcome,visit_date,time,arms_done,recheck_date,unplanned,notes\n"
SECRET = "Sekr1t-pw"


def rota(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(record_module, "now", lambda: NOW)


@pytest.fixture
def url(postgres_url: str) -> str:
    """The test schema's URL with a password in it (the test server trusts local
    connections, so any password works): it must never be printed."""
    return sa.make_url(postgres_url).set(password=SECRET).render_as_string(hide_password=False)


def shown(url: str) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


def test_record_and_status_with_a_url(url, tmp_path):
    reg = small_register(4, tier="very_high")
    with HistoryStore(url) as db:
        db.save_plan(hand_rota(reg, [("R0", 0, 9), ("R1", 1, 13), ("R2", 2, 18)]), reg, NOW)
    csv = tmp_path / "outcomes.csv"
    csv.write_text(HEADER + "R0,2026-11-30,no_answer,,,,,,\nR1,2026-12-01,completed,,,,,,\n")
    first = rota("record", "--store", url, csv)
    assert first.exit_code == 0, first.output
    assert "2 outcome(s): 2 new, 0 already recorded" in first.output
    assert f"into {shown(url)}" in " ".join(first.output.split())  # password hidden
    again = rota("record", "--store", url, csv)
    assert "0 new, 2 already recorded" in again.output
    single = rota(
        *("record", "--store", url, "--offender", "R2"),
        *("--date", "2026-12-02", "--outcome", "refused_entry"),
    )
    assert single.exit_code == 0, single.output
    status = rota("status", "--store", url, "--date", "2026-12-10")
    assert status.exit_code == 0, status.output
    assert "Compliance on 2026-12-10: 4 offenders" in status.output
    assert "3 outcome(s) recorded" in status.output
    assert "every offender in exactly one state" in status.output
    for result in (first, again, single, status):
        assert SECRET not in result.output


def test_plan_with_a_url_then_record_and_status(url, tmp_path, offenders_csv, officers_csv):
    plan = rota(
        *("plan", "--offenders", offenders_csv, "--officers", officers_csv),
        *("--week", WEEK.isoformat(), "--seed", "3", "--time-limit", "0.2", "--store", url),
    )
    assert plan.exit_code == 0, plan.output
    assert "Saved plan 1" in plan.output and SECRET not in plan.output
    with HistoryStore(url) as db:
        visits = db.planned_visits()
        assert visits and db.plans()[0]["seed"] == 3
    csv = tmp_path / "outcomes.csv"
    csv.write_text(HEADER + "".join(f"{v.offender_id},{v.date},no_answer,,,,,,\n" for v in visits))
    assert rota("record", "--store", url, csv).exit_code == 0
    status = rota("status", "--store", url, "--date", "2026-12-10")
    assert status.exit_code == 0 and f"{len(visits)} outcome(s) recorded" in status.output


def test_commands_need_a_store_in_the_database(url):
    result = rota("record", "--store", url, "--offender", "R0")
    assert result.exit_code == 1 and "no history store here" in result.output
    assert SECRET not in result.output and shown(url) in result.output
    status = rota("status", "--store", url)
    assert status.exit_code == 1 and "no history store here" in status.output
    engine = sa.create_engine(url)
    try:
        assert sa.inspect(engine).get_table_names() == []  # nothing was created
    finally:
        engine.dispose()


def test_database_errors_name_the_store_without_the_password(url):
    with HistoryStore(url) as db:
        reg = small_register(1)
        with pytest.raises(StoreError) as info:
            db.save_plan(hand_rota(reg, [("R0", 0, 9), ("R0", 0, 10)]), reg, NOW)
    message = str(info.value)
    assert message.startswith(f"history store {shown(url)}: ") and "duplicate key" in message
    assert SECRET not in message and SECRET not in repr(db)


CHILD = """
import sys
from pathlib import Path
from tests.scheduler.history_helpers import NOW, row
from scheduler.history.store import HistoryStore, StoreError
from models import Policy

store = HistoryStore(sys.argv[1])
ready = Path(sys.argv[2])
rows = [row(f"R{i}", i % 7, "no_answer", n=i + 2) for i in range(5, 40)]

def on_row(i):
    if i == 20:
        ready.write_text("half-way")
        sys.stdin.read()  # wait here until killed

store.import_outcomes(rows, policy=Policy(), recorded_at=NOW, recorded_by="child", on_row=on_row)
print("finished")
"""


def test_an_import_killed_half_way_leaves_the_store_as_it_was(postgres_url, tmp_path):
    reg = small_register(40)
    db = HistoryStore(postgres_url)
    db.save_plan(hand_rota(reg, [(f"R{i}", i % 7, 9 + i % 12) for i in range(40)]), reg, NOW)
    record(db, *(row(f"R{i}", i % 7, "completed", n=i + 2) for i in range(5)))
    before = db.outcomes()
    ready = tmp_path / "ready"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, postgres_url, str(ready)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the child never reached the middle"
            time.sleep(0.02)
        assert db.outcomes() == before  # 20 of 35 rows written, nothing committed
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    # The server rolls the dead client's transaction back and frees its write lock.
    assert db.outcomes() == before
    again = record(db, *(row(f"R{i}", i % 7, "no_answer", n=i + 2) for i in range(5, 40)))
    assert again.added == 35 and len(db.outcomes()) == 40
    db.close()
