"""Several offenders at one address (issue 28): members due in the same week are one
stop (same officers, day and arrival), each keeping their own visit row and record.

The unit: one officer, OM-H, Mon-Fri 08:00-16:00, 4 h of visits a day. H1 (high) and H2
(medium) share household HH-1 at one address and are both due; H3 (low, visited 30 days
ago) lives there too but is not due; two others elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from models import Policy, Register, Rota, UnscheduledReason
from scheduler.cli.main import main
from scheduler.history.store import HistoryStore
from scheduler.io.loaders import register_files
from scheduler.plan.planner import plan_week
from scheduler.plan.rules import all_violations
from tests.scheduler.conftest import WEEK, offender, officer, register

SEED = 3


def unit(household: bool = True, **h2: object) -> Register:
    hh = {"household": "HH-1"} if household else {}
    return register(
        [
            offender("H1", "OM-H", tier="high", **hh),
            offender("H2", "OM-H", tier="medium", **{**hh, **h2}),
            offender("H3", "OM-H", tier="low", days_since=30, **hh),
            offender("A", "OM-H", dlat=-0.01),
            offender("B", "OM-H", dlon=-0.02),
        ],
        [officer("OM-H")],
    )


def policy(**households: object) -> Policy:
    return Policy.model_validate({"solver": {"time_limit_s": 0.3}, "households": households})


def visits_of(rota: Rota) -> dict[str, object]:
    return {v.offender_id: v for v in rota.visits}


@pytest.fixture(scope="module")
def together() -> Rota:
    return plan_week(unit(), policy(), WEEK, seed=SEED)


def test_members_due_together_share_officer_day_and_arrival(together: Rota) -> None:
    v = {x.offender_id: x for x in together.visits}
    h1, h2 = v["H1"], v["H2"]
    assert (h1.officer_ids, h1.date, h1.arrival, h1.departure) == (
        h2.officer_ids,
        h2.date,
        h2.arrival,
        h2.departure,
    )
    assert h1.household == h2.household == "HH-1"
    # each keeps their own row: own tier and due date; the stop lasts both visits:
    # 75 min (high) + 60 min (medium) = 135 min (the policy's default service "sum")
    assert (h1.tier.value, h2.tier.value) == ("high", "medium")
    assert (h1.departure - h1.arrival).total_seconds() == 135 * 60
    # the travel to the address is counted once, on the lead's (the more urgent) row
    assert h1.travel_to_s > 0 and h2.travel_to_s == 0


def test_the_stop_breaks_no_rule_and_counts_every_members_visit(together: Rota) -> None:
    assert all_violations(together, unit(), policy()) == []
    assert together.is_feasible()
    day = next(d for d in together.officer_days if d.date == visits_of(together)["H1"].date)
    assert day.visits == sum(1 for v in together.visits if v.date == day.date)


def test_a_member_not_due_is_not_dragged_in(together: Rota) -> None:
    left = {u.offender_id: u.reason for u in together.unscheduled}
    assert left["H3"] is UnscheduledReason.NOT_DUE
    assert "H3" not in visits_of(together)


def test_visit_all_members_brings_the_member_not_due(together: Rota) -> None:
    rota = plan_week(unit(), policy(visit_all_members=True), WEEK, seed=SEED)
    v = visits_of(rota)
    assert {"H1", "H2", "H3"} <= v.keys()
    assert len({(x.arrival, x.officer_ids) for k, x in v.items() if k.startswith("H")}) == 1
    # 75 + 60 + 45 (low) minutes
    assert (v["H3"].departure - v["H3"].arrival).total_seconds() == 180 * 60
    assert all_violations(rota, unit(), policy(visit_all_members=True)) == []


def test_the_longest_service_makes_the_stop_as_long_as_its_longest_visit() -> None:
    rota = plan_week(unit(), policy(service="longest"), WEEK, seed=SEED)
    h1 = visits_of(rota)["H1"]
    assert (h1.departure - h1.arrival).total_seconds() == 75 * 60


def test_switched_off_the_plan_is_the_one_without_households() -> None:
    off = plan_week(unit(), policy(visit_together=False), WEEK, seed=SEED)
    plain = plan_week(unit(household=False), policy(), WEEK, seed=SEED)
    strip = [v.model_copy(update={"household": None}) for v in off.visits]
    assert strip == list(plain.visits)
    assert off.unscheduled == plain.unscheduled
    assert off.officer_days == plain.officer_days


def test_a_member_needing_two_officers_makes_it_a_joint_stop() -> None:
    team = unit(two_officers=True)
    team = team.model_copy(update={"officers": (officer("OM-H"), officer("OM-J"))})
    rota = plan_week(team, policy(), WEEK, seed=SEED)
    v = visits_of(rota)
    assert len(v["H1"].officer_ids) == len(v["H2"].officer_ids) == 2
    assert v["H1"].arrival == v["H2"].arrival
    assert all_violations(rota, team, policy()) == []


def test_a_stop_that_cannot_be_made_lists_every_member() -> None:
    # H2 is out every day this week: the stop (out whenever any member is) cannot be made
    team = unit(unavailable="2026-11-30/2026-12-06")
    rota = plan_week(team, policy(), WEEK, seed=SEED)
    left = {u.offender_id: u for u in rota.unscheduled}
    assert left["H1"].reason is left["H2"].reason is UnscheduledReason.UNAVAILABLE_ALL_WEEK
    assert left["H1"].tier.value == "high" and left["H2"].tier.value == "medium"
    assert all_violations(rota, team, policy()) == []


# ---- the register file and the record ------------------------------------------------


def rota_cli(*args: str | os.PathLike[str]) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.delenv("ROTA_POSTCODES", raising=False)
    for name, text in register_files(unit()).items():
        (tmp_path / name).write_text(text)
    return tmp_path / "offenders.csv", tmp_path / "officers.csv"


def test_the_household_column_round_trips(files: tuple[Path, Path]) -> None:
    header, *rows = files[0].read_text().splitlines()
    assert header.endswith(",household")
    assert [r.rsplit(",", 1)[1] for r in rows] == ["HH-1", "HH-1", "HH-1", "", ""]


def test_a_household_that_is_not_a_pseudonymous_id_is_refused(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    offenders, officers = files
    offenders.write_text(offenders.read_text().replace("HH-1", "12 Acacia Ave", 1))
    result = rota_cli(
        "check", "--offenders", offenders, "--officers", officers, "--week", WEEK.isoformat()
    )
    assert result.exit_code == 1
    assert "household" in result.stderr and "pseudonymous id" in result.stderr


def test_members_keep_their_own_records(files: tuple[Path, Path], tmp_path: Path) -> None:
    offenders, officers = files
    store = tmp_path / "history.db"
    planned = rota_cli(
        "plan",
        *("--offenders", offenders, "--officers", officers, "--week", WEEK.isoformat()),
        *("--seed", str(SEED), "--time-limit", "0.3", "--store", store),
    )
    assert planned.exit_code in (0, 3), planned.output
    with HistoryStore(store) as db:
        stored = {v.offender_id: v for v in db.planned_visits()}
    # each member's visit is stored on its own, on the one stop's day and slot
    h1, h2 = stored["H1"], stored["H2"]
    assert (h1.date, h1.slot, h1.officer_ids) == (h2.date, h2.slot, h2.officer_ids)
    assert h1.id != h2.id
    day = h1.date
    for who, outcome in (("H1", "completed"), ("H2", "no_answer")):
        done = rota_cli(
            "record",
            *("--store", store, "--offender", who, "--date", day.isoformat()),
            *("--outcome", outcome),
        )
        assert done.exit_code == 0, done.output
    with HistoryStore(store) as db:
        got = {o.offender_id: o.outcome.value for o in db.outcomes()}
    assert got == {"H1": "completed", "H2": "no_answer"}
