"""``rota travel``: travel-time tools. ``rota travel calibrate`` fits the offline model's
circuity and speed to a routing server the unit runs, on a sample of the register's
points, and writes them as a policy fragment."""

from __future__ import annotations

import json
import os
import secrets
from datetime import date
from pathlib import Path
from typing import Any

import click
import numpy as np

from scheduler.cli.common import (
    bundled_scenario,
    errors_to_exit,
    load_policy,
    next_monday,
    register_source_options,
)
from scheduler.core.calibrate import ErrorSummary, TravelFit, fit_offline, sample_points
from scheduler.core.roads import DISTANCE, DURATION, OsrmTravel, ValhallaTravel, server_name
from scheduler.io.loaders import load_register


@click.group("travel")
def travel_cmd() -> None:
    """Travel times: fit the offline estimate to a routing server you run."""


@travel_cmd.command("calibrate")
@click.option("--url", required=True, help="Routing server you run (the sample is sent to it).")
@click.option(
    "--provider",
    type=click.Choice(["osrm", "valhalla"]),
    default="osrm",
    show_default=True,
    help="Routing server's API.",
)
@click.option(
    "--sample",
    type=click.IntRange(2, 2000),
    default=60,
    show_default=True,
    help="Points drawn from the register (all pairs between them are compared).",
)
@register_source_options("sample")
@click.option("--seed", type=int, help="Seed of the sample (default: a fresh secret seed).")
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(path_type=Path),
    help="Policy whose speed and circuity are compared (default: the defaults).",
)
@click.option(
    "--max-table-size",
    type=click.IntRange(2),
    default=100,
    show_default=True,
    help="The server's table size limit (OSRM --max-table-size).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds to wait for each request to the server.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Write the fitted speed_kmh and circuity as a policy TOML fragment (owner-only).",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing --out file.")
@click.option("--json", "as_json", is_flag=True, help="Print the fit as JSON.")
@errors_to_exit
def calibrate_cmd(
    url: str,
    provider: str,
    sample: int,
    scenario: str,
    offenders: Path | None,
    officers: Path | None,
    seed: int | None,
    policy_path: Path | None,
    max_table_size: int,
    timeout: float,
    out: Path | None,
    overwrite: bool,
    as_json: bool,
) -> None:
    """Compare the offline estimate with a routing server on a sample and fit it.

    Fits duration = straight-line distance x circuity / speed by least squares through
    the origin: circuity from the server's road distances, speed so that the offline
    durations are the best proportional fit to the server's.
    """
    if (offenders is None) != (officers is None):
        raise click.UsageError("--offenders and --officers go together")
    if out is not None and out.exists() and not overwrite:
        raise click.ClickException(f"{out} already exists; pass --overwrite to replace it")
    policy = load_policy(policy_path)
    if offenders is not None and officers is not None:
        register = load_register(offenders, officers, as_of=next_monday(date.today()))
    else:
        register = bundled_scenario(scenario, 20261130).register
    points = [o.home for o in register.offenders] + [o.base for o in register.officers]
    seed = secrets.randbits(63) if seed is None else seed
    chosen = sample_points(len(points), sample, np.random.default_rng(seed))
    lat = np.array([points[i].lat for i in chosen])
    lon = np.array([points[i].lon for i in chosen])
    cls = OsrmTravel if provider == "osrm" else ValhallaTravel
    client = cls(url, max_table_size=max_table_size, timeout_s=timeout)
    tables = client.table(lat, lon, (DURATION, DISTANCE))
    fit = fit_offline(
        lat,
        lon,
        tables[DURATION],
        tables[DISTANCE],
        speed_kmh=policy.speed_kmh,
        circuity=policy.circuity,
    )
    if out is not None:
        _write_fragment(out, fit, server_name(url), overwrite)
    if as_json:
        click.echo(json.dumps(_fit_json(fit, policy, seed, len(chosen), client, out), indent=1))
        return
    click.echo(f"Sample seed: {seed} (replay with --seed {seed})")
    click.echo(
        f"{len(chosen)} points, {fit.pairs} pairs, {client.stats.requests} request(s) to "
        f"{client.name}"
    )
    click.echo("Fit: duration = straight-line distance x circuity / speed (least squares)")
    click.echo(f"{'':9}{'circuity':>9}{'km/h':>7}{'median err':>12}{'p90 err':>10}")
    click.echo(_row("before", policy.circuity, policy.speed_kmh, fit.before))
    click.echo(_row("after", fit.circuity, fit.speed_kmh, fit.after))
    if out is not None:
        click.echo(f"Wrote {out} (speed_kmh, circuity for the policy file)")


def _fit_json(
    fit: TravelFit, policy: Any, seed: int, points: int, client: Any, out: Path | None
) -> dict[str, Any]:
    """``--json``: the sample, and the offline model before and after the fit."""

    def errors(e: ErrorSummary) -> dict[str, float]:
        return {k: round(float(getattr(e, k)), 3) for k in ERROR_FIELDS}

    return {
        "seed": seed,
        "points": points,
        "pairs": fit.pairs,
        "requests": client.stats.requests,
        "server": client.name,
        "before": {
            "circuity": policy.circuity,
            "speed_kmh": policy.speed_kmh,
            "errors": errors(fit.before),
        },
        "after": {
            "circuity": round(fit.circuity, 4),
            "speed_kmh": round(fit.speed_kmh, 3),
            "errors": errors(fit.after),
        },
        "out": str(out) if out is not None else None,
    }


ERROR_FIELDS = ("median_s", "p90_s", "median_pct", "p90_pct")


def _row(name: str, circuity: float, speed: float, e: ErrorSummary) -> str:
    return (
        f"{name:9}{circuity:9.2f}{speed:7.1f}"
        f"{f'{e.median_s:.0f} s {e.median_pct:.0f}%':>12}{f'{e.p90_s:.0f} s {e.p90_pct:.0f}%':>10}"
    )


def _write_fragment(path: Path, fit: TravelFit, server: str, overwrite: bool) -> None:
    text = (
        f"# Offline travel fitted by 'rota travel calibrate' to {server} on {fit.pairs} pairs.\n"
        f"# Offline vs server, median / 90th percentile: before {fit.before.median_s:.0f} / "
        f"{fit.before.p90_s:.0f} s, after {fit.after.median_s:.0f} / {fit.after.p90_s:.0f} s.\n"
        f"speed_kmh = {fit.speed_kmh:.2f}\n"
        f"circuity = {fit.circuity:.3f}\n"
    )
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from None
