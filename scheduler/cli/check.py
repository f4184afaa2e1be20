"""``rota check``: read a unit's register files as a plan would and report every problem
of both files at once, or what the register holds when there is none. Nothing is
planned or written."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click

from scheduler.cli.common import (
    errors_to_exit,
    load_unit_register,
    parse_date,
    register_read_options,
)
from scheduler.core.exceptions import InputFileError


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
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the result as JSON: the register's counts, or every problem (exit 1).",
)
@errors_to_exit
def check_cmd(offenders: Path, officers: Path, week: str | None, as_json: bool) -> None:
    """Check both register files together and list every problem (file, row, field)."""
    as_of = parse_date(week, "--week")
    try:
        register = load_unit_register(offenders, officers, as_of=as_of)
    except InputFileError as exc:
        if not as_json:
            raise
        click.echo(json.dumps({"ok": False, "problems": problem_records(exc)}, indent=1))
        raise SystemExit(1) from None
    tiers = Counter(o.tier.value for o in register.offenders)
    teams = Counter(o.team for o in register.officers)
    if as_json:
        counts = {
            "ok": True,
            "offenders": len(register.offenders),
            "officers": len(register.officers),
            "teams": len(teams),
            "tiers": dict(sorted(tiers.items())),
        }
        click.echo(json.dumps(counts, indent=1))
        return
    click.echo(
        f"OK: {len(register.offenders)} offenders "
        f"({', '.join(f'{t} {n}' for t, n in sorted(tiers.items()))}), "
        f"{len(register.officers)} officers in {len(teams)} team(s). "
        "Ready to plan."
    )


def problem_records(exc: InputFileError) -> list[dict[str, object]]:
    """Each problem as the fields its message is made of, for ``--json``."""
    return [
        {
            "file": p.file,
            "row": p.row,
            "field": p.field,
            "record_id": p.record_id,
            "message": p.message,
        }
        for p in exc.problems
    ]
