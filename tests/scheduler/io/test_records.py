"""A unit's register files read as a spreadsheet exports them (byte-order mark, Windows line
endings, Title Case headers, extra columns), with every problem of both files found in
one pass, each naming file, row and field; what is wrong with a whole file or column is
said once, not on every row.

The files are the ``export_*`` fixtures in ``tests/data/inputs`` (see
``tests/conftest.py``), located with the bundled postcode sample.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from data.postcode_sample import SAMPLE
from models import OffenderStatus, RiskTier
from scheduler.core.exceptions import InputFileError
from scheduler.io.columns import ColumnAliases
from scheduler.io.fields import FieldError, required_field
from scheduler.io.loaders import OFFENDER_COLUMNS, OFFICER_COLUMNS, load_register, read_register
from scheduler.io.locate import Locator
from scheduler.io.postcodes import PostcodeIndex, build_index
from scheduler.io.records import MAX_PROBLEMS, FileSpec, read_records, read_rows, record_ids
from tests.conftest import WEEK
from tests.scheduler.io.test_fields import assert_plain

InputPath = Callable[[str], Path]


@pytest.fixture(scope="module")
def sample_index() -> PostcodeIndex:
    return build_index([SAMPLE])


def read_pair(
    input_path: InputPath,
    offenders: str,
    officers: str = "export_officers.csv",
    locator: Locator | None = None,
    aliases: ColumnAliases | None = None,
    index: PostcodeIndex | None = None,
):
    return read_register(
        input_path(offenders),
        input_path(officers),
        WEEK,
        locator or Locator(index),
        aliases,
    )


# ---- reading records ------------------------------------------------------------------------


def test_export_is_read_despite_bom_and_crlf(export_offenders_csv: Path) -> None:
    raw = export_offenders_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # what the fixture is about
    rows = list(read_records(export_offenders_csv))
    assert [r for r, _ in rows] == list(range(2, 10))
    first = rows[0][1]
    assert list(first)[:3] == ["ID", "Risk Level", "Manager ID"]  # no BOM on the first header
    assert first["Notes"] == "see case file"
    assert all(not v.endswith("\r") for _, rec in rows for v in rec.values())


def test_spreadsheet_export_loads(input_path: InputPath, sample_index: PostcodeIndex) -> None:
    result = read_pair(input_path, "export_offenders.csv", index=sample_index)
    assert result.problems == ()
    offenders = {o.id: o for o in result.register.offenders}
    officers = {o.id: o for o in result.register.officers}
    assert len(offenders) == 8 and sorted(officers) == ["OM-A", "OM-B"]
    assert offenders["RSO-000002"].tier is RiskTier.VERY_HIGH  # "Very High"
    assert offenders["RSO-000002"].two_officers  # "Yes"
    assert offenders["RSO-000002"].mappa_level == 2
    assert offenders["RSO-000001"].last_visit == date(2026, 8, 7)  # 07/08/2026, day first
    assert offenders["RSO-000008"].last_visit == date(2026, 9, 3)  # 3/9/2026
    assert offenders["RSO-000005"].last_visit is None
    assert offenders["RSO-000007"].status is OffenderStatus.IN_CUSTODY  # "In Custody"
    # "cr5 3bl" and "CR54DE" located as CR5 3BL and CR5 4DE (sample rows 1 and 2)
    assert offenders["RSO-000002"].home.lat == pytest.approx(51.299848, abs=1e-5)
    assert offenders["RSO-000003"].home.lon == pytest.approx(-0.164356, abs=1e-5)
    assert officers["OM-A"].visit_hours == 4.0  # "4h"
    assert officers["OM-B"].visit_hours == 4.5  # "4:30"
    assert officers["OM-A"].base.lat == pytest.approx(51.358771, abs=1e-5)  # CR2 3RW
    assert result.notes == (
        f"{input_path('export_officers.csv')}: ignored column(s) that rota does not use: "
        "Radio Call Sign",
        f"{input_path('export_offenders.csv')}: ignored column(s) that rota does not use: Notes",
    )


def test_load_register_appends_the_notes(input_path: InputPath, sample_index) -> None:
    notes: list[str] = []
    load_register(
        input_path("export_offenders.csv"),
        input_path("export_officers.csv"),
        WEEK,
        Locator(sample_index),
        notes=notes,
    )
    assert [n.rsplit(": ", 1)[1] for n in notes] == ["Radio Call Sign", "Notes"]


# ---- every problem in one pass ----------------------------------------------------------------


def test_five_defects_are_all_reported_at_once(input_path: InputPath, sample_index) -> None:
    offenders = str(input_path("export_five_defects_offenders.csv"))
    officers = str(input_path("export_visit_hours_in_words_officers.csv"))
    result = read_pair(
        input_path,
        "export_five_defects_offenders.csv",
        "export_visit_hours_in_words_officers.csv",
        index=sample_index,
    )
    assert result.register is None
    found = [(p.file, p.row, p.field, p.record_id) for p in result.problems]
    assert found == [
        (officers, 3, "visit_hours", "OM-B"),
        (offenders, 1, "Two Officrs", None),
        (offenders, 3, "manager_id", "RSO-000002"),
        (offenders, 4, "last_visit", "RSO-000003"),
        (offenders, 5, "postcode", "RSO-000004"),
        (offenders, 6, "id", "John Smith"),
    ]
    messages = [p.message for p in result.problems]
    assert messages[0] == "'four': not a number of hours (write e.g. 4, 4.5 or 4:30)"
    assert messages[1] == "unknown column; did you mean 'two_officers'?"
    assert messages[2] == "officer 'OM-Q' is not in the officers file"
    assert "reads as month/day/year" in messages[3]
    assert messages[4].startswith("ZZ9 9ZZ is not in the postcode index")
    assert "use the pseudonymous id, never a name" in messages[5]
    for message in messages:
        assert_plain(message)
    # OM-B's row is defective but OM-B is in the file: its offenders are not also unknown
    assert not any(p.message.startswith("officer 'OM-B'") for p in result.problems)


def test_near_miss_tier_value_gets_did_you_mean(input_path: InputPath, sample_index) -> None:
    result = read_pair(input_path, "export_near_miss_tier_offenders.csv", index=sample_index)
    assert [(p.row, p.field) for p in result.problems] == [(2, "tier"), (3, "tier")]
    assert "'Hihg': unknown value (did you mean 'high'?" in result.problems[0].message
    assert "'Very Hgih': unknown value (did you mean 'very_high'?" in result.problems[1].message


def test_two_headers_for_one_column(input_path: InputPath, sample_index) -> None:
    result = read_pair(
        input_path, "export_two_headers_one_column_offenders.csv", index=sample_index
    )
    (problem,) = result.problems
    assert (problem.row, problem.field) == (1, "Tier")
    assert problem.message == "gives 'tier' as column 'Risk Level' does; keep one"


def test_missing_index_is_one_problem_per_file(input_path: InputPath, tmp_path: Path) -> None:
    missing = tmp_path / "none.npz"
    result = read_pair(input_path, "export_offenders.csv", locator=Locator(missing))
    assert [(Path(p.file).name, p.row, p.field) for p in result.problems] == [
        ("export_officers.csv", None, "base_postcode"),
        ("export_offenders.csv", None, "postcode"),
    ]
    assert all(
        p.message.startswith(f"postcodes given but {missing}: no postcode index here")
        for p in result.problems
    )


def test_user_aliases_read_a_units_own_headers(input_path: InputPath, sample_index) -> None:
    from scheduler.io.columns import load_aliases

    aliases = load_aliases(
        input_path("columns_own_headers.toml"),
        {"offenders": OFFENDER_COLUMNS, "officers": OFFICER_COLUMNS},
    )
    result = read_pair(
        input_path,
        "export_own_headers_offenders.csv",
        "export_own_headers_officers.csv",
        aliases=aliases,
        index=sample_index,
    )
    assert result.problems == ()
    assert {o.id: o.tier for o in result.register.offenders} == {
        "RSO-000001": RiskTier.HIGH,
        "RSO-000002": RiskTier.VERY_HIGH,
    }
    # without them the headers are columns rota does not know
    plain = read_pair(
        input_path,
        "export_own_headers_offenders.csv",
        "export_own_headers_officers.csv",
        index=sample_index,
    )
    assert {(p.row, p.field) for p in plain.problems} >= {(1, "id"), (1, "tier")}


# ---- read_rows on its own ---------------------------------------------------------------------

SPEC = FileSpec("things", {"id": "id", "size": "a number"}, ("id", "size"))


def build_thing(rec: dict[str, str], _row: int) -> tuple[str, int]:
    size = required_field(rec, "size")
    if not size.isdigit():
        raise FieldError("size", f"{size!r} is not a whole number")
    return rec["id"], int(size)


def test_missing_column_is_reported_once_not_per_row(tmp_path: Path) -> None:
    path = tmp_path / "things.csv"
    path.write_text("ID\n" + "".join(f"T{i}\n" for i in range(10)))
    result = read_rows(path, SPEC, build_thing)
    assert [(p.row, p.field, p.message) for p in result.problems] == [
        (1, "size", "required column is missing")
    ]


def test_problems_are_capped(tmp_path: Path) -> None:
    path = tmp_path / "things.csv"
    path.write_text("id,size\n" + "".join(f"T{i},big\n" for i in range(MAX_PROBLEMS + 20)))
    result = read_rows(path, SPEC, build_thing)
    assert len(result.problems) == MAX_PROBLEMS
    assert result.problems[-1].row == MAX_PROBLEMS + 1


def test_file_wide_problem_from_prepare_is_not_repeated(tmp_path: Path) -> None:
    path = tmp_path / "things.csv"
    path.write_text("id,size\nT1,big\nT2,big\n")

    def prepare(records):
        assert [r["id"] for r in records] == ["T1", "T2"]  # all of them, before any is built
        return [("size", "sizes cannot be read today")]

    result = read_rows(path, SPEC, build_thing, prepare=prepare)
    assert [(p.row, p.field, p.message) for p in result.problems] == [
        (None, "size", "sizes cannot be read today")
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"", (None, None, "file has no records")),
        (b"id,size\n", (None, None, "file has no records")),
        (b"id,size\nT1,3,extra\n", (2, None, "more values than header columns")),
        (b"id,size\nT\xe91,3\n", (2, None, "is not UTF-8 text (save it as 'CSV UTF-8')")),
    ],
    ids=["empty", "header only", "extra value", "not utf-8"],
)
def test_unreadable_file_is_one_problem(tmp_path: Path, text: bytes, problem) -> None:
    path = tmp_path / "things.csv"
    path.write_bytes(text)
    result = read_rows(path, SPEC, build_thing)
    assert len(result.problems) == 1
    p = result.problems[0]
    assert (p.file, p.row, p.field) == (str(path), problem[0], problem[1])
    assert p.message.startswith(problem[2])


def test_a_missing_file_is_one_problem(tmp_path: Path) -> None:
    result = read_rows(tmp_path / "none.csv", SPEC, build_thing)
    assert [(p.row, p.message) for p in result.problems] == [(None, "file not found")]


def test_padding_cells_and_blank_rows_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "things.csv"
    path.write_bytes(b"\xef\xbb\xbfId,Size\r\nT1,3,,\r\n,\r\n\r\nT2,4\r\n")
    result = read_rows(path, SPEC, build_thing)
    assert result.problems == []
    assert result.rows == [(2, ("T1", 3)), (5, ("T2", 4))]
    assert record_ids(result.records) == {"T1", "T2"}


def test_load_register_raises_every_problem(input_path: InputPath, sample_index) -> None:
    with pytest.raises(InputFileError) as info:
        load_register(
            input_path("export_five_defects_offenders.csv"),
            input_path("export_visit_hours_in_words_officers.csv"),
            WEEK,
            Locator(sample_index),
        )
    assert len(info.value.problems) == 6
