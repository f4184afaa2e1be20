"""Every error the library raises on purpose. The CLI turns each into a one-line message
and a non-zero exit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class RotaError(Exception):
    """Base class: something the user can fix, with a message that says what."""


@dataclass(frozen=True)
class InputProblem:
    """One defect in an input file: where it is and what is wrong."""

    file: str
    row: int | None
    field: str | None
    message: str
    record_id: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.record_id:
            where.append(f"id {self.record_id}")
        if self.field:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}"


class InputFileError(RotaError):
    """An input file is malformed. Holds every problem found (up to a limit), each naming
    the file, the row (as a spreadsheet shows it: the header is row 1) and the field,
    so a user can fix them all in one go."""

    def __init__(self, problems: list[InputProblem]):
        self.problems = problems
        head = str(problems[0]) if problems else "invalid input"
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(head + more)

    def report(self) -> str:
        """One line per problem, in file and row order; a run of rows with the same problem
        in the same field (a whole column wrong) is one line naming the rows."""
        lines: list[str] = []
        run: list[InputProblem] = []
        for p in [*self.problems, None]:
            if run and p is not None and _same_problem(run[-1], p):
                run.append(p)
                continue
            if len(run) >= 3:
                rows = [r.row for r in run]
                shown = ", ".join(str(r) for r in rows[:3]) + (", ..." if len(rows) > 3 else "")
                field = f", field '{run[0].field}'" if run[0].field else ""
                lines.append(
                    f"{run[0].file}, rows {shown} ({len(rows)} rows){field}: {run[0].message}"
                )
            else:
                lines += [str(r) for r in run]
            run = [p] if p is not None else []
        return "\n".join(lines)

    def summary(self) -> str:
        """``'5 problems in 2 files (offenders.csv 4, officers.csv 1)'``."""
        by_file: dict[str, int] = {}
        for p in self.problems:
            by_file[p.file] = by_file.get(p.file, 0) + 1
        files = ", ".join(f"{Path(f).name} {n}" for f, n in by_file.items())
        n, k = len(self.problems), len(by_file)
        return f"{n} problem{'s' * (n != 1)} in {k} file{'s' * (k != 1)} ({files})"


def _same_problem(a: InputProblem, b: InputProblem) -> bool:
    return (
        a.file == b.file
        and a.field == b.field
        and a.message == b.message
        and a.row is not None
        and b.row is not None
    )


class UnknownScenarioError(RotaError):
    """A bundled scenario name that does not exist."""


class OutputExistsError(RotaError):
    """The output directory already holds a rota; refusing to overwrite stored work."""

    def __init__(self, path: Path):
        super().__init__(f"{path} already exists; choose another --out or pass --overwrite")


class PolicyError(RotaError):
    """A policy file that cannot be read or does not validate."""
