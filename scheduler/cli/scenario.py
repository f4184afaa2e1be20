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
@errors_to_exit
def scenario_cmd(name: str, out: Path, seed: int, overwrite: bool) -> None:
    """Write a bundled synthetic scenario (borough, met, national) as CSVs."""
    sc = bundled_scenario(name, seed)
    write_private_tree(register_files(sc.register), out, overwrite=overwrite)
    click.echo(
        f"Wrote {len(sc.register.offenders)} offenders and {len(sc.register.officers)} "
        f"officers ({sc.name}, week of {sc.week_start}) to {out}/"
    )
