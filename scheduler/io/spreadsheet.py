"""A register written as a unit's spreadsheet export is: what ``rota scenario
--spreadsheet`` writes, so the demo and the tests read what a manager really has.

UTF-8 with a byte-order mark, Windows line endings, Title Case headers with spaces,
values such as ``Very High``, UK dates (``07/12/2026``), postcodes instead of
coordinates when an index is given, and a column rota does not use.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import numpy as np

from models import Register
from scheduler.io.loaders import offender_record, officer_record
from scheduler.io.postcodes import PostcodeIndex, nearest_postcodes

_TITLES = {"id": "ID", "manager_id": "Manager ID", "mappa_level": "MAPPA Level", "lat": "Lat"}


def title(column: str) -> str:
    """``'last_visit'`` -> ``'Last Visit'`` (ids and acronyms as people write them)."""
    return _TITLES.get(column) or column.replace("_", " ").title()


def _uk(value: str) -> str:
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return value


def _rows_text(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def spreadsheet_files(
    register: Register, postcodes: PostcodeIndex | None = None
) -> dict[str, bytes]:
    """``offenders.csv`` and ``officers.csv`` as a spreadsheet exports them."""
    offenders = [offender_record(o) for o in register.offenders]
    officers = [officer_record(o) for o in register.officers]
    if postcodes is not None:
        homes = nearest_postcodes(
            postcodes,
            np.array([o.home.lat for o in register.offenders]),
            np.array([o.home.lon for o in register.offenders]),
        )
        bases = nearest_postcodes(
            postcodes,
            np.array([o.base.lat for o in register.officers]),
            np.array([o.base.lon for o in register.officers]),
        )
        for rec, pc in zip(offenders, homes, strict=True):
            del rec["lat"], rec["lon"]
            rec["postcode"] = pc
        for rec, pc in zip(officers, bases, strict=True):
            del rec["base_lat"], rec["base_lon"]
            rec["base_postcode"] = pc
    out_offenders = []
    for i, rec in enumerate(offenders):
        row = {title(k): v for k, v in rec.items()}
        row["Tier"] = rec["tier"].replace("_", " ").title()
        row["Status"] = rec["status"].replace("_", " ").title()
        row["Last Visit"] = _uk(rec["last_visit"])
        row["Two Officers"] = "Yes" if rec["two_officers"] == "true" else "No"
        row["Notes"] = "" if i % 7 else "see case file"  # a column rota ignores
        out_offenders.append(row)
    out_officers = [{title(k): v for k, v in rec.items()} for rec in officers]
    return {"offenders.csv": _rows_text(out_offenders), "officers.csv": _rows_text(out_officers)}
