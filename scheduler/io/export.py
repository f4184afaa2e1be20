"""Write a rota to disk: all or nothing, readable only by its owner.

Files are written into a private staging directory beside the target and moved into place
in one rename, so an interrupted run leaves no partial output and never damages an
existing rota.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

from models import Register, Rota
from scheduler.core.exceptions import OutputExistsError, RotaError
from scheduler.io.loaders import csv_text
from scheduler.io.officer_files import OFFICERS_DIR, officer_files
from scheduler.io.report import rota_summary
from scheduler.io.rota_rows import (
    UNSCHEDULED_COLUMNS,
    VISIT_COLUMNS,
    unscheduled_rows,
    visit_rows,
)

#: Where ``--out`` puts what: the manager's folder holds the whole week, the audit record
#: (with the secret seed) and the outcomes template; officers' files sit apart, each an
#: officer's own visits and nothing else.
MANAGER_DIR = "manager"


def outcomes_template(rota: Rota) -> str:
    """One row per planned visit with the outcome blank, for ``rota record`` once filled
    in; the leading comment lists every outcome value (``rota record`` skips it)."""
    from scheduler.io.outcomes import template_text

    return template_text(rota)


def rota_files(
    rota: Rota,
    register: Register,
    *,
    issued: datetime,
    day: date | None = None,
    addresses: Mapping[str, str] | None = None,
) -> dict[str, str | bytes]:
    """Every output file's relative path and content: the manager's folder (the whole
    week, ``audit.json`` with the secret seed, the outcomes template) and the officers'
    folder (:func:`~scheduler.io.officer_files.officer_files`: each officer's sheet and
    calendar, of ``day`` only when given, with ``addresses`` only when given)."""
    m = MANAGER_DIR
    files: dict[str, str | bytes] = {
        f"{m}/visits.csv": csv_text(visit_rows(rota), VISIT_COLUMNS),
        f"{m}/unscheduled.csv": csv_text(unscheduled_rows(rota), UNSCHEDULED_COLUMNS),
        f"{m}/rota.json": rota.model_dump_json(indent=1, exclude={"audit"}),
        f"{m}/summary.json": json.dumps(rota_summary(rota, register), indent=1),
        f"{m}/outcomes.csv": outcomes_template(rota),
    }
    if rota.audit is not None:
        files[f"{m}/audit.json"] = rota.audit.model_dump_json(indent=1)
    files.update(officer_files(rota, register, issued=issued, day=day, addresses=addresses))
    return files


def written_note(out: Path, day: date | None = None, addresses: bool = False) -> str:
    """What ``--out`` wrote, for the command's last line."""
    held = f"{day:%a %d %b}'s visits" if day else "the week's visits"
    extra = ", with addresses" if addresses else ""
    return (
        f"Wrote rota to {out}/: {MANAGER_DIR}/ (visits.csv, unscheduled.csv, rota.json, "
        f"summary.json, audit.json, outcomes.csv: for the manager only) and "
        f"{OFFICERS_DIR}/ (each officer's CSV and .ics calendar: {held}{extra})"
    )


def check_output(out: Path, overwrite: bool) -> None:
    """Refuse an ``out`` that is not a directory, or that holds files unless ``overwrite``."""
    if out.exists() and not out.is_dir():
        raise RotaError(f"{out} exists and is not a directory; choose another --out")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise OutputExistsError(out)


def write_private_tree(
    files: Mapping[str, str | bytes], out: Path, overwrite: bool = False
) -> Path:
    """Write ``files`` (text, or bytes such as PNG plots) under ``out`` atomically,
    directories 0700 and files 0600."""
    out = Path(out)
    check_output(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for rel, text in files.items():
            path = staging / rel
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            if isinstance(text, bytes):
                with os.fdopen(fd, "wb") as bh:
                    bh.write(text)
                continue
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        os.chmod(staging, 0o700)
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out, old)
            os.replace(staging, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


__all__ = [
    "MANAGER_DIR",
    "OFFICERS_DIR",
    "UNSCHEDULED_COLUMNS",
    "VISIT_COLUMNS",
    "check_output",
    "rota_files",
    "unscheduled_rows",
    "visit_rows",
    "write_private_tree",
    "write_rota",
    "write_private_file",
    "written_note",
]


def write_rota(
    rota: Rota,
    register: Register,
    out: Path,
    overwrite: bool = False,
    *,
    issued: datetime,
    day: date | None = None,
    addresses: Mapping[str, str] | None = None,
) -> Path:
    """Write :func:`rota_files` under ``out`` at once (see :func:`write_private_tree`)."""
    files = rota_files(rota, register, issued=issued, day=day, addresses=addresses)
    return write_private_tree(files, out, overwrite)


def write_private_file(data: str | bytes, path: Path, overwrite: bool = False) -> Path:
    """Write one file (an HTML report) atomically and owner-only (0600; a missing folder
    0700): staged beside ``path`` and renamed into place, so a reader never sees half a
    file; an existing file is kept unless ``overwrite``."""
    path = Path(path)
    if path.is_dir():
        raise RotaError(f"{path} is a directory; give a file name")
    if path.exists() and not overwrite:
        raise RotaError(f"{path} already exists; choose another file or pass --overwrite")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(staging, 0o600)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return path
