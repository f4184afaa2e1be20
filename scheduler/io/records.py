"""Rows of a CSV or JSON input file, with every problem found in one pass.

Files come as spreadsheets export them: a UTF-8 byte-order mark, Windows line endings,
Title Case headers and extra columns are all fine (:mod:`scheduler.io.columns` maps the
headers). Problems are collected, not raised one at a time, so a user fixes a file in
one go: each names the file, the row as a spreadsheet numbers it (the header is row 1)
and the field.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scheduler.core.exceptions import InputFileError, InputProblem
from scheduler.io.columns import ColumnAliases, HeaderMap, map_headers
from scheduler.io.fields import FieldError, RowErrors, field_text

#: Problems kept per file; past it the file is not read further.
MAX_PROBLEMS = 50


class _Stop(Exception):
    """A problem that ends reading the file (unreadable text, a broken JSON document)."""

    def __init__(self, problem: InputProblem):
        self.problem = problem


def _csv_records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        msg = "is not UTF-8 text (save it as 'CSV UTF-8')"
        raise _Stop(InputProblem(str(path), line, None, msg)) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] = next(reader, [])
    skipped = 0
    while header and header[0].startswith("#"):  # leading comments, as a template has
        header, skipped = next(reader, []), skipped + 1
    # A spreadsheet shows each record as one row however many lines its cells span, and a
    # blank line as an empty row: count records, not lines.
    for row, values in enumerate(reader, start=2 + skipped):
        if not values or not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            # spreadsheets often pad rows with empty cells; a value past the header is wrong
            if any(v.strip() for v in values[len(header) :]):
                msg = "more values than header columns (a comma inside a value needs quotes)"
                raise _Stop(InputProblem(str(path), row, None, msg))
            values = values[: len(header)]
        yield row, dict(zip(header, values + [""] * (len(header) - len(values)), strict=True))


def _json_records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _Stop(InputProblem(str(path), None, None, f"not valid JSON: {exc}")) from None
    if isinstance(data, dict) and len(data) == 1:
        data = next(iter(data.values()))
    if not isinstance(data, list):
        raise _Stop(InputProblem(str(path), None, None, "expected a list of records"))
    for i, rec in enumerate(data, start=1):
        if not isinstance(rec, dict):
            raise _Stop(InputProblem(str(path), i, None, "record is not an object"))
        yield i, {str(k): _json_text(v) for k, v in rec.items()}


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def read_records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(row, record)`` from CSV or JSON as written (headers not mapped)."""
    try:
        if Path(path).suffix.lower() == ".json":
            yield from _json_records(Path(path))
        else:
            yield from _csv_records(Path(path))
    except _Stop as stop:
        raise InputFileError([stop.problem]) from None


@dataclass(frozen=True)
class FileSpec:
    """What a file kind holds: its columns (name -> description), those that must be
    there, sets of which at least one must be complete (e.g. lat+lon or postcode), and
    the record id column."""

    kind: str
    columns: dict[str, str]
    required: tuple[str, ...]
    either: tuple[tuple[str, ...], ...] = ()
    id_field: str = "id"


@dataclass
class FileRead:
    """A file's rows that parsed, the problems found, and notes (ignored columns)."""

    rows: list[tuple[int, Any]] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    records: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def _mapped(rec: dict[str, str], headers: HeaderMap) -> dict[str, str]:
    return {headers.to_known[k]: v for k, v in rec.items() if k in headers.to_known}


def _header_problems(
    path: Path, headers: HeaderMap, spec: FileSpec, row: int
) -> tuple[list[InputProblem], set[str]]:
    """Problems of one header (or JSON record's keys), and the columns it lacks."""
    present = set(headers.to_known.values())
    file = str(path)
    missing = {f for f in spec.required if f not in present}
    problems = [InputProblem(file, row, f, "required column is missing") for f in sorted(missing)]
    if spec.either and not any(set(group) <= present for group in spec.either):
        options = " or ".join("+".join(g) for g in spec.either)
        problems.append(InputProblem(file, row, None, f"no location columns: give {options}"))
        missing |= {f for g in spec.either for f in g}
    problems += [InputProblem(file, row, h, msg) for h, msg in headers.problems]
    return problems, missing


