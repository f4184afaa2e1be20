"""``rota``: a thin command line over the library. It loads and validates input, calls
the library, and formats; it is the only place that prints or reads the clock.

This module only builds the group and registers the commands, one module each."""

from __future__ import annotations

import click

from scheduler.cli.allocate import allocate_cmd
from scheduler.cli.audit import audit_cmd
from scheduler.cli.formats import formats_cmd
from scheduler.cli.plan import plan_cmd
from scheduler.cli.record import record_cmd
from scheduler.cli.scenario import scenario_cmd
from scheduler.cli.simulate import simulate_cmd
from scheduler.cli.staffing import staffing_cmd
from scheduler.cli.status import status_cmd
from scheduler.cli.travel import travel_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rota-planner")
def main() -> None:
    """Plan unannounced home visits to registered sex offenders."""


for _command in (
    plan_cmd,
    scenario_cmd,
    formats_cmd,
    allocate_cmd,
    record_cmd,
    status_cmd,
    simulate_cmd,
    audit_cmd,
    staffing_cmd,
    travel_cmd,
):
    main.add_command(_command)
