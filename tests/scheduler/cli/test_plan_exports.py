"""``rota plan --out D --day DATE --with-addresses``: officers' folder holds one day's
visits (CSV and .ics), the manager's the whole week; addresses only when asked and only
from an 'address' column; a wrong option writes nothing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest

from tests.conftest import WEEK
from tests.scheduler.cli.test_cli import plan_args, rota

TUESDAY = WEEK + timedelta(days=1)


def with_address_column(offenders: Path, tmp_path: Path) -> Path:
    """The fixture offenders with an 'address' column (coordinates stay, so nothing is
    geocoded)."""
    rows = list(csv.DictReader(io.StringIO(offenders.read_text())))
    for i, r in enumerate(rows):
        r["address"] = f"{i + 1} Acacia Avenue, Croydon"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "offenders_with_addresses.csv"
    path.write_text(out.getvalue())
    return path


def test_day_splits_officers_from_manager(
    tmp_path: Path, offenders_csv: Path, officers_csv: Path
) -> None:
    out = tmp_path / "rota"
    args = plan_args(offenders_csv, officers_csv, "--seed", "1", "--out", out)
    result = rota(*args, "--day", TUESDAY.isoformat())
    assert result.exit_code == 0, result.output
    assert "Tue 01 Dec's visits" in result.output
    week = list(csv.DictReader((out / "manager" / "visits.csv").open()))
    assert len({r["date"] for r in week}) > 1  # the manager keeps the whole week
    tuesday = [r for r in week if r["date"] == TUESDAY.isoformat()]
    seen = 0
    for ics in sorted((out / "officers").glob("*.ics")):
        officer = ics.stem
        events = list(icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT"))
        mine = [r for r in tuesday if officer in r["officer_ids"].split(";")]
        assert sorted(str(e["x-rota-offender"]) for e in events) == sorted(
            r["offender_id"] for r in mine
        )
        assert all(e.decoded("dtstart").date() == TUESDAY for e in events)
        sheet = list(csv.DictReader((out / "officers" / f"{officer}.csv").open()))
        assert [r["date"] for r in sheet] == [TUESDAY.isoformat()] * len(mine)
        seen += len(events)
    assert seen >= len(tuesday) > 0


def test_with_addresses_puts_them_in_officers_files_only(
    tmp_path: Path, offenders_csv: Path, officers_csv: Path
) -> None:
    offenders = with_address_column(offenders_csv, tmp_path)
    out = tmp_path / "rota"
    result = rota(
        *plan_args(offenders, officers_csv, "--seed", "1", "--out", out, "--with-addresses")
    )
    assert result.exit_code == 0, result.output
    assert "Acacia" not in result.output
    for path in (out / "manager").iterdir():
        assert "Acacia" not in path.read_text(), path.name
    located = 0
    for ics in (out / "officers").glob("*.ics"):
        for event in icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT"):
            assert "Acacia Avenue" in str(event["location"])
            located += 1
    assert located > 0
    header = (out / "officers" / "OM-A.csv").read_text().splitlines()[0]
    assert header.endswith(",address")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--day", "2026-12-07"], "2026-12-07 is not in the planned week"),
        (["--day", "01/12/2026"], "'01/12/2026' is not a date YYYY-MM-DD"),
        (["--with-addresses"], "has no address to give"),
    ],
)
def test_wrong_export_options_write_nothing(
    tmp_path: Path, offenders_csv: Path, officers_csv: Path, extra: list[str], message: str
) -> None:
    out = tmp_path / "rota"
    result = rota(*plan_args(offenders_csv, officers_csv, "--out", out, *extra))
    assert result.exit_code != 0
    assert message in result.output
    assert not out.exists()


@pytest.mark.parametrize("extra", [["--day", "2026-12-01"], ["--with-addresses"]])
def test_export_options_need_out(offenders_csv: Path, officers_csv: Path, extra: list[str]) -> None:
    result = rota(*plan_args(offenders_csv, officers_csv, *extra))
    assert result.exit_code == 2
    assert "go with --out" in result.output


def test_with_addresses_refused_for_a_bundled_scenario(tmp_path: Path) -> None:
    result = rota(
        "plan", "--scenario", "borough-small", "--out", tmp_path / "r", "--with-addresses"
    )
    assert result.exit_code == 2
    assert "needs --offenders with an 'address' column" in result.output
