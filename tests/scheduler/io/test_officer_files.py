"""Officers' own files: each officer's CSV sheet and iCalendar file hold exactly their
visits (only one day's with ``day``), parse with ``icalendar``, keep their UIDs across
re-plans, and carry no seed and no address unless addresses are passed."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import Policy, Register, Rota
from scheduler.core.exceptions import InputFileError, RotaError
from scheduler.io.columns import ColumnAliases
from scheduler.io.export import rota_files
from scheduler.io.ical import LONDON, london_timezone, sequence_of, visit_end, visit_uid
from scheduler.io.officer_files import (
    check_day,
    officer_files,
    read_addresses,
)
from scheduler.io.rota_rows import VISIT_COLUMNS
from scheduler.plan.planner import plan_week
from tests.conftest import WEEK

ISSUED = datetime(2026, 11, 29, 18, 30, tzinfo=UTC)
POLICY = Policy.model_validate({"solver": {"time_limit_s": 0.2}})


def plan(register: Register, seed: int) -> Rota:
    return plan_week(register, POLICY, WEEK, seed=seed)


@pytest.fixture(scope="module")
def rota(valid_register: Register) -> Rota:
    return plan(valid_register, 1)


def events(ics: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(ics).walk("VEVENT"))


def sheet(text: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.decode())))


def planned_for(rota: Rota, officer: str, day: date | None = None) -> set[tuple[str, datetime]]:
    """(offender, arrival) of every visit ``officer`` takes part in (on ``day``)."""
    return {
        (v.offender_id, v.arrival.replace(tzinfo=LONDON))
        for v in rota.visits
        if officer in v.officer_ids and (day is None or v.date == day)
    }


def test_fixture_plan_has_a_joint_visit(rota: Rota) -> None:
    # the two-officer offender RSO-000003 is visited by two: both calendars must show it
    assert any(len(v.officer_ids) == 2 for v in rota.visits)


def test_each_calendar_holds_exactly_the_officers_visits(
    rota: Rota, valid_register: Register
) -> None:
    files = officer_files(rota, valid_register, issued=ISSUED)
    assert set(files) == {
        f"officers/{o.id}.{ext}" for o in valid_register.officers for ext in ("csv", "ics")
    }
    for officer in valid_register.officers:
        evs = events(files[f"officers/{officer.id}.ics"])
        got = {(str(e["x-rota-offender"]), e.decoded("dtstart")) for e in evs}
        assert got == planned_for(rota, officer.id)
        assert len(got) == len(evs)
        rows = sheet(files[f"officers/{officer.id}.csv"])
        assert {r["offender_id"] for r in rows} == {o for o, _ in got}


def test_event_fields(rota: Rota, valid_register: Register) -> None:
    files = officer_files(rota, valid_register, issued=ISSUED)
    joint = next(v for v in rota.visits if len(v.officer_ids) == 2)
    lead, partner = joint.officer_ids
    for me, other in ((lead, partner), (partner, lead)):
        ev = next(
            e
            for e in events(files[f"officers/{me}.ics"])
            if e["x-rota-offender"] == joint.offender_id
        )
        assert ev["x-rota-partner"] == other
        assert ev["x-rota-tier"] == joint.tier.value
        assert other in ev["description"]
        assert ev.decoded("dtend") == visit_end(joint).replace(tzinfo=LONDON)
        assert ev.decoded("dtstamp") == ISSUED
        assert ev["sequence"] == sequence_of(ISSUED)
        assert ev["class"] == "PRIVATE"
        assert "location" not in ev
        assert str(ev.decoded("dtstart").tzinfo) == "Europe/London"


def test_uids_are_unique_and_derived_not_drawn(valid_register: Register) -> None:
    first, second = plan(valid_register, 1), plan(valid_register, 2)
    a = officer_files(first, valid_register, issued=ISSUED)
    b = officer_files(second, valid_register, issued=ISSUED + timedelta(hours=1))

    def uids(files: dict[str, bytes]) -> dict[str, str]:
        return {
            str(e["uid"]): str(e["x-rota-offender"])
            for path, content in files.items()
            if path.endswith(".ics")
            for e in events(content)
        }

    # a joint visit has one UID in both officers' calendars; no two visits share one
    n_visits = len({(v.offender_id, v.arrival) for v in first.visits})
    assert len(uids(a)) == n_visits
    # another seed plans other days and times, yet each offender's visit keeps its UID,
    # so importing the re-plan updates the events instead of adding copies
    first_visits = {v.offender_id for v in first.visits if not v.follows_earlier_visit}
    both = first_visits & {v.offender_id for v in second.visits if not v.follows_earlier_visit}
    assert both
    for oid in both:
        assert visit_uid(WEEK, oid, 1) in uids(a)
        assert visit_uid(WEEK, oid, 1) in uids(b)
    assert visit_uid(WEEK, "RSO-000001", 1) != visit_uid(WEEK + timedelta(days=7), "RSO-000001", 1)


def test_sequence_grows_with_the_issue_time() -> None:
    assert sequence_of(ISSUED + timedelta(minutes=1)) == sequence_of(ISSUED) + 1
    assert sequence_of(ISSUED) < 2**31 - 1  # a 32-bit integer, as clients store it


@pytest.mark.parametrize(
    "moment",
    [
        datetime(y, m, d, h)
        for y in (2026, 2031)
        for m, d in ((3, 28), (3, 31), (7, 1))
        for h in (0, 12)
    ]
    + [datetime(2026, 10, 24, 12), datetime(2026, 10, 25, 12), datetime(2026, 12, 1, 9)],
)
def test_vtimezone_agrees_with_the_tz_database(moment: datetime) -> None:
    # what a calendar client computes from our VTIMEZONE is what zoneinfo says
    ours = london_timezone().to_tz()
    assert ours.utcoffset(moment) == moment.replace(tzinfo=LONDON).utcoffset()


@settings(max_examples=20, deadline=None)
@given(offset=st.integers(min_value=0, max_value=6))
def test_day_holds_only_that_days_visits(rota: Rota, valid_register: Register, offset: int) -> None:
    day = WEEK + timedelta(days=offset)
    files = officer_files(rota, valid_register, issued=ISSUED, day=day)
    # every officer gets both files, empty when they have no visit that day
    assert len(files) == 2 * len(valid_register.officers)
    for officer in valid_register.officers:
        evs = events(files[f"officers/{officer.id}.ics"])
        assert {(str(e["x-rota-offender"]), e.decoded("dtstart")) for e in evs} == planned_for(
            rota, officer.id, day
        )
        assert all(e.decoded("dtstart").date() == day for e in evs)
        rows = sheet(files[f"officers/{officer.id}.csv"])
        assert all(r["date"] == day.isoformat() for r in rows)
        assert len(rows) == len(evs)


def test_an_officer_without_visits_gets_an_empty_valid_calendar(
    rota: Rota, valid_register: Register
) -> None:
    busy = {o for v in rota.visits for o in v.officer_ids if v.date == WEEK}
    idle = next(o.id for o in valid_register.officers if o.id not in busy)
    files = officer_files(rota, valid_register, issued=ISSUED, day=WEEK)
    cal = icalendar.Calendar.from_ical(files[f"officers/{idle}.ics"])
    assert cal["version"] == "2.0"
    assert not list(cal.walk("VEVENT"))
    assert list(cal.walk("VTIMEZONE"))  # RFC 5545: a calendar holds one component or more
    assert files[f"officers/{idle}.csv"].decode() == ",".join(VISIT_COLUMNS) + "\n"


@pytest.mark.parametrize("day", [WEEK - timedelta(days=1), WEEK + timedelta(days=7)])
def test_a_day_outside_the_week_is_refused(rota: Rota, day: date) -> None:
    with pytest.raises(RotaError, match="not in the planned week"):
        check_day(rota, day)


def test_a_naive_issue_time_is_refused(rota: Rota, valid_register: Register) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        officer_files(rota, valid_register, issued=datetime(2026, 11, 29))


def test_no_seed_and_no_address_in_any_shared_file(valid_register: Register) -> None:
    rota = plan(valid_register, 8_675_309_123_456)  # long enough not to turn up by chance
    assert rota.audit is not None
    files = rota_files(rota, valid_register, issued=ISSUED, day=WEEK + timedelta(days=1))
    secret = str(rota.audit.seed)
    for path, content in files.items():
        text = content if isinstance(content, str) else content.decode()
        if path.startswith("officers/"):
            assert secret not in text and "seed" not in text.lower(), path
            assert "LOCATION" not in text and "address" not in text.lower(), path
    # the manager keeps the whole week
    assert len(sheet(str(files["manager/visits.csv"]).encode())) == len(rota.visits)


def test_addresses_only_when_passed(rota: Rota, valid_register: Register) -> None:
    addresses = {v.offender_id: f"{i} Acacia Avenue, CR0 1AA" for i, v in enumerate(rota.visits)}
    files = officer_files(rota, valid_register, issued=ISSUED, addresses=addresses)
    for officer in valid_register.officers:
        for ev in events(files[f"officers/{officer.id}.ics"]):
            assert ev["location"] == addresses[str(ev["x-rota-offender"])]
        for row in sheet(files[f"officers/{officer.id}.csv"]):
            assert row["address"] == addresses[row["offender_id"]]


# ---- addresses read from the offenders file --------------------------------------------------


def test_read_addresses_with_postcode_and_own_headers(tmp_path: Path) -> None:
    path = tmp_path / "offenders.csv"
    path.write_text(
        "\ufeffID,Home Address,Postcode\n"
        'RSO-1,"12 Acacia Avenue, Croydon",CR0 1AA\n'
        'RSO-2,"3 Laburnum Grove, CR7 8BB",cr7 8bb\n'
        "RSO-3,,SE1 9ZZ\n",
        encoding="utf-8",
    )
    aliases = ColumnAliases({"offenders": {"Home Address": "address"}})
    assert read_addresses(path, aliases) == {
        "RSO-1": "12 Acacia Avenue, Croydon, CR0 1AA",
        "RSO-2": "3 Laburnum Grove, CR7 8BB",  # the postcode is in the address already
        "RSO-3": "SE1 9ZZ",
    }


def test_read_addresses_from_json(tmp_path: Path) -> None:
    path = tmp_path / "offenders.json"
    path.write_text(json.dumps([{"id": "RSO-1", "address": "1 High St"}]))
    assert read_addresses(path) == {"RSO-1": "1 High St"}


def test_a_file_without_addresses_is_refused_naming_it(offenders_csv: Path) -> None:
    with pytest.raises(InputFileError) as exc:
        read_addresses(offenders_csv)
    assert str(exc.value.problems[0]).startswith(f"{offenders_csv}, row 1, field 'address'")
