"""The docs keep up with the code: every ``rota`` command has help text and a page in
``docs/commands/`` that names each of its options, every docs page is in ``mkdocs.yml``'s
nav, every policy field is in the policy reference, and the README's two set-up commands
are the ones ``.ci/run`` runs (like sqlite-utils' ``tests/test_docs.py``)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import click
import pytest

from models import HouseholdSettings, Policy, SolverSettings
from scheduler.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

INSTALL_AND_PLAN = "pip install -e . && rota plan"
INSTALL_AND_TEST = "pip install -e '.[test]' && python -m pytest"

_CTX = click.Context(main)
COMMANDS = [(name, main.get_command(_CTX, name)) for name in main.list_commands(_CTX)]


def _nav_pages() -> list[str]:
    """The pages ``mkdocs.yml`` lists (every ``*.md`` it names, relative to docs/)."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = text[text.index("\nnav:") :]
    return re.findall(r"^\s*-\s*(?:[^:\n]+:\s*)?(\S+\.md)\s*$", nav, flags=re.M)


def _options(command: click.Command) -> set[str]:
    """The command's long options, and those of its subcommands for a group."""
    subcommands = list(command.commands.values()) if isinstance(command, click.Group) else []
    return {
        name
        for p in command.params
        if isinstance(p, click.Option)
        for name in (*p.opts, *p.secondary_opts)
        if name.startswith("--") and name != "--help"
    }.union(*(_options(c) for c in subcommands))


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)


def test_the_cli_has_commands():
    assert {name for name, _ in COMMANDS} >= {"plan", "record", "status", "staffing"}


@pytest.mark.parametrize(("name", "command"), COMMANDS)
def test_every_command_has_help(name, command):
    assert (command.help or "").strip(), f"rota {name} has no help text"
    assert command.get_short_help_str().strip()


@pytest.mark.parametrize(("name", "command"), COMMANDS)
def test_every_command_has_a_docs_page(name, command):
    page = DOCS / "commands" / f"{name}.md"
    assert page.is_file(), f"rota {name} has no docs/commands/{name}.md"
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# ") and f"rota {name}" in text.splitlines()[0]
    assert f"commands/{name}.md" in _nav_pages()


@pytest.mark.parametrize(("name", "command"), COMMANDS)
def test_every_option_is_documented_and_every_documented_option_exists(name, command):
    text = (DOCS / "commands" / f"{name}.md").read_text(encoding="utf-8")
    real = _options(command)
    missing = sorted(o for o in real if not re.search(re.escape(o) + r"(?![\w-])", text))
    assert not missing, f"docs/commands/{name}.md does not mention {missing}"
    # Options named in the page's own table (rows starting with an option) must exist.
    table_rows = [line for line in text.splitlines() if line.startswith("| `-")]
    named = {o for row in table_rows for o in re.findall(r"--[a-z][a-z-]*", row.split("|")[1])}
    assert named - real == set(), f"docs/commands/{name}.md names unknown {named - real}"


def test_every_docs_page_is_in_the_nav_and_every_nav_entry_exists():
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    nav = _nav_pages()
    assert len(nav) == len(set(nav)), "a page is listed twice in mkdocs.yml's nav"
    assert pages - set(nav) == set(), "pages missing from mkdocs.yml's nav"
    assert set(nav) - pages == set(), "nav entries without a page"


def test_every_policy_field_is_in_the_policy_reference():
    text = (DOCS / "policy.md").read_text(encoding="utf-8")
    fields = set(Policy.model_fields) | set(SolverSettings.model_fields)
    fields |= set(HouseholdSettings.model_fields)
    missing = sorted(f for f in fields if f"`{f}`" not in text)
    assert not missing, f"docs/policy.md does not describe {missing}"


def test_the_policy_reference_toml_examples_load():
    blocks = re.findall(r"```toml\n(.*?)```", (DOCS / "policy.md").read_text(), flags=re.S)
    assert blocks
    for block in blocks:
        Policy.model_validate(tomllib.loads(block))


def test_readme_gives_the_two_setup_commands():
    blocks = [line.strip() for b in _code_blocks(README) for line in b.splitlines()]
    assert INSTALL_AND_PLAN in blocks
    assert INSTALL_AND_TEST in blocks


def test_ci_runs_exactly_the_readme_test_command():
    lines = [line.strip() for line in CI.splitlines()]
    assert INSTALL_AND_TEST in lines
    # ... as the last command, after the checks and the PostgreSQL start-up.
    commands = [line for line in lines if line and not line.startswith("#")]
    assert commands[-1] == INSTALL_AND_TEST
    for check in ("ruff check .", "ruff format --check .", "mypy", "lint-imports"):
        assert check in lines, f".ci/run does not run {check!r}"
    assert any(line.startswith("start_postgres") for line in lines)
    assert any("mkdocs build --strict" in line for line in lines)


def test_rota_plan_is_the_console_script():
    """``rota plan`` in the README's first command is this package's ``rota``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["rota"] == "scheduler.cli.main:main"
    assert "plan" in main.list_commands(_CTX)
