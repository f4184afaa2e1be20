"""Daily operations from the command line: absent, pin, unpin, urgent, release, replan
and edits against a history store, each edit in the audit trail."""

from __future__ import annotations

import stat
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from icalendar import Calendar

import scheduler.cli.daily as daily_module
from scheduler.cli.main import main
from scheduler.history.store import HistoryStore

NOW = datetime(2026, 12, 1, 7, 30)  # Tuesday of the bundled week


@pytest.fixture()
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(daily_module, "now", lambda: NOW)
    path = tmp_path / "h.db"
    plan = ["plan", "--store", str(path), "--time-limit", "3", "--seed", "11"]
    r = CliRunner().invoke(main, plan)
    assert r.exit_code in (0, 3), r.output
    return path


def run(*args):
    return CliRunner().invoke(main, list(args))


def busiest(path) -> str:
    with HistoryStore(path) as db:
        w = db.week_plan(datetime(2026, 11, 30).date())
    from collections import Counter

    return Counter(v.officer_ids[0] for v in w.rota.visits if v.date >= NOW.date()).most_common(1)[
        0
    ][0]


def test_absent_replans_and_every_line_fits_80_columns(store):
    officer = busiest(store)
    r = run(
        "absent",
        officer,
        "--store",
        str(store),
        "--date",
        "2026-12-01",
        "--until",
        "2026-12-03",
        "--seed",
        "1",
        "--reason",
        "sick",
        "--by",
        "sgt",
    )
    assert r.exit_code == 0, r.output
    assert "Re-planned from 2026-12-01" in r.output and "absent" in r.output
    assert all(len(line) <= 80 for line in r.output.splitlines())
    with HistoryStore(store) as db:
        edits = db.edits()
        plans = db.plans()
    assert len(plans) == 2
    kinds = [e.kind for e in edits]
    assert kinds[0] == "absent" and "replan" in kinds and "moved" in kinds
    assert all(e.created_by == "sgt" and e.reason == "sick" for e in edits)
    moved = [e for e in edits if e.kind == "moved"]
    assert len(moved) == r.output.count("->")  # every change printed has an entry


def test_pin_is_kept_by_a_later_absence_and_unpin_frees_it(store):
    officer = busiest(store)
    with HistoryStore(store) as db:
        w = db.week_plan(NOW.date().replace(day=30, month=11))
    v = next(
        v
        for v in w.rota.visits
        if v.date > NOW.date() and officer not in v.officer_ids and len(v.officer_ids) == 1
    )
    r = run("pin", v.offender_id, "--store", str(store), "--no-replan")
    assert r.exit_code == 0, r.output
    r = run("absent", officer, "--store", str(store), "--date", "2026-12-01", "--seed", "3")
    assert r.exit_code == 0, r.output
    with HistoryStore(store) as db:
        w2 = db.week_plan(w.rota.week_start)
        now_v = next(x for x in w2.rota.visits if x.offender_id == v.offender_id)
        assert (now_v.officer_ids, now_v.date, now_v.slot) == (v.officer_ids, v.date, v.slot)
    r = run("unpin", v.offender_id, "--store", str(store), "--no-replan")
    assert r.exit_code == 0, r.output
    r = run("unpin", v.offender_id, "--store", str(store), "--no-replan")
    assert r.exit_code == 1 and "has no pin" in r.output
    with HistoryStore(store) as db:
        assert db.pins(w.rota.week_start) == []
        assert {"pin", "absent", "unpin"} <= {e.kind for e in db.edits()}


def test_pin_of_a_past_visit_is_refused(store):
    with HistoryStore(store) as db:
        w = db.week_plan(NOW.date().replace(day=30, month=11))
    v = next(v for v in w.rota.visits if v.date < NOW.date())
    r = run("pin", v.offender_id, "--store", str(store), "--time", "evening")
    assert r.exit_code == 1 and "before the re-plan's first day" in r.output


def test_urgent_is_met_or_refused_with_reason(store, monkeypatch):
    with HistoryStore(store) as db:
        w = db.week_plan(NOW.date().replace(day=30, month=11))
    visited = {v.offender_id for v in w.rota.visits}
    target = next(
        o.id for o in w.register.offenders if o.id not in visited and o.status.value == "active"
    )
    r = run("urgent", target, "--store", str(store), "--within", "48h", "--seed", "4")
    assert r.exit_code == 0, r.output
    with HistoryStore(store) as db:
        w2 = db.week_plan(w.rota.week_start)
    made = [v for v in w2.rota.visits if v.offender_id == target]
    assert made and made[0].arrival <= datetime(2026, 12, 3, 7, 30)
    # An hour from 05:00: nobody is on shift in time, refused with the reason.
    monkeypatch.setattr(daily_module, "now", lambda: NOW.replace(hour=5))
    other = next(
        o.id
        for o in w.register.offenders
        if o.id not in visited and o.id != target and o.status.value == "active"
    )
    r = run("urgent", other, "--store", str(store), "--within", "1h", "--seed", "5")
    assert r.exit_code == 1 and "NOT planned" in r.output and "would let it" in r.output
    r = run("urgent", other, "--store", str(store), "--within", "soon")
    assert r.exit_code == 2 and "24h, 48h or 2d" in r.output


