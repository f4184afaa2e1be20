"""``rota status`` and :mod:`scheduler.history.compliance`: every offender in exactly one state,
the s.96B flag exactly at the second failed entry in a row, high-risk offenders escalated
from the first overdue day, whereabouts tracked with re-check dates, never dropped."""

from __future__ import annotations

import json
import os
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import OffenderStatus, Policy, RiskTier, VisitOutcome
from scheduler.cli.main import main
from scheduler.history.compliance import ComplianceState, assess
from scheduler.history.state import History, OutcomeEvent
from scheduler.history.store import HistoryStore
from tests.scheduler.conftest import WEEK, offender, officer, register
from tests.scheduler.history_helpers import NOW, hand_rota, record, row, small_register, stored

S = ComplianceState
Out = VisitOutcome


def rota(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def state_of(off, events=(), day=WEEK, policy=None):
    policy = policy or Policy()
    reg = register([off], [officer("A")])
    report = assess(reg, policy, day, History.from_events(events, policy))
    [r] = report.rows
    assert report.balanced
    return r


def ev(oid: str, day: date, outcome: VisitOutcome, **kw) -> OutcomeEvent:
    return OutcomeEvent(oid, day, outcome, **kw)


# ---- escalations ----------------------------------------------------------------------


def test_s96b_flag_appears_exactly_after_the_second_failed_entry():
    off = offender("R", "A", tier="medium", days_since=100)  # not overdue (182 days)
    d1, d2, d3 = WEEK - timedelta(days=20), WEEK - timedelta(days=12), WEEK - timedelta(days=3)
    assert state_of(off).state is S.VISITED
    one = state_of(off, [ev("R", d1, Out.NO_ANSWER)])
    assert one.state is S.REATTEMPT and one.failed_in_a_row == 1
    two = state_of(off, [ev("R", d1, Out.NO_ANSWER), ev("R", d2, Out.REFUSED_ENTRY)])
    assert two.state is S.WARRANT and two.failed_in_a_row == 2
    # A police cancellation in between neither counts nor breaks the run.
    with_cancel = [
        ev("R", d1, Out.NO_ANSWER),
        ev("R", d2, Out.CANCELLED_BY_POLICE),
        ev("R", d3, Out.NO_ANSWER),
    ]
    assert state_of(off, with_cancel).state is S.WARRANT
    # A successful visit ends it.
    done = [ev("R", d1, Out.NO_ANSWER), ev("R", d2, Out.NO_ANSWER), ev("R", d3, Out.COMPLETED)]
    assert state_of(off, done).state is S.VISITED


def test_s96b_threshold_follows_policy():
    off = offender("R", "A", tier="medium", days_since=100)
    events = [ev("R", WEEK - timedelta(days=d), Out.NO_ANSWER) for d in (9, 6)]
    policy = Policy.model_validate({"warrant_after_failed_entries": 3})
    assert state_of(off, events, policy=policy).state is S.REATTEMPT
    assert state_of(off, events).state is S.WARRANT


@pytest.mark.parametrize("tier", ["very_high", "high"])
def test_overdue_high_risk_is_escalated_on_the_first_overdue_day(tier):
    off = offender("R", "A", tier=tier, days_since=0)  # visited on WEEK
    interval = Policy().interval_days[RiskTier(tier)]
    due = WEEK + timedelta(days=interval)
    on_due_day = state_of(off, day=due)
    assert on_due_day.state is S.DUE_SOON and on_due_day.days_overdue is None
    first = state_of(off, day=due + timedelta(days=1))
    assert first.state is S.ESCALATE and first.days_overdue == 1
    assert "unit manager" in first.action


def test_grace_days_delay_escalation_but_not_overdue():
    policy = Policy.model_validate({"grace_days": 3})
    off = offender("R", "A", tier="very_high", days_since=0)
    due = WEEK + timedelta(days=28)
    states = [state_of(off, day=due + timedelta(days=d), policy=policy).state for d in range(5)]
    assert states == [S.DUE_SOON, S.OVERDUE, S.OVERDUE, S.OVERDUE, S.ESCALATE]


def test_lower_tiers_overdue_are_overdue_not_escalated():
    off = offender("R", "A", tier="medium", days_since=200)
    r = state_of(off)
    assert r.state is S.OVERDUE and r.days_overdue == 18


def test_never_visited_high_risk_is_escalated():
    r = state_of(offender("R", "A", tier="high", days_since=None))
    assert r.state is S.ESCALATE and "never visited" in r.detail


def test_not_at_address_is_missing_with_the_wanted_missing_action():
    off = offender("R", "A", tier="low", days_since=10)
    r = state_of(off, [ev("R", WEEK - timedelta(days=2), Out.NOT_AT_ADDRESS)])
    assert r.state is S.MISSING
    assert "breach of notification requirements" in r.action and "wanted/missing" in r.action
    assert state_of(offender("M", "A", status=OffenderStatus.MISSING)).state is S.MISSING


def test_custody_is_tracked_until_the_recheck_date_then_recheck_due():
    off = offender("R", "A", tier="low", days_since=30)
    custody = [ev("R", WEEK, Out.IN_CUSTODY, recheck=WEEK + timedelta(days=10))]
    during = state_of(off, custody, day=WEEK + timedelta(days=9))
    assert during.state is S.IN_CUSTODY and during.recheck_date == WEEK + timedelta(days=10)
    after = state_of(off, custody, day=WEEK + timedelta(days=10))
    assert after.state is S.RECHECK_DUE and after.recheck_date == WEEK + timedelta(days=10)
    # ...unless the visit interval has run out meanwhile: then it is overdue.
    very_late = state_of(off, custody, day=WEEK + timedelta(days=400))
    assert very_late.state is S.OVERDUE


@pytest.mark.parametrize("outcome", [Out.IN_HOSPITAL, Out.ABROAD])
def test_hospital_and_abroad_get_policy_recheck_dates(outcome):
    r = state_of(offender("R", "A", days_since=30), [ev("R", WEEK, outcome)])
    assert r.state.value == outcome.value
    assert r.recheck_date == WEEK + timedelta(days=14)


# ---- the whole register ---------------------------------------------------------------

TIERS = [t.value for t in RiskTier]
STATUSES = list(OffenderStatus)


@st.composite
def registers_with_history(draw):
    n = draw(st.integers(1, 25))
    offs = []
    events = []
    for i in range(n):
        oid = f"R{i}"
        offs.append(
            offender(
                oid,
                "A",
                tier=draw(st.sampled_from(TIERS)),
                days_since=draw(st.one_of(st.none(), st.integers(0, 800))),
                status=draw(st.sampled_from(STATUSES)),
                interval_days=draw(st.one_of(st.none(), st.integers(1, 400))),
            )
        )
        for _ in range(draw(st.integers(0, 4))):
            day = WEEK - timedelta(days=draw(st.integers(0, 120)))
            outcome = draw(st.sampled_from(list(Out)))
            events.append(OutcomeEvent(oid, day, outcome, slot="morning"))
    # Outcomes of someone no longer on the register are reported, not counted.
    if draw(st.booleans()):
        events.append(OutcomeEvent("GONE", WEEK, Out.COMPLETED))
    as_of = WEEK + timedelta(days=draw(st.integers(-30, 400)))
    return register(offs, [officer("A")]), events, as_of


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registers_with_history(), st.integers(0, 10))
def test_every_offender_is_in_exactly_one_state(case, grace):
    reg, events, as_of = case
    policy = Policy.model_validate({"grace_days": grace})
    report = assess(reg, policy, as_of, History.from_events(events, policy))
    counts = report.counts()
    assert sum(counts.values()) == len(reg.offenders) == report.register_size
    assert sorted(r.offender_id for r in report.rows) == sorted(o.id for o in reg.offenders)
    assert report.balanced
    assert set(report.off_register) <= {"GONE"}
    for r in report.rows:  # never silently fine when it is not
        if r.state is S.VISITED:
            assert r.days_overdue is None and r.failed_in_a_row == 0
            assert r.last_visit is not None


