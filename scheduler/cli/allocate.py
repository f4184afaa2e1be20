"""``rota allocate``: (re)distribute caseloads over officers and say who moves and why.

A thin layer over :func:`scheduler.allocation.solve.allocate`: load and validate the register
(CSV/JSON files or a bundled scenario), build the what-if officers, call the library,
print the per-officer table, and write the new register, the change list and a summary
privately (all files or none). Offenders who cannot be allocated are never over-filled
onto someone: they are printed with the reason and the officers needed, and the command
exits with status 1 without writing a register.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from models import Gender, Officer, Register
from scheduler.allocation import (
    Allocation,
    AllocationSettings,
    allocate,
    apply_allocation,
    new_officers,
)
from scheduler.cli.common import (
    bundled_scenario,
    errors_to_exit,
    load_policy,
    load_unit_register,
    parse_date,
    register_source_options,
)
from scheduler.io.export import check_output, write_private_tree
from scheduler.io.loaders import csv_text, register_files
from scheduler.io.report import wrap

CHANGE_COLUMNS = ("offender_id", "tier", "from_officer", "to_officer", "reason", "detail")
CASELOAD_COLUMNS = (
    "officer_id",
    "team",
    "status",
    "cap",
    "caseload_before",
    "caseload",
    "risk_load_before",
    "risk_load",
    "mean_km",
    "moved_in",
    "moved_out",
)
UNALLOCATED_COLUMNS = ("offender_id", "team", "requirement", "reason", "officers_needed")
SCENARIO_SEED = 20261130


def output_files(allocation: Allocation, register: Register) -> dict[str, str]:
    """The files ``--out`` writes: the new register (if everyone is allocated), the
    change list, per-officer caseloads, the unallocated (if any) and the summary."""
    files: dict[str, str] = {}
    if allocation.is_feasible():
        files.update(register_files(apply_allocation(register, allocation)))
    files["changes.csv"] = csv_text(allocation.change_rows(), CHANGE_COLUMNS)
    files["caseloads.csv"] = csv_text(allocation.officer_rows(), CASELOAD_COLUMNS)
    if not allocation.is_feasible():
        rows = [
            {
                "offender_id": o,
                "team": s.team,
                "requirement": s.requirement.value if s.requirement else "",
                "reason": s.message,
                "officers_needed": s.officers_needed,
            }
            for s in allocation.shortfalls
            for o in s.offenders
        ]
        files["unallocated.csv"] = csv_text(rows, UNALLOCATED_COLUMNS)
    files["allocation_summary.json"] = json.dumps(allocation.summary(), indent=1) + "\n"
    return files


def caseload_table(allocation: Allocation) -> list[str]:
    """Fixed-width lines of the per-officer table, within 80 columns: officer, team (cut
    to 12 characters; caseloads.csv has it whole), status, caseload/cap, risk-weighted
    load before -> after, mean base-home km, offenders moved in and out."""
    lines = [
        f"{'officer':<11}{'team':<13}{'status':<10}{'caseload':>8}{'risk load':>15}"
        f"{'km':>5}{'in':>4}{'out':>4}"
    ]
    for o in allocation.officers:
        flag = " OVER CAP" if o.caseload > o.cap else ""
        km = f"{o.mean_km:.1f}" if o.mean_km is not None else "-"
        lines.append(
            f"{o.officer_id:<10} {o.team[:12]:<13}{o.status.value:<10}"
            f"{f'{o.caseload}/{o.cap}':>8}"
            f"{f'{o.risk_load_before:.1f} -> {o.risk_load:.1f}':>15}"
            f"{km:>5}{o.moved_in:>4}{o.moved_out:>4}{flag}"
        )
    return lines


def _officers(n: int) -> str:
    return f"{n} more officer{'' if n == 1 else 's'}"


def format_allocation(allocation: Allocation) -> str:
    """The printed report: headline, per-officer table, shortfalls."""
    s = allocation.summary()
    by_reason = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in s["changes_by_reason"].items())
    spread = s["risk_load_per_place_max_over_mean"]
    lines = [
        wrap(
            f"Allocation of {s['offenders']} offenders to {s['officers']} officers: "
            + ("everyone allocated" if s["feasible"] else f"{s['unallocated']} NOT allocated")
        ),
        wrap(f"Changes: {s['changes']}" + (f" ({by_reason})" if by_reason else "")),
        wrap(
            f"Risk-weighted load per place, max/mean: {spread if spread is not None else '-'} "
            f"(within teams, mean of max/mean: {s['team_spread_max_over_mean_mean']}); "
            f"mean base-home distance {s['mean_travel_km']} km"
        ),
        "",
        *caseload_table(allocation),
    ]
    if allocation.shortfalls:
        lines += ["", f"Cannot be allocated ({_officers(allocation.officers_needed())} needed):"]
        lines += [wrap(short.message, "    ", first="  ") for short in allocation.shortfalls]
    return "\n".join(lines)


def _register_and_day(
    scenario: str, offenders: Path | None, officers: Path | None, as_of: str | None
) -> tuple[Register, date]:
    """The register to allocate and the day absences count from: your files (default
    today) or the bundled scenario (default its week)."""
    day = parse_date(as_of, "--as-of")
    if offenders is not None and officers is not None:
        day = day or date.today()
        return load_unit_register(offenders, officers, as_of=day), day
    sc = bundled_scenario(scenario, SCENARIO_SEED)
    return sc.register, day or sc.week_start


def _what_if_officers(
    register: Register,
    count: int,
    team: str | None,
    gender: str | None,
    settings: AllocationSettings,
) -> tuple[Officer, ...]:
    """The ``--add-officers`` officers; ``--team`` is needed when there are several."""
    if not count:
        return ()
    teams = sorted({o.team for o in register.officers})
    if team is None and len(teams) > 1:
        raise click.UsageError(f"--add-officers needs --team: the register has {len(teams)} teams")
    return new_officers(
        register,
        team or teams[0],
        count,
        gender=Gender(gender) if gender else None,
        settings=settings,
    )


@click.command("allocate")
@register_source_options("allocate")
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(path_type=Path),
    help="Policy TOML (its tier intervals set the risk weights).",
)
@click.option(
    "--as-of",
    help="Date YYYY-MM-DD: officers absent on every working day of the next 28 days are "
    "treated as unavailable. Default: today for your files, the scenario's week.",
)
@click.option("--lock", is_flag=True, help="Keep existing assignments; only place the others.")
@click.option(
    "--threshold",
    type=click.IntRange(min=0),
    help="Rebalance only officers with more than N offenders, moving as few as possible.",
)
@click.option(
    "--add-officers",
    type=click.IntRange(min=0),
    default=0,
    help="What-if: add N officers at the team's mean base.",
)
@click.option("--team", help="Team for --add-officers (needed when there are several).")
@click.option(
    "--add-gender",
    type=click.Choice([g.value for g in Gender]),
    help="Gender recorded for the added officers (default: not recorded).",
)
@click.option(
    "--remove-officer",
    "remove",
    multiple=True,
    metavar="ID",
    help="Officer leaving (repeatable): their offenders are reallocated.",
)
@click.option("--allow-cross-team", is_flag=True, help="Allow managers from nearby teams.")
@click.option(
    "--no-pro-rata",
    is_flag=True,
    help="Take caseload caps as given (default: pro rata to contracted hours).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Seconds allowed for the whole allocation.",
)
@click.option("--out", type=click.Path(path_type=Path), help="Directory to write results to.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output directory.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@errors_to_exit
def allocate_cmd(
    scenario: str,
    offenders: Path | None,
    officers: Path | None,
    policy_path: Path | None,
    as_of: str | None,
    lock: bool,
    threshold: int | None,
    add_officers: int,
    team: str | None,
    add_gender: str | None,
    remove: tuple[str, ...],
    allow_cross_team: bool,
    no_pro_rata: bool,
    time_limit: float,
    out: Path | None,
    overwrite: bool,
    as_json: bool,
) -> None:
    """(Re)distribute caseloads: caps, gender requirements, fair risk, short travel,
    few changes. Prints each officer's caseload; writes files with --out."""

    if (offenders is None) != (officers is None):
        raise click.UsageError("--offenders and --officers go together")
    if (team is not None or add_gender is not None) and not add_officers:
        raise click.UsageError("--team and --add-gender go with --add-officers")
    policy = load_policy(policy_path)
    register, day = _register_and_day(scenario, offenders, officers, as_of)
    if out is not None:
        check_output(out, overwrite)
    settings = AllocationSettings(pro_rata=not no_pro_rata)
    added = _what_if_officers(register, add_officers, team, add_gender, settings)
    allocation = allocate(
        register,
        policy,
        settings=settings,
        lock=lock,
        threshold=threshold,
        allow_cross_team=allow_cross_team,
        add_officers=added,
        remove_officers=remove,
        as_of=day,
        time_limit_s=time_limit,
    )
    if as_json:
        click.echo(json.dumps(allocation.summary(), indent=1))
    else:
        click.echo(format_allocation(allocation))
    if out is not None:
        files = output_files(allocation, register)
        write_private_tree(files, out, overwrite=overwrite)
        click.echo(
            "\n" + wrap(f"Wrote {', '.join(sorted(files))} to {out}/"), err=as_json
        )  # stdout: the JSON alone
    if not allocation.is_feasible():
        raise click.ClickException(
            f"{len(allocation.unallocated)} offenders cannot be allocated; "
            f"{_officers(allocation.officers_needed())} needed"
        )
