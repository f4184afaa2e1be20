"""``rota``: a thin command line over the library. It loads and validates input, calls
the library, and formats; it is the only place that prints or reads the clock.

This module only builds the group and registers the commands, one module each."""

from __future__ import annotations

import importlib

import click

#: Every command: its module and object, and the one-line summary ``rota --help`` lists.
#: Commands are imported when run, so ``rota --help`` loads no solver, database or
#: dataframe library (tests/scheduler/cli/test_main.py checks the summaries match).
COMMANDS: dict[str, tuple[str, str]] = {
    "plan": ("scheduler.cli.plan:plan_cmd", "Plan next week's visits and print a summary."),
    "check": ("scheduler.cli.check:check_cmd", "Check both register files; list every problem."),
    "record": ("scheduler.cli.record:record_cmd", "Record visit outcomes in the history store."),
    "status": ("scheduler.cli.status:status_cmd", "Compliance of the whole register."),
    "allocate": ("scheduler.cli.allocate:allocate_cmd", "(Re)distribute caseloads."),
    "simulate": ("scheduler.cli.simulate:simulate_cmd", "Simulate weeks of planning and visiting."),
    "audit": ("scheduler.cli.audit:audit_cmd", "Predictability audit of a visit history."),
    "staffing": ("scheduler.cli.staffing:staffing_cmd", "How many officers keep visits on time."),
    "scenario": ("scheduler.cli.scenario:scenario_cmd", "Write a bundled synthetic scenario."),
    "postcodes": ("scheduler.cli.postcodes:postcodes_cmd", "Locate postcodes offline."),
    "formats": ("scheduler.cli.formats:formats_cmd", "Describe the input file columns."),
    "travel": ("scheduler.cli.travel:travel_cmd", "Fit travel times to a routing server."),
    "replan": ("scheduler.cli.daily:replan_cmd", "Re-plan the rest of the week from the store."),
    "pin": ("scheduler.cli.daily:pin_cmd", "Fix a visit's officer, day or time of day."),
    "unpin": ("scheduler.cli.daily:unpin_cmd", "Free a pinned visit for the next re-plan."),
    "absent": ("scheduler.cli.daily:absent_cmd", "Record an officer away and re-plan."),
    "urgent": ("scheduler.cli.daily:urgent_cmd", "Add a visit that must be made by a deadline."),
    "release": ("scheduler.cli.daily:release_cmd", "Write a day's officer files; mark released."),
    "edits": ("scheduler.cli.daily:edits_cmd", "The audit trail of edits and re-plans."),
    "report": ("scheduler.cli.report:report_cmd", "Write an HTML report of a plan or a run."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use (click's documented pattern for
    lazily loaded subcommands); the listing uses :data:`COMMANDS`' summaries."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, _, attr = COMMANDS[cmd_name][0].partition(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


EXIT_STATUS = (
    "Exit status: 0 done; 1 a problem in the input or a step that failed (each problem "
    "named; nothing written, nothing stored); 2 wrong usage of a command or option; 3 "
    "(rota plan) the plan was made and written, but high or very-high risk visits were "
    "left out: see unscheduled.csv."
)


@click.group(
    cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_STATUS
)
@click.version_option(package_name="rota-planner")
def main() -> None:
    """Plan unannounced home visits to registered sex offenders."""


__all__ = ["COMMANDS", "main"]
