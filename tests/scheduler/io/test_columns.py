"""Headers as spreadsheets export them mapped to the columns the loaders know: canonical
form, built-in and user aliases, a near miss refused with a "did you mean", anything else
ignored and listed, and two headers for one column refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.core.exceptions import PolicyError
from scheduler.io.columns import (
    BUILTIN_ALIASES,
    ColumnAliases,
    canonical,
    load_aliases,
    map_headers,
)
from scheduler.io.loaders import OFFENDER_COLUMNS, OFFICER_COLUMNS

KNOWN = {"offenders": OFFENDER_COLUMNS, "officers": OFFICER_COLUMNS}


def offender_headers(*headers: str, aliases: ColumnAliases | None = None):
    return map_headers(
        headers, OFFENDER_COLUMNS, (aliases or ColumnAliases()).for_kind("offenders")
    )


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("Risk Level", "risk_level"),
        (" Risk  Level ", "risk_level"),
        ("Last-Visit (date)", "last_visit_date"),
        ("MAPPA Level", "mappa_level"),
        ("\ufeffID", "id"),
        ("manager_id", "manager_id"),
    ],
)
def test_canonical_form(header: str, name: str) -> None:
    assert canonical(header) == name


def test_builtin_aliases_point_at_known_columns() -> None:
    for kind, aliases in BUILTIN_ALIASES.items():
        assert set(aliases.values()) <= set(KNOWN[kind]), kind
        assert not set(aliases) & set(KNOWN[kind]), kind  # an alias never hides a column


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Risk Level", "tier"),
        ("RISK LEVEL", "tier"),
        ("Last Visit", "last_visit"),
        ("Last Visit Date", "last_visit"),
        ("Tier", "tier"),
        ("Manager ID", "manager_id"),
        ("Offender Manager", "manager_id"),
        ("Post Code", "postcode"),
        ("Longitude", "lon"),
        ("MAPPA Level", "mappa_level"),
        ("Two Officer Visit", "two_officers"),
    ],
)
def test_builtin_alias_maps_a_header(header: str, column: str) -> None:
    headers = offender_headers(header)
    assert headers.to_known == {header: column}
    assert headers.problems == () and headers.ignored == ()


def test_officer_headers_have_their_own_aliases() -> None:
    headers = map_headers(
        ["Officer ID", "Postcode", "Working Pattern"],
        OFFICER_COLUMNS,
        ColumnAliases().for_kind("officers"),
    )
    assert headers.to_known == {
        "Officer ID": "id",
        "Postcode": "base_postcode",
        "Working Pattern": "shifts",
    }


def test_near_miss_column_is_refused_with_did_you_mean() -> None:
    headers = offender_headers("ID", "Tierr", "Manger ID", "Risk Levle")
    assert headers.to_known == {"ID": "id"}
    assert headers.problems == (
        ("Tierr", "unknown column; did you mean 'tier'?"),
        ("Manger ID", "unknown column; did you mean 'manager_id'?"),
        ("Risk Levle", "unknown column; did you mean 'risk_level' (read as 'tier')?"),
    )


def test_other_unknown_column_is_ignored_and_listed() -> None:
    headers = offender_headers("ID", "Notes", "Date of Birth Redacted")
    assert headers.to_known == {"ID": "id"}
    assert headers.ignored == ("Notes", "Date of Birth Redacted")
    assert headers.problems == ()


@pytest.mark.parametrize(
    ("first", "second", "target"),
    [
        ("Risk Level", "Tier", "tier"),
        ("Tier", "Risk Level", "tier"),
        ("tier", "TIER", "tier"),
        ("Latitude", "lat", "lat"),
    ],
)
def test_two_headers_for_one_column_is_a_problem(first: str, second: str, target: str) -> None:
    mapped = offender_headers(first, second)
    assert mapped.to_known == {first: target}  # the first is read, the second refused
    assert mapped.problems == ((second, f"gives '{target}' as column {first!r} does; keep one"),)


# ---- the user's own aliases (--columns) ---------------------------------------------------


def test_user_aliases_from_toml(input_path) -> None:
    aliases = load_aliases(input_path("columns_own_headers.toml"), KNOWN)
    offenders = offender_headers("RM2000 Score", "Home", aliases=aliases)
    assert offenders.to_known == {"RM2000 Score": "tier", "Home": "postcode"}
    officers = map_headers(["Collar No", "Station"], OFFICER_COLUMNS, aliases.for_kind("officers"))
    assert officers.to_known == {"Collar No": "id", "Station": "base_postcode"}


def test_user_alias_wins_over_a_builtin(tmp_path: Path) -> None:
    path = tmp_path / "columns.toml"
    path.write_text('[offenders]\n"Risk" = "mappa_level"\n')
    aliases = load_aliases(path, KNOWN)
    assert offender_headers("Risk", aliases=aliases).to_known == {"Risk": "mappa_level"}


def test_no_toml_means_only_builtin_aliases() -> None:
    assert load_aliases(None, KNOWN) == ColumnAliases()


def test_toml_target_that_is_not_a_column_is_a_clear_error(input_path) -> None:
    path = input_path("columns_target_not_a_column.toml")
    with pytest.raises(PolicyError) as info:
        load_aliases(path, KNOWN)
    message = str(info.value)
    assert message.startswith(f"{path}: [offenders] 'Risk Score' = 'risk_band': 'risk_band' is not")
    assert "column of the offenders file" in message
    assert "manager_id" in message and "tier" in message  # the columns it could be are listed


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ('[visits]\n"A" = "id"\n', "unknown table [visits] (expected offenders, officers)"),
        ('[offenders]\n"A" = 3\n', 'must map header names to column names: "A" = "b"'),
        ("[offenders\n", "line 1"),
    ],
    ids=["unknown table", "not a name", "not toml"],
)
def test_bad_alias_file_names_itself(text: str, phrase: str, tmp_path: Path) -> None:
    path = tmp_path / "columns.toml"
    path.write_text(text)
    with pytest.raises(PolicyError) as info:
        load_aliases(path, KNOWN)
    assert str(info.value).startswith(f"{path}: ")
    assert phrase in str(info.value)


def test_missing_alias_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="No such file"):
        load_aliases(tmp_path / "none.toml", KNOWN)