def test_release_writes_owner_only_files_and_keeps_released_visits(store, tmp_path):
    out = tmp_path / "day"
    r = run("release", "--store", str(store), "--day", "2026-12-01", "--out", str(out))
    assert r.exit_code == 0, r.output
    files = list((out / "officers").glob("*.csv"))
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    # Each officer's calendar holds that day's visits only, and exactly those released.
    events = []
    for ics in (out / "officers").glob("*.ics"):
        assert stat.S_IMODE(ics.stat().st_mode) == 0o600
        events += [e for e in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")]
    assert events and {e.decoded("DTSTART").date() for e in events} == {NOW.date()}
    with HistoryStore(store) as db:
        released = db.released(NOW.date(), NOW.date())
        assert released
    # One event per released visit on each of its officers' calendars (joint: both).
    assert len(events) == sum(len(officers) for _, _, officers in released)
    r = run("replan", "--store", str(store), "--from", "2026-12-01", "--seed", "6")
    assert r.exit_code == 0, r.output
    r = run("edits", "--store", str(store))
    assert r.exit_code == 0 and "release" in r.output


def test_replan_without_a_store_is_a_clear_error(tmp_path):
    r = run("replan", "--store", str(tmp_path / "none.db"))
    assert r.exit_code == 1 and "no history store" in r.output


def test_the_next_weeks_plan_meets_absences_and_urgent_visits_entered_ahead(store, monkeypatch):
    # Friday: an officer is off from Saturday to next Tuesday, and a visit is wanted
    # within 72 hours, i.e. by Monday of next week, which has no plan yet.
    import scheduler.cli.plan as plan_module

    friday = datetime(2026, 12, 4, 12, 0)
    monkeypatch.setattr(daily_module, "now", lambda: friday)
    monkeypatch.setattr(plan_module, "now", lambda: friday)
    officer = busiest(store)
    with HistoryStore(store) as db:
        wanted = next(
            o.id
            for o in db.week_plan(datetime(2026, 11, 30).date()).register.offenders
            if o.manager_id != officer and not o.two_officers
        )
    common = ("--store", str(store), "--no-replan")
    assert run("absent", officer, *common, "--date", "2026-12-05", "--until", "2026-12-08")
    r = run("urgent", wanted, *common, "--within", "72h")
    assert r.exit_code == 0, r.output
    r = run(
        "plan", "--store", str(store), "--week", "2026-12-07", "--seed", "5", "--time-limit", "3"
    )
    assert r.exit_code in (0, 3), r.output
    assert "Standing edits of the week" in r.output
    with HistoryStore(store) as db:
        week = db.week_plan(datetime(2026, 12, 7).date())
        edits = db.edits()
    assert week is not None
    away = {datetime(2026, 12, 7).date(), datetime(2026, 12, 8).date()}
    assert not [v for v in week.rota.visits if officer in v.officer_ids and v.date in away]
    deadline = friday + timedelta(hours=72)
    met = [v for v in week.rota.visits if v.offender_id == wanted and v.arrival <= deadline]
    assert met or f"URGENT VISIT NOT PLANNED: {wanted}" in r.output
    # The weekly plan and its standing re-plan are both stored, each with its own seed.
    assert len([p for p in db_plans(store) if p["week_start"] == "2026-12-07"]) == 2
    assert any(e.kind == "replan" for e in edits)


def db_plans(path):
    with HistoryStore(path) as db:
        return db.plans()


def test_a_pin_the_officer_cannot_keep_is_refused_and_nothing_is_stored(store):
    with HistoryStore(store) as db:
        w = db.week_plan(datetime(2026, 11, 30).date())
    v = next(v for v in w.rota.visits if v.date > NOW.date() and len(v.officer_ids) == 1)
    days = [w.rota.week_start + timedelta(days=d) for d in range(2, 7)]
    off_day = next((o.id, d) for o in w.register.officers for d in days if o.shift_on(d) is None)
    args = ("pin", v.offender_id, "--store", str(store), "--no-replan")
    r = run(*args, "--officer", off_day[0], "--day", off_day[1].isoformat())
    assert r.exit_code == 2 and "not on duty" in r.output, r.output
    with HistoryStore(store) as db:
        assert db.pins(w.rota.week_start) == []
        assert "pin" not in {e.kind for e in db.edits()}
