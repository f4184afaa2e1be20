"""An input error's report: one line per problem, a run of rows with the same problem as
one line naming the rows, and a count of problems per file to close it."""

from __future__ import annotations

from scheduler.core.exceptions import InputFileError, InputProblem

MANAGER = "officer 'OM-Z' is not in the officers file"


def unknown_manager(row: int, file: str = "offenders.csv") -> InputProblem:
    return InputProblem(file, row, "manager_id", MANAGER, f"RSO-{row}")


def test_problem_names_file_row_id_and_field() -> None:
    assert (
        str(unknown_manager(3)) == f"offenders.csv, row 3, id RSO-3, field 'manager_id': {MANAGER}"
    )
    assert str(InputProblem("o.csv", None, None, "file not found")) == "o.csv: file not found"


def test_run_of_the_same_problem_is_one_line() -> None:
    error = InputFileError([unknown_manager(r) for r in (2, 3, 4, 5, 6)])
    assert error.report() == (
        f"offenders.csv, rows 2, 3, 4, ... (5 rows), field 'manager_id': {MANAGER}"
    )


def test_run_of_three_names_every_row() -> None:
    error = InputFileError([unknown_manager(r) for r in (2, 3, 4)])
    assert error.report() == f"offenders.csv, rows 2, 3, 4 (3 rows), field 'manager_id': {MANAGER}"


def test_two_alike_stay_two_lines() -> None:
    error = InputFileError([unknown_manager(2), unknown_manager(3)])
    assert error.report().splitlines() == [str(unknown_manager(2)), str(unknown_manager(3))]


def test_runs_break_at_another_problem_or_file() -> None:
    other = InputProblem("offenders.csv", 5, "tier", "'x': unknown value", "RSO-5")
    problems = [unknown_manager(r) for r in (2, 3, 4)] + [other]
    problems += [unknown_manager(r, "other.csv") for r in (2, 3, 4)]
    lines = InputFileError(problems).report().splitlines()
    assert lines == [
        f"offenders.csv, rows 2, 3, 4 (3 rows), field 'manager_id': {MANAGER}",
        str(other),
        f"other.csv, rows 2, 3, 4 (3 rows), field 'manager_id': {MANAGER}",
    ]


def test_file_wide_problems_never_collapse() -> None:
    wide = InputProblem("o.csv", None, "postcode", "no index")
    assert InputFileError([wide, wide, wide]).report().splitlines() == [str(wide)] * 3


def test_summary_counts_problems_per_file() -> None:
    problems = [unknown_manager(2, "/x/offenders.csv"), unknown_manager(3, "/x/offenders.csv")]
    problems.append(InputProblem("/x/officers.csv", 2, "visit_hours", "bad"))
    assert InputFileError(problems).summary() == (
        "3 problems in 2 files (offenders.csv 2, officers.csv 1)"
    )
    assert InputFileError(problems[:1]).summary() == "1 problem in 1 file (offenders.csv 1)"
