"""The ``rota`` group: every command's help, the option names the commands share, the
group's listing (each command of :data:`~scheduler.cli.main.COMMANDS` with its summary,
and the exit statuses), and that ``rota --help`` is quick because it imports no solver,
database or dataframe library (the group loads commands lazily)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from scheduler.cli.main import COMMANDS, main

ROOT = Path(__file__).resolve().parents[3]
_CTX = click.Context(main)


def commands() -> list[tuple[str, click.Command]]:
    """``(name, command)`` of every command and subcommand, through the lazy group."""
    found: list[tuple[str, click.Command]] = []
    for name in main.list_commands(_CTX):
        command = main.get_command(_CTX, name)
        assert command is not None, name
        found.append((name, command))
        if isinstance(command, click.Group):
            found += [(f"{name} {sub}", c) for sub, c in command.commands.items()]
    return found


def options(command: click.Command) -> list[click.Option]:
    return [p for p in command.params if isinstance(p, click.Option)]


ALL = commands()
IDS = [name for name, _ in ALL]

#: Options whose flag is a shared name but whose meaning is another: staffing's
#: ``--officers`` takes staffing levels (LO:HI or N,N), not an officers file.
NOT_THE_REGISTER = {("staffing", "--officers")}


def test_the_group_lists_every_command() -> None:
    assert main.list_commands(_CTX) == sorted(COMMANDS)
    assert main.get_command(_CTX, "no-such-command") is None


@pytest.mark.parametrize(("name", "command"), ALL, ids=IDS)
def test_every_command_has_help(name: str, command: click.Command) -> None:
    result = CliRunner().invoke(main, [*name.split(), "--help"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: main {name}")
    assert (command.help or "").strip()


@pytest.mark.parametrize(("name", "command"), ALL, ids=IDS)
def test_shared_options_have_the_same_names(name: str, command: click.Command) -> None:
    """A Monday is --week, a day to assess on --as-of, quiet --quiet/-q, JSON --json, an
    output directory --out with --overwrite, the register --scenario/--offenders/
    --officers and the store --store, in every command that takes one."""
    flags = {flag for o in options(command) for flag in (*o.opts, *o.secondary_opts)}
    for option in options(command):
        opts = [*option.opts, *option.secondary_opts]
        text = (option.help or "").lower()
        if "monday" in text or option.name == "week":
            assert opts == ["--week"], (name, opts)
        if option.name == "as_of":
            assert "--as-of" in opts, (name, opts)
        if option.name in {"quiet", "no_progress"} or "progress" in text:
            assert {"--quiet", "-q"} <= set(opts), (name, opts)
        if option.is_flag and "json" in text and option.name != "spreadsheet":
            assert opts == ["--json"] and option.name == "as_json", (name, opts)
        if option.name == "store":
            assert opts == ["--store"], (name, opts)
        if option.name in {"offenders", "officers", "scenario"}:
            assert opts == [f"--{option.name}"], (name, opts)
        elif any(f in opts for f in ("--offenders", "--officers", "--scenario")):
            assert (name, opts[0]) in NOT_THE_REGISTER, (name, opts)
    if "--out" in flags:
        assert "--overwrite" in flags, f"rota {name} has --out without --overwrite"
    if "--offenders" in flags:
        assert "--officers" in flags


def test_the_commands_that_take_a_day_or_a_week() -> None:
    by_name = {name: {f for o in options(c) for f in o.opts} for name, c in ALL}
    assert {n for n, f in by_name.items() if "--week" in f} >= {"plan", "check"}
    assert {n for n, f in by_name.items() if "--as-of" in f} >= {"status", "allocate", "audit"}
    assert {n for n, f in by_name.items() if "--quiet" in f} >= {"simulate", "staffing"}
    assert {n for n, f in by_name.items() if "--store" in f} >= {"plan", "record", "status"}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_summary_is_short_and_names_a_real_command(name: str) -> None:
    summary = COMMANDS[name][1]
    assert summary.strip() and summary.endswith(".")
    # "  name      summary" must fit an 80-column listing.
    assert 2 + max(map(len, COMMANDS)) + 2 + len(summary) <= 80
    command = main.get_command(_CTX, name)
    assert command is not None and command.name == name
    assert (command.help or "").strip()


def test_group_help_lists_each_summary_and_the_exit_statuses() -> None:
    result = CliRunner().invoke(main, ["--help"], catch_exceptions=False)
    assert result.exit_code == 0
    flat = " ".join(result.output.split())
    for name, (_, summary) in COMMANDS.items():
        assert f"{name} {summary}" in flat
    assert "Exit status: 0 done; 1 " in flat and "; 2 wrong usage" in flat
    assert "3 (rota plan)" in flat and "unscheduled.csv" in flat
    assert all(len(line) <= 80 for line in result.output.splitlines())


def test_group_help_is_quick() -> None:
    """Best of three runs in a fresh interpreter, well under a second."""
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "scheduler", "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        times.append(time.perf_counter() - t0)
        assert done.returncode == 0, done.stderr
    assert min(times) < 1.0, times


def test_group_help_imports_no_solver_database_or_numpy() -> None:
    code = (
        "import sys\n"
        "from scheduler.cli.main import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = {'ortools', 'sqlalchemy', 'numpy'}\n"
        "print('HEAVY:' + ','.join(sorted({m.split('.')[0] for m in sys.modules} & heavy)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "HEAVY:", done.stdout
