"""The architecture holds: imports run one way through the layers declared in
``pyproject.toml`` (``[tool.importlinter]``), and the CLI's commands never import the group
or each other. A new upward import or cycle fails here, naming the import chain."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("lint-imports") or pytest.skip("import-linter is not installed")
    return subprocess.run(
        [exe, "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120
    )


def test_imports_run_down_the_layers_only():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_is_caught(tmp_path):
    """The contract is not vacuous: a copy of the tree where the core imports the planner
    breaks it."""
    copy = tmp_path / "repo"
    for name in ("scheduler", "models", "data"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    windows = copy / "scheduler" / "core" / "windows.py"
    windows.write_text(windows.read_text() + "\nfrom scheduler.plan import planner  # noqa\n")
    result = subprocess.run(
        [shutil.which("lint-imports") or "lint-imports", "--no-cache"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(copy), "PATH": str(Path(sys.executable).parent)},
    )
    assert result.returncode != 0
    assert "scheduler.core.windows -> scheduler.plan" in result.stdout
