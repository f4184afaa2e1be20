"""``rota check``: read a unit's register files as a plan would and report every problem
of both files at once, or what the register holds when there is none. Nothing is
planned or written."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from scheduler.cli.common import (
    errors_to_exit,
    load_unit_register,
    parse_date,
    register_read_options,
)


@click.command("check")
@click.option(
    "--offenders", type=click.Path(path_type=Path), required=True, help="Offenders CSV or JSON."
)
@click.option(
    "--officers", type=click.Path(path_type=Path), required=True, help="Officers CSV or JSON."
)
@click.option(
    "--week",
    help="Monday the plan will start (YYYY-MM-DD): last visits after it are refused. "
    "Default: not checked.",
)
@register_read_options
@errors_to_exit
def check_cmd(offenders: Path, officers: Path, week: str | None) -> None:
    """Check both register files together and list every problem (file, row, field)."""
    register = load_unit_register(offenders, officers, as_of=parse_date(week, "--week"))
    tiers = Counter(o.tier.value for o in register.offenders)
    teams = Counter(o.team for o in register.officers)
    click.echo(
        f"OK: {len(register.offenders)} offenders "
        f"({', '.join(f'{t} {n}' for t, n in sorted(tiers.items()))}), "
        f"{len(register.officers)} officers in {len(teams)} team(s). "
        "Ready to plan."
    )