# ---- the command ----------------------------------------------------------------------


def offender_row(out: str, offender_id: str) -> str:
    """An offender's line of the printed table with its detail, which is wrapped onto the
    indented lines below it to fit 80 columns, joined into one line."""
    lines = out.splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith(f"{offender_id} "))
    block = [lines[i]]
    for line in lines[i + 1 :]:
        if not line.startswith(" "):
            break
        block.append(line)
    return " ".join(" ".join(block).split())


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    reg = small_register(4, tier="very_high")
    db = stored(tmp_path, reg, [("R0", 0, 9), ("R1", 1, 13), ("R2", 2, 18), ("R3", 3, 9)])
    record(db, row("R0", 0, "no_answer"), row("R1", 1, "completed"), row("R2", 2, "in_custody"))
    db.close()
    return tmp_path / "history.db"


def test_status_prints_each_state_and_the_register_check(store_path):
    result = rota("status", "--store", store_path, "--date", "2026-12-10")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Compliance on 2026-12-10: 4 offenders" in out and "3 outcome(s) recorded" in out
    # The total line is reflowed to fit 80 columns: its verdict goes on the next line.
    assert "total 4 = 4 on the register: every offender in exactly one state" in " ".join(
        out.split()
    )
    counts = {
        line.split()[0]: int(line.split()[1])
        for line in out.splitlines()  # actions wrap onto indented lines: skip those
        if line.split() and not line.startswith(" ") and line.split()[0] in {s.value for s in S}
    }
    assert sum(counts.values()) == 4
    # R0 and R3: very high, 200 days since the last visit; R1 visited; R2 in custody.
    assert counts["escalate_manager"] == 2
    assert counts["in_custody"] == 1 and counts["visited"] == 1
    r0 = offender_row(out, "R0")
    assert "escalate_manager" in r0 and "1 failed attempt" in r0
    assert not any(line.startswith("R1 ") for line in out.splitlines())  # no action needed


