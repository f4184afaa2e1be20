"""Option bundles shared by commands that read a register."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


def register_source_options(verb: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--scenario``, ``--offenders`` and ``--officers``: a bundled scenario or your files."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn = click.option(
            "--officers", type=click.Path(path_type=Path), help="Officers CSV or JSON."
        )(fn)
        fn = click.option(
            "--offenders", type=click.Path(path_type=Path), help="Offenders CSV or JSON."
        )(fn)
        return click.option(
            "--scenario",
            default="borough",
            show_default=True,
            help=f"Bundled scenario to {verb} when no CSVs are given (borough, met, national).",
        )(fn)

    return decorate
