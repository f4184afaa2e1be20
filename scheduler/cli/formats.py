"""``rota formats``: the input files' columns, so a unit can map its export to them."""

from __future__ import annotations

import click

from scheduler.io.loaders import OFFENDER_COLUMNS, OFFICER_COLUMNS
from scheduler.io.outcomes import OUTCOME_COLUMNS
from scheduler.io.report import wrap


@click.command("formats")
def formats_cmd() -> None:
    """Describe the input CSV columns."""
    for title, cols in (
        ("offenders", OFFENDER_COLUMNS),
        ("officers", OFFICER_COLUMNS),
        ("outcomes", OUTCOME_COLUMNS),
    ):
        click.echo(f"{title}.csv")
        for name, text in cols.items():
            click.echo(wrap(text, indent=" " * 18, first=f"  {name:<16}"))
        click.echo("")