def read_rows(
    path: Path,
    spec: FileSpec,
    build: Callable[[dict[str, str], int], Any],
    accept: Callable[[Any, int], str | None] | None = None,
    aliases: ColumnAliases | None = None,
    prepare: Callable[[Sequence[dict[str, str]]], list[tuple[str, str]]] | None = None,
) -> FileRead:
    """Parse every row, collecting every problem (up to :data:`MAX_PROBLEMS`) instead of
    stopping at the first. ``accept`` may refuse a built record (e.g. a duplicate id);
    ``prepare`` sees all mapped records before any is built (to look up all postcodes
    at once) and returns file-level problems as ``(field, message)``: that field is then
    not reported again on every row."""
    path = Path(path)
    out = FileRead()
    if not path.is_file():
        out.problems.append(InputProblem(str(path), None, None, "file not found"))
        return out
    known_aliases = (aliases or ColumnAliases()).for_kind(spec.kind)
    try:
        raw = list(read_records(path))
    except InputFileError as exc:
        out.problems += exc.problems
        return out
    if not raw:
        out.problems.append(InputProblem(str(path), None, None, "file has no records"))
        return out
    header_cache: dict[tuple[str, ...], HeaderMap] = {}
    ignored: dict[str, None] = {}
    missing_by_row: dict[int, set[str]] = {}
    is_json = path.suffix.lower() == ".json"
    for i, (row, rec) in enumerate(raw):
        names = tuple(rec)
        if names not in header_cache:
            headers = map_headers(names, spec.columns, known_aliases)
            header_cache[names] = headers
            # a CSV header is checked once, on row 1; JSON records each carry their keys
            problems, missing = _header_problems(path, headers, spec, row if is_json else 1)
            if is_json:
                rid = field_text(_mapped(rec, headers), spec.id_field) or None
                problems = [dataclasses.replace(p, record_id=rid) for p in problems]
            if i == 0 or is_json:
                out.problems += problems
            ignored.update(dict.fromkeys(headers.ignored))
        else:
            _, missing = _header_problems(path, header_cache[names], spec, row)
        missing_by_row[row] = missing
        out.records.append((row, _mapped(rec, header_cache[names])))
    if ignored:
        out.notes.append(f"{path}: ignored column(s) that rota does not use: {', '.join(ignored)}")
    file_wide: set[str] = set()
    if prepare is not None:
        for name, message in prepare([r for _, r in out.records]):
            out.problems.append(InputProblem(str(path), None, name, message))
            file_wide.add(name)
    for row, rec in out.records:
        if len(out.problems) >= MAX_PROBLEMS:
            break
        rid = field_text(rec, spec.id_field) or None
        skip = missing_by_row[row] | file_wide  # reported once, not on every row
        try:
            obj = build(rec, row)
        except RowErrors as exc:
            out.problems += [
                InputProblem(str(path), row, e.field, str(e), rid)
                for e in exc.errors
                if e.field not in skip
            ]
        except FieldError as exc:
            if exc.field not in skip:
                out.problems.append(InputProblem(str(path), row, exc.field, str(exc), rid))
        else:
            refusal = accept(obj, row) if accept is not None else None
            if refusal is None:
                out.rows.append((row, obj))
            else:
                out.problems.append(InputProblem(str(path), row, spec.id_field, refusal, rid))
    del out.problems[MAX_PROBLEMS:]
    return out


def parse_rows(
    path: Path,
    build: Callable[[dict[str, str], int], Any],
    known: dict[str, str],
    required: tuple[str, ...],
    id_field: str = "id",
    accept: Callable[[Any, int], str | None] | None = None,
    kind: str = "",
    notes: list[str] | None = None,
) -> list[tuple[int, Any]]:
    """:func:`read_rows` for one file on its own: raises :class:`InputFileError` with every
    problem; ignored columns are appended to ``notes`` when given."""
    spec = FileSpec(kind, known, required, id_field=id_field)
    result = read_rows(path, spec, build, accept)
    if notes is not None:
        notes += result.notes
    if result.problems:
        raise InputFileError(result.problems)
    return result.rows


def unique_ids(id_field: str = "id") -> Callable[[Any, int], str | None]:
    """An ``accept`` that refuses a second record with an id already seen."""
    seen: dict[str, int] = {}

    def first_time(obj: Any, row: int) -> str | None:
        key = getattr(obj, id_field)
        if key in seen:
            return f"duplicate id (first on row {seen[key]})"
        seen[key] = row
        return None

    return first_time


def record_ids(records: Iterable[tuple[int, dict[str, str]]], id_field: str = "id") -> set[str]:
    """Every id a file's records give, valid rows or not (so an offender whose manager's
    row has a defect is not also reported as having an unknown manager)."""
    return {v for _, rec in records if (v := field_text(rec, id_field))}
