"""Literature benchmark instances (Cordeau PVRP, Solomon VRPTW), readers and evaluators.

The evaluators are deliberately independent of the planner's optimiser so
that its benchmark numbers are checked by code that shares none of its
assumptions.
"""

from __future__ import annotations

from benchmarks.literature.evaluate import Evaluation, evaluate_pvrp, evaluate_vrptw
from benchmarks.literature.instances import (
    PvrpInstance,
    PvrpRoute,
    PvrpSolution,
    VrptwInstance,
    VrptwSolution,
    decode_pattern,
    encode_pattern,
    read_pvrp,
    read_pvrp_solution,
    read_solomon,
    read_solomon_solution,
    truncated_distances,
)

__all__ = [
    "Evaluation",
    "PvrpInstance",
    "PvrpRoute",
    "PvrpSolution",
    "VrptwInstance",
    "VrptwSolution",
    "decode_pattern",
    "encode_pattern",
    "evaluate_pvrp",
    "evaluate_vrptw",
    "read_pvrp",
    "read_pvrp_solution",
    "read_solomon",
    "read_solomon_solution",
    "truncated_distances",
]
