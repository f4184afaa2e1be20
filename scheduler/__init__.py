"""The visit planner: plan a week of unannounced home visits, keep their history, check
their unpredictability, and measure staffing.

The library API a notebook or script calls (the ``rota`` CLI is a thin layer over it)::

    from scheduler import load_register, plan_week
    register = load_register(offenders_csv, officers_csv, as_of=week_start)
    rota = plan_week(register, policy, week_start)

Layers, each importing only those below it (``tests/test_layers.py`` checks it):
``cli`` -> ``io`` -> ``staffing`` -> ``data`` -> ``allocation`` | ``plan`` ->
``history`` | ``timing`` -> ``core`` -> :mod:`models`.

Names are imported on first use, so ``rota --help`` does not load the solver.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scheduler.allocation.solve import allocate, apply_allocation
    from scheduler.core.exceptions import InputFileError, RotaError
    from scheduler.history.compliance import assess
    from scheduler.history.store import HistoryStore
    from scheduler.io.loaders import load_register
    from scheduler.plan.planner import plan_week
    from scheduler.plan.rebook import rebook
    from scheduler.staffing.simulate import simulate
    from scheduler.timing.audit import audit

_EXPORTS = {
    "allocate": "scheduler.allocation.solve",
    "apply_allocation": "scheduler.allocation.solve",
    "assess": "scheduler.history.compliance",
    "audit": "scheduler.timing.audit",
    "HistoryStore": "scheduler.history.store",
    "InputFileError": "scheduler.core.exceptions",
    "load_register": "scheduler.io.loaders",
    "plan_week": "scheduler.plan.planner",
    "rebook": "scheduler.plan.rebook",
    "RotaError": "scheduler.core.exceptions",
    "simulate": "scheduler.staffing.simulate",
}
__all__ = [
    "HistoryStore",
    "InputFileError",
    "RotaError",
    "allocate",
    "apply_allocation",
    "assess",
    "audit",
    "load_register",
    "plan_week",
    "rebook",
    "simulate",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'scheduler' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
