"""Caseload allocation: which officer is each offender's named offender manager.

When offenders register or move, or officers join, leave or go sick, the unit manager
redistributes caseloads: about 50 per officer, heavier risk spread fairly, offenders near
their officer's base, and as few changes to existing assignments as possible, because
continuity matters. :func:`allocate` does that for a whole register, one exact min-cost
flow per team, and explains any offender it cannot place (the model and why a flow:
``docs/design/allocation.md``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import date

import numpy as np

from models import Gender, Location, Officer, Policy, Register
from scheduler.allocation.explain import build_result
from scheduler.allocation.flow import solve_component
from scheduler.allocation.network import prepare
from scheduler.allocation.results import Allocation, ObjectiveParts
from scheduler.allocation.settings import AllocationError, AllocationSettings


def allocate(
    register: Register,
    policy: Policy | None = None,
    *,
    settings: AllocationSettings | None = None,
    lock: bool | Collection[str] = False,
    threshold: int | None = None,
    allow_cross_team: bool = False,
    add_officers: Sequence[Officer] = (),
    remove_officers: Collection[str] = (),
    as_of: date | None = None,
    time_limit_s: float = 60.0,
) -> Allocation:
    """Assign every offender on the register to exactly one officer.

    Parameters
    ----------
    register
        Offenders (their ``manager_id`` is the current assignment) and officers.
    policy
        Supplies the tier intervals behind the risk weights and the road circuity.
    settings
        Weights and rules (:class:`AllocationSettings`).
    lock
        True: keep every existing assignment that is still valid (manager available,
        requirement met, within cap) and only place the others; or a collection of
        offender ids to keep. An officer whose locked caseload is over their cap
        loses exactly the excess.
    threshold
        Rebalance only officers with more than this many offenders: everyone else's
        offenders stay, the excess moves (as few moves as possible) and nobody is filled
        above the threshold unless capacity is too short without it.
    allow_cross_team
        Allow managers from other teams based within ``settings.cross_team_km``.
    add_officers
        What-if: officers to add (see :func:`new_officers`).
    remove_officers
        Officer ids leaving (transfer, retirement, what-if): their offenders move.
    as_of
        With a date, officers absent on every working day of the following
        ``settings.absence_days`` days (long-term sick) are treated as unavailable.
    time_limit_s
        Guard on the whole solve (the flow solve itself is exact and polynomial).

    Returns
    -------
    Allocation
        Never over-fills: offenders who cannot be placed are in ``shortfalls`` with
        the reason and the officers needed, and map to None in ``assignment``.
    """
    started = time.monotonic()
    policy = policy or Policy()
    settings = settings or AllocationSettings()
    prep = prepare(
        register,
        policy,
        settings,
        lock,
        threshold,
        allow_cross_team,
        add_officers,
        remove_officers,
        as_of,
    )
    new = np.full(len(prep.arrays.offender_ids), -1, dtype=np.int64)
    parts = np.zeros(3)
    for p in prep.problems:
        if time.monotonic() - started > time_limit_s:
            raise AllocationError(
                f"allocation took longer than its time limit of {time_limit_s:g} s; "
                "raise the limit or allocate fewer teams at once"
            )
        sol = solve_component(p)
        hit = sol.officer >= 0
        new[p.offenders[hit]] = p.officers[sol.officer[hit]]
        parts += (sol.travel, sol.handover, sol.balance)
    objective = ObjectiveParts(
        travel=float(parts[0]), handover=float(parts[1]), balance=float(parts[2])
    )
    return build_result(prep, new, threshold, objective, policy, add_officers, remove_officers)


def apply_allocation(register: Register, allocation: Allocation) -> Register:
    """The register with the new managers (added officers in, removed ones out): what
    the weekly rota plans from. Refuses an allocation that leaves anyone unallocated."""
    if not allocation.is_feasible():
        raise AllocationError(
            f"{len(allocation.unallocated)} offenders have no manager; "
            f"{allocation.officers_needed()} more officers are needed"
        )
    removed = set(allocation.removed_officers)
    offenders = tuple(
        o
        if allocation.assignment[o.id] == o.manager_id
        else o.model_copy(update={"manager_id": allocation.assignment[o.id]})
        for o in register.offenders
    )
    officers = tuple(o for o in register.officers if o.id not in removed)
    return Register(offenders=offenders, officers=officers + allocation.added_officers)


def new_officers(
    register: Register,
    team: str,
    count: int,
    *,
    gender: Gender | None = None,
    settings: AllocationSettings | None = None,
) -> tuple[Officer, ...]:
    """``count`` what-if officers for ``team`` at the mean of its officers' bases, on
    the team's most common shift pattern, with the reference cap; ids ``NEW-001``...
    not already in use."""
    settings = settings or AllocationSettings()
    mates = [o for o in register.officers if o.team == team]
    if not mates:
        raise AllocationError(f"unknown team {team!r}")
    if count < 0:
        raise AllocationError(f"cannot add {count} officers")
    base = Location(
        lat=round(float(np.mean([o.base.lat for o in mates])), 6),
        lon=round(float(np.mean([o.base.lon for o in mates])), 6),
    )
    shifts = Counter(o.shifts for o in mates).most_common(1)[0][0]
    taken = {o.id for o in register.officers}
    out: list[Officer] = []
    k = 0
    while len(out) < count:
        k += 1
        oid = f"NEW-{k:03d}"
        if oid not in taken:
            out.append(
                Officer(
                    id=oid,
                    team=team,
                    base=base,
                    shifts=shifts,
                    caseload_cap=settings.reference_cap,
                    gender=gender,
                )
            )
    return tuple(out)
