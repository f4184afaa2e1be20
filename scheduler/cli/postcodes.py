"""``rota postcodes``: build the local postcode index from a centroid file, once, and look
postcodes up in it. Everything stays on this machine."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from scheduler.cli.common import errors_to_exit


@click.group("postcodes")
def postcodes_cmd() -> None:
    """Locate postcodes offline: import a postcode directory, look postcodes up."""


@postcodes_cmd.command("import")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--layout",
    type=click.Choice(["onspd", "codepoint"]),
    help="Name the file layout (default: detected from the first row).",
)
@click.option(
    "--index",
    "index_path",
    type=click.Path(path_type=Path),
    help="Where to write the index (default: $ROTA_POSTCODES or "
    "~/.local/share/rota/postcodes.npz).",
)
@click.option("--sample", is_flag=True, help="Import the bundled synthetic sample (for the demo).")
@errors_to_exit
def import_cmd(
    files: tuple[Path, ...], layout: str | None, index_path: Path | None, sample: bool
) -> None:
    """Build the postcode index from ONSPD or Code-Point Open CSV FILES (or folders).

    The ONS Postcode Directory (ONSPD) and Ordnance Survey Code-Point Open are free
    downloads; import them once, and plans locate postcodes from the index with no
    network. The index is written owner-only.
    """
    from data.postcode_sample import SAMPLE
    from scheduler.io.postcodes import Layout, build_index, default_index_path

    paths = list(files) + ([SAMPLE] if sample else [])
    if not paths:
        raise click.UsageError("give the centroid FILES to import (or --sample)")
    started = time.perf_counter()
    index = build_index(paths, Layout(layout) if layout else None)
    target = index_path or default_index_path()
    index.save(target)
    live = int((index.terminated == 0).sum())
    click.echo(
        f"Indexed {len(index):,} postcodes ({live:,} live, {len(index) - live:,} terminated) "
        f"from {len(paths)} file(s) in {time.perf_counter() - started:.1f} s -> {target}"
    )


@postcodes_cmd.command("lookup")
@click.argument("postcodes", nargs=-1, required=True)
@click.option("--index", "index_path", type=click.Path(path_type=Path), help="Index file.")
@click.option("--json", "as_json", is_flag=True, help="Print the look-ups as JSON.")
@errors_to_exit
def lookup_cmd(postcodes: tuple[str, ...], index_path: Path | None, as_json: bool) -> None:
    """Show where POSTCODES are, or why they cannot be located."""
    from scheduler.io.postcodes import Found, normalise_postcode, problem_text, require_index

    index = require_index(index_path)
    result = index.lookup(list(postcodes))
    if as_json:
        found = []
        for i, text in enumerate(postcodes):
            shown = normalise_postcode(text) or text
            ok = result.found[i] is Found.OK
            found.append(
                {
                    "input": text,
                    "postcode": shown,
                    "found": result.found[i].value,
                    "lat": round(float(result.lat[i]), 6) if ok else None,
                    "lon": round(float(result.lon[i]), 6) if ok else None,
                    "problem": None
                    if ok
                    else problem_text(result.found[i], shown, int(result.terminated[i])),
                }
            )
        click.echo(json.dumps({"postcodes": found}, indent=1))
        return
    for i, text in enumerate(postcodes):
        shown = normalise_postcode(text) or text
        if result.found[i] is Found.OK:
            click.echo(f"{shown:<9} {result.lat[i]:.5f} {result.lon[i]:.5f}")
        else:
            click.echo(
                f"{shown:<9} {problem_text(result.found[i], shown, int(result.terminated[i]))}"
            )
