"""Caseload allocation: who manages whom, within officers' caps, as one min-cost flow
per team (the model: ``docs/design/allocation.md``).

:mod:`~scheduler.allocation.settings` holds the weights and the error,
:mod:`~scheduler.allocation.results` the typed result, :mod:`~scheduler.allocation.network`
turns a register into arrays and per-team networks, :mod:`~scheduler.allocation.flow`
solves one network, :mod:`~scheduler.allocation.explain` says why each offender moved or
could not be placed, and :mod:`~scheduler.allocation.solve` is the API.

May import :mod:`scheduler.core` and :mod:`models`."""

from __future__ import annotations

from scheduler.allocation.flow import COST_UNITS_PER_KM as COST_UNITS_PER_KM
from scheduler.allocation.flow import AllocationProblem as AllocationProblem
from scheduler.allocation.flow import ComponentSolution as ComponentSolution
from scheduler.allocation.flow import solve_component as solve_component
from scheduler.allocation.network import build_problems as build_problems
from scheduler.allocation.network import long_term_absent as long_term_absent
from scheduler.allocation.network import officer_cap as officer_cap
from scheduler.allocation.results import Allocation as Allocation
from scheduler.allocation.results import Change as Change
from scheduler.allocation.results import ChangeReason as ChangeReason
from scheduler.allocation.results import ObjectiveParts as ObjectiveParts
from scheduler.allocation.results import OfficerLoad as OfficerLoad
from scheduler.allocation.results import OfficerStatus as OfficerStatus
from scheduler.allocation.results import Shortfall as Shortfall
from scheduler.allocation.results import ShortfallReason as ShortfallReason
from scheduler.allocation.settings import AllocationError as AllocationError
from scheduler.allocation.settings import AllocationSettings as AllocationSettings
from scheduler.allocation.solve import allocate as allocate
from scheduler.allocation.solve import apply_allocation as apply_allocation
from scheduler.allocation.solve import new_officers as new_officers
