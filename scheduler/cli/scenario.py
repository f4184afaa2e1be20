"""``rota scenario``: write a bundled synthetic scenario as the CSVs a unit would give."""

from __future__ import annotations

from pathlib import Path

import click

from scheduler.cli.common import bundled_scenario, errors_to_exit
from scheduler.io.export import write_private_tree
from scheduler.io.loaders import register_files


@click.command("scenario")
@click.argument("name")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Directory for offenders.csv and officers.csv.",
)
@click.option(
    "--seed",
    type=int,
    default=20261130,
    show_default=True,
    help="Generator seed (scenarios are synthetic and reproducible).",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing output directory.")
@click.option(
    "--spreadsheet",
    is_flag=True,
    help="Write it as a unit's spreadsheet export: Title Case headers, 'Very High', UK "
    "dates, a byte-order mark, Windows line endings and an extra column.",
)
@click.option(
    "--with-postcodes",
    "with_postcodes",
    is_flag=True,
    help="Give homes and bases as the nearest postcode of the index instead of lat/lon "
    "(implies --spreadsheet; import the sample first: rota postcodes import --sample).",
)
@click.option(
    "--postcodes",
    "index_path",
    type=click.Path(path_type=Path),
    help="Postcode index for --with-postcodes (default: the one 'rota postcodes import' wrote).",
)
@errors_to_exit
def scenario_cmd(
    name: str,
    out: Path,
    seed: int,
    overwrite: bool,
    spreadsheet: bool,
    with_postcodes: bool,
    index_path: Path | None,
) -> None:
    """Write a bundled synthetic scenario (borough, met, national) as CSVs."""
    sc = bundled_scenario(name, seed)
    files: dict[str, str] | dict[str, bytes] = register_files(sc.register)
    if spreadsheet or with_postcodes:
        from scheduler.io.postcodes import require_index
        from scheduler.io.spreadsheet import spreadsheet_files

        index = require_index(index_path) if with_postcodes else None
        files = spreadsheet_files(sc.register, index)
    write_private_tree(files, out, overwrite=overwrite)
    click.echo(
        f"Wrote {len(sc.register.offenders)} offenders and {len(sc.register.officers)} "
        f"officers ({sc.name}, week of {sc.week_start}) to {out}/"
    )
