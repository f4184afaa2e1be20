"""``rota formats``: the input files' columns, so a unit can map its export to them; and,
with ``--json-schema``, the JSON Schema of a command's ``--json`` output."""

from __future__ import annotations

import click

from scheduler.io.loaders import OFFENDER_COLUMNS, OFFICER_COLUMNS
from scheduler.io.outcomes import OUTCOME_COLUMNS
from scheduler.io.report import wrap
from scheduler.io.schemas import schema_names, schema_text


@click.command("formats")
@click.option(
    "--json-schema",
    "schema",
    type=click.Choice(schema_names()),
    metavar="NAME",
    help="Print the JSON Schema of command NAME's --json output instead: "
    + ", ".join(schema_names())
    + ".",
)
def formats_cmd(schema: str | None) -> None:
    """Describe the input CSV columns (or a command's --json output)."""
    if schema is not None:
        click.echo(schema_text(schema), nl=False)
        return
    for title, cols in (
        ("offenders", OFFENDER_COLUMNS),
        ("officers", OFFICER_COLUMNS),
        ("outcomes", OUTCOME_COLUMNS),
    ):
        click.echo(f"{title}.csv")
        for name, text in cols.items():
            click.echo(wrap(text, indent=" " * 18, first=f"  {name:<16}"))
        click.echo("")
