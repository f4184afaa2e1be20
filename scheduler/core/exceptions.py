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
        return "\n".join(str(p) for p in self.problems)


class UnknownScenarioError(RotaError):
    """A bundled scenario name that does not exist."""


class OutputExistsError(RotaError):
    """The output directory already holds a rota; refusing to overwrite stored work."""

    def __init__(self, path: Path):
        super().__init__(f"{path} already exists; choose another --out or pass --overwrite")


class PolicyError(RotaError):
    """A policy file that cannot be read or does not validate."""
