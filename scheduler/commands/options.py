"""Option bundles shared by commands that read a register."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import BaseModel, ValidationError

from scheduler.exceptions import PolicyError

M = TypeVar("M", bound=BaseModel)


def load_settings(model: type[M], path: Path | None) -> M:
    """A TOML settings file (policy, event rates) validated into ``model``; its defaults
    when no file is given. Errors name the file and the first bad field."""
    if path is None:
        return model()
    try:
        with open(path, "rb") as fh:
            return model.model_validate(tomllib.load(fh))
    except (OSError, ValueError) as exc:
        detail = str(exc)
        if isinstance(exc, ValidationError):
            e = exc.errors()[0]
            where = ".".join(str(p) for p in e["loc"])
            detail = f"field '{where}': {e['msg']}" if where else e["msg"]
        raise PolicyError(f"{path}: {detail}") from None


def register_source_options(
    verb: str, default: str | None = "borough"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--scenario``, ``--offenders`` and ``--officers``: a bundled scenario or your files
    (``default`` None: neither unless asked for)."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn = click.option(
            "--officers", type=click.Path(path_type=Path), help="Officers CSV or JSON."
        )(fn)
        fn = click.option(
            "--offenders", type=click.Path(path_type=Path), help="Offenders CSV or JSON."
        )(fn)
        when = "when no CSVs are given " if default else ""
        return click.option(
            "--scenario",
            default=default,
            show_default=default is not None,
            help=f"Bundled scenario to {verb} {when}(borough, met, national).",
        )(fn)

    return decorate
