"""The visit planner: due selection, routing with officer-day copies, rota, CLI.

The public entry point is :func:`plan_week`; the CLI (``rota``) is a thin layer over it.
"""

from scheduler.exceptions import InputFileError, RotaError
from scheduler.loaders import load_register
from scheduler.planner import plan_week

__all__ = ["InputFileError", "RotaError", "load_register", "plan_week"]
