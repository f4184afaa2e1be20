"""Each officer's own files: their visits as a CSV sheet and an iCalendar file to import,
for the whole week or for one day.

The inspectorate found visits announced too far ahead, giving offenders time to hide
what they should not have: with ``day`` an officer holds no more of the rota than the day
in hand. Every officer of the register gets both files, even with no visits (a header-only
sheet, an empty but valid calendar), so a missing file always means something went wrong,
never "nothing to do". The files hold pseudonymous ids, never the seed, and addresses
only when the caller passes them (``rota plan --with-addresses``).

:func:`officer_files` is the one entry point: ``rota plan --out`` calls it for the week
or ``--day``, and a daily release from the stored plan can call it the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

from models import Register, Rota, Visit
from scheduler.core.exceptions import InputFileError, InputProblem, RotaError
from scheduler.io.columns import ColumnAliases, map_headers
from scheduler.io.fields import field_text
from scheduler.io.ical import officer_calendar, visit_uid
from scheduler.io.loaders import OFFENDER_COLUMNS, csv_text
from scheduler.io.records import read_records
from scheduler.io.rota_rows import VISIT_COLUMNS, visit_rows

OFFICERS_DIR = "officers"
#: The column an officer's sheet gains with addresses.
ADDRESS_COLUMN = "address"


def check_day(rota: Rota, day: date) -> None:
    """Refuse a ``day`` outside the rota's week: its files would be empty and look like a
    day without visits."""
    last = rota.week_start.toordinal() + 6
    if not rota.week_start <= day <= date.fromordinal(last):
        raise RotaError(
            f"{day} is not in the planned week ({rota.week_start} to "
            f"{date.fromordinal(last)}); give a day of that week"
        )


def numbered_visits(rota: Rota) -> list[tuple[Visit, str]]:
    """Every visit of the week with its calendar UID, numbered per offender in date
    order (a revisit is the offender's second visit)."""
    seen: dict[str, int] = {}
    out = []
    for visit in sorted(rota.visits, key=lambda v: (v.arrival, v.offender_id)):
        seen[visit.offender_id] = seen.get(visit.offender_id, 0) + 1
        out.append((visit, visit_uid(rota.week_start, visit.offender_id, seen[visit.offender_id])))
    return out


def officer_visits(
    numbered: list[tuple[Visit, str]], officer_id: str, day: date | None = None
) -> list[tuple[Visit, str]]:
    """The visits ``officer_id`` takes part in (as lead or partner), on ``day`` only when
    given, in time order."""
    return [
        (v, uid)
        for v, uid in numbered
        if officer_id in v.officer_ids and (day is None or v.date == day)
    ]


def officer_sheet(visits: list[Visit], addresses: Mapping[str, str] | None = None) -> str:
    """An officer's CSV sheet: the manager's visit columns, and the address last when
    ``addresses`` is given."""
    rows = visit_rows(Rota(week_start=date.min, visits=tuple(visits), unscheduled=()))
    columns = list(VISIT_COLUMNS)
    if addresses is not None:
        columns.append(ADDRESS_COLUMN)
        for row in rows:
            row[ADDRESS_COLUMN] = addresses.get(row["offender_id"], "")
    return csv_text(rows, columns)


def officer_files(
    rota: Rota,
    register: Register,
    *,
    issued: datetime,
    day: date | None = None,
    addresses: Mapping[str, str] | None = None,
) -> dict[str, bytes]:
    """Each officer's ``officers/<id>.csv`` and ``officers/<id>.ics`` (relative path ->
    content).

    Parameters
    ----------
    issued
        When the files are issued (timezone-aware): the calendar's DTSTAMP and SEQUENCE.
    day
        Only this day's visits (a day of the rota's week); None: the whole week.
    addresses
        Offender id -> address, for the sheet's ``address`` column and the events'
        LOCATION; None (the default): no address anywhere.
    """
    if issued.tzinfo is None:
        raise ValueError("issued must be timezone-aware (DTSTAMP is UTC)")
    if day is not None:
        check_day(rota, day)
    numbered = numbered_visits(rota)
    files: dict[str, bytes] = {}
    for officer in register.officers:
        mine = officer_visits(numbered, officer.id, day)
        sheet = officer_sheet([v for v, _ in mine], addresses)
        files[f"{OFFICERS_DIR}/{officer.id}.csv"] = sheet.encode()
        ics = officer_calendar(officer.id, mine, issued, addresses)
        files[f"{OFFICERS_DIR}/{officer.id}.ics"] = ics
    return files


def read_addresses(path: Path, aliases: ColumnAliases | None = None) -> dict[str, str]:
    """Offender id -> address from the offenders file's ``address`` column (its
    ``postcode`` added when the address lacks it), for officers' files only: addresses
    are never stored or printed. A file without an address column is refused."""
    out: dict[str, str] = {}
    known = (aliases or ColumnAliases()).for_kind("offenders")
    for row, rec in read_records(Path(path)):
        headers = map_headers(tuple(rec), OFFENDER_COLUMNS, known)
        mapped = {headers.to_known[k]: v for k, v in rec.items() if k in headers.to_known}
        if ADDRESS_COLUMN not in mapped:
            problem = "no such column, so --with-addresses has no address to give"
            where = row if Path(path).suffix.lower() == ".json" else 1  # the CSV header
            raise InputFileError([InputProblem(str(path), where, ADDRESS_COLUMN, problem)])
        out[field_text(mapped, "id")] = address_text(mapped)
    return out


def address_text(rec: dict[str, str]) -> str:
    """The row's address, with its postcode when the address does not already hold it."""
    address = field_text(rec, ADDRESS_COLUMN)
    postcode = field_text(rec, "postcode")
    if postcode and postcode.replace(" ", "").upper() not in address.replace(" ", "").upper():
        address = f"{address}, {postcode}" if address else postcode
    return address
