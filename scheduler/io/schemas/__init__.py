"""JSON Schemas (draft 2020-12) of what each command prints with ``--json``: a script
that reads the output can rely on them, and the tests validate every command's output
against its schema. ``rota formats --json-schema NAME`` prints one."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

SUFFIX = ".schema.json"


def schema_names() -> list[str]:
    """The commands with a schema: ``plan``, ``check``, ..., ``postcodes-lookup`` (a
    subcommand's name joined to its group's by a hyphen)."""
    files = resources.files(__name__).iterdir()
    return sorted(f.name.removesuffix(SUFFIX) for f in files if f.name.endswith(SUFFIX))


def schema_text(name: str) -> str:
    """The schema of ``name``'s ``--json`` output as stored; KeyError for an unknown name."""
    if name not in schema_names():
        raise KeyError(name)
    return resources.files(__name__).joinpath(name + SUFFIX).read_text(encoding="utf-8")


def load_schema(name: str) -> dict[str, Any]:
    """The schema of ``name``'s ``--json`` output as a dict."""
    schema: dict[str, Any] = json.loads(schema_text(name))
    return schema


__all__ = ["load_schema", "schema_names", "schema_text"]
