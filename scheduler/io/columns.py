"""Column names as spreadsheets export them, mapped to the names the loaders know.

A unit's export has headers such as ``Risk Level`` or ``Last Visit`` and extra columns.
Every header is compared in a canonical form (lower case, runs of spaces and punctuation
as one ``_``), then through the built-in aliases and the user's own (a TOML file). An
unknown column that looks like a misspelling of a known one is an error with a "did you
mean"; any other unknown column is ignored and listed, so nothing is silently misread.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scheduler.core.exceptions import PolicyError

#: Aliases every unit gets, by file kind; keys and values in canonical form.
BUILTIN_ALIASES: dict[str, dict[str, str]] = {
    "offenders": {
        "offender_id": "id",
        "rso_id": "id",
        "pseudonym": "id",
        "pseudonymous_id": "id",
        "risk": "tier",
        "risk_level": "tier",
        "risk_tier": "tier",
        "rm2000": "tier",
        "manager": "manager_id",
        "offender_manager": "manager_id",
        "offender_manager_id": "manager_id",
        "officer_id": "manager_id",
        "latitude": "lat",
        "longitude": "lon",
        "lng": "lon",
        "long": "lon",
        "post_code": "postcode",
        "home_postcode": "postcode",
        "interval": "interval_days",
        "visit_interval": "interval_days",
        "visit_interval_days": "interval_days",
        "mappa": "mappa_level",
        "mappa_management_level": "mappa_level",
        "last_visit_date": "last_visit",
        "last_visited": "last_visit",
        "last_successful_visit": "last_visit",
        "two_officer": "two_officers",
        "two_officer_visit": "two_officers",
        "double_crewed": "two_officers",
        "times_out": "unavailable",
        "unavailability": "unavailable",
        "not_available": "unavailable",
        "household_id": "household",
        "shared_address": "household",
        "same_address": "household",
    },
    "officers": {
        "officer_id": "id",
        "officer": "id",
        "unit": "team",
        "team_name": "team",
        "base_latitude": "base_lat",
        "base_longitude": "base_lon",
        "base_post_code": "base_postcode",
        "station_postcode": "base_postcode",
        "postcode": "base_postcode",
        "working_pattern": "shifts",
        "shift_pattern": "shifts",
        "visit_hours_per_day": "visit_hours",
        "hours_for_visits": "visit_hours",
        "cap": "caseload_cap",
        "max_caseload": "caseload_cap",
        "leave": "absent",
        "absences": "absent",
    },
}


def canonical(name: str) -> str:
    """``' Risk Level '`` -> ``'risk_level'``; ``'Last-Visit (date)'`` -> ``'last_visit_date'``."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


@dataclass(frozen=True)
class ColumnAliases:
    """The user's own header names per file kind, e.g. from a TOML file::

    [offenders]
    "RM2000 Score" = "tier"
    [officers]
    "Collar No" = "id"
    """

    by_kind: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def for_kind(self, kind: str) -> dict[str, str]:
        """Built-in and user aliases of one file kind (the user's win), canonical form."""
        merged = dict(BUILTIN_ALIASES.get(kind, {}))
        merged.update({canonical(k): canonical(v) for k, v in self.by_kind.get(kind, {}).items()})
        return merged


def load_aliases(path: Path | None, known: Mapping[str, Iterable[str]]) -> ColumnAliases:
    """Read a column-alias TOML; every target must be a column of its file kind."""
    if path is None:
        return ColumnAliases()
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, ValueError) as exc:
        raise PolicyError(f"{path}: {exc}") from None
    out: dict[str, dict[str, str]] = {}
    for kind, table in data.items():
        if kind not in known:
            raise PolicyError(f"{path}: unknown table [{kind}] (expected {', '.join(known)})")
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise PolicyError(f'{path}: [{kind}] must map header names to column names: "A" = "b"')
        columns = set(known[kind])
        for header, target in table.items():
            if canonical(target) not in columns:
                raise PolicyError(
                    f"{path}: [{kind}] {header!r} = {target!r}: {target!r} is not a column of "
                    f"the {kind} file ({', '.join(sorted(columns))})"
                )
        out[kind] = dict(table)
    return ColumnAliases(out)


@dataclass(frozen=True)
class HeaderMap:
    """How one file's headers map onto known columns."""

    to_known: dict[str, str]  # header as written -> known column
    ignored: tuple[str, ...]  # headers that are no column of ours (listed, not read)
    problems: tuple[tuple[str, str], ...]  # (header, message): misspelt or duplicated


def suggestion(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to ``word`` when it is close enough to be a slip."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.8)
    return match[0] if match else None


def map_headers(
    headers: Iterable[str], known: Iterable[str], aliases: Mapping[str, str]
) -> HeaderMap:
    """Map each header to a known column (directly or by an alias), or flag it."""
    known = list(known)
    to_known: dict[str, str] = {}
    ignored: list[str] = []
    problems: list[tuple[str, str]] = []
    first_for: dict[str, str] = {}
    for header in headers:
        key = canonical(header)
        target = key if key in known else aliases.get(key)
        if target is None:
            near = suggestion(key, known + list(aliases))
            if near is not None:
                meant = f"'{near}'" if near in known else f"'{near}' (read as '{aliases[near]}')"
                problems.append((header, f"unknown column; did you mean {meant}?"))
            else:
                ignored.append(header)
            continue
        if target in first_for:
            problems.append(
                (header, f"gives '{target}' as column {first_for[target]!r} does; keep one")
            )
            continue
        first_for[target] = header
        to_known[header] = target
    return HeaderMap(to_known, tuple(ignored), tuple(problems))