def test_second_failed_entry_shows_the_warrant_in_status(store_path):
    reg = small_register(4, tier="very_high")
    next_week = WEEK + timedelta(days=7)
    with HistoryStore(store_path) as db:
        db.save_plan(hand_rota(reg, [("R0", 4, 18)], week=next_week), reg, NOW)
        # R0 failed on day 0 of WEEK already; now again on Friday of the next week.
        record(db, row("R0", 4, "refused_entry", week=next_week))
    result = rota("status", "--store", store_path, "--date", "2026-12-10")
    r0 = offender_row(result.output, "R0")
    assert r0.split()[3] == "warrant_s96b"
    assert "2 failed attempt(s) to gain entry in a row" in r0
    assert "warrant_s96b           1  eligible for a section 96B warrant" in result.output


def test_status_json_and_private_out(store_path, tmp_path):
    old = os.umask(0)
    try:
        result = rota(
            *("status", "--store", store_path, "--date", "2026-12-10", "--json"),
            *("--out", tmp_path / "st"),
        )
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.split("\nWrote")[0])
    assert summary["total"] == summary["register"] == 4 and summary["balanced"] is True
    assert sum(summary["states"].values()) == 4
    csv_lines = (tmp_path / "st" / "status.csv").read_text().splitlines()
    assert csv_lines[0].startswith("offender_id,tier,manager_id,state,action")
    assert len(csv_lines) == 5
    for name in ("status.csv", "status.json"):
        assert stat.S_IMODE((tmp_path / "st" / name).stat().st_mode) == 0o600


def test_status_with_register_files(tmp_path, offenders_csv, officers_csv):
    store = tmp_path / "h.db"
    HistoryStore(store).close()
    result = rota(
        *("status", "--store", store, "--offenders", offenders_csv),
        *("--officers", officers_csv, "--date", WEEK.isoformat(), "--all"),
    )
    assert result.exit_code == 0, result.output
    assert "= 8 on the register: every offender in exactly one state" in result.output
    assert "reactive" in result.output and "RSO-000006" in result.output


def test_status_needs_a_store_with_a_register(tmp_path):
    missing = rota("status", "--store", tmp_path / "nothing.db")
    assert missing.exit_code == 1 and "no history store here" in missing.output
    HistoryStore(tmp_path / "empty.db").close()
    empty = rota("status", "--store", tmp_path / "empty.db")
    assert empty.exit_code == 1 and "holds no register yet" in empty.output
    bad = rota("status", "--store", tmp_path / "empty.db", "--date", "soon")
    assert bad.exit_code == 2 and "not a date" in bad.output
