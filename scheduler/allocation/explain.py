"""The :class:`Allocation` of a solved register: per-officer loads, each change of
manager with the reason and the numbers behind it, and the unallocated per team and
requirement with the officers that would be needed."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

import numpy as np

from models import Officer, Policy, RiskTier
from scheduler.allocation.network import GENDERS, Classification, Prepared, RegisterArrays, road_km
from scheduler.allocation.results import (
    Allocation,
    Change,
    ChangeReason,
    ObjectiveParts,
    OfficerLoad,
    Shortfall,
    ShortfallReason,
)

#: A move counts as "nearer base" when it shortens the base-home distance this much.
NEARER_KM = 1.0


def build_result(
    prep: Prepared,
    new: np.ndarray,
    threshold: int | None,
    objective: ObjectiveParts,
    policy: Policy,
    added: Sequence[Officer],
    removed: Collection[str],
) -> Allocation:
    """The result of officer index ``new`` per offender (-1: unallocated): loads
    before and after, the changes with their reasons, and the shortfalls."""
    a = prep.arrays
    tiers = list(RiskTier)
    w_tier = np.array([prep.weights[t] for t in tiers])
    w = w_tier[a.tier]
    m = len(a.officer_ids)
    cur = a.current
    placed = new >= 0
    caseload = np.bincount(new[placed], minlength=m)
    risk = np.bincount(new[placed], weights=w[placed], minlength=m)
    before = np.bincount(cur, minlength=m)
    risk_before = np.bincount(cur, weights=w, minlength=m)
    km = np.zeros(len(new))
    km[placed] = road_km(a, policy.circuity, np.flatnonzero(placed), new[placed])
    km_sum = np.bincount(new[placed], weights=km[placed], minlength=m)
    moved = new != cur
    moved_in = np.bincount(new[moved & placed], minlength=m)
    moved_out = np.bincount(cur[moved], minlength=m)
    km_before = np.zeros(len(new))
    km_before[moved] = road_km(a, policy.circuity, np.flatnonzero(moved), cur[moved])

    changes: list[Change] = []
    for i in np.flatnonzero(moved).tolist():
        j1 = int(new[i])
        reason, detail = _explain(prep, i, j1, threshold, risk_before, risk, km_before, km)
        changes.append(
            Change(
                offender_id=a.offender_ids[i],
                tier=tiers[int(a.tier[i])],
                from_officer=a.officer_ids[int(cur[i])],
                to_officer=a.officer_ids[j1] if j1 >= 0 else None,
                reason=reason,
                detail=detail,
            )
        )
    officers = tuple(
        OfficerLoad(
            officer_id=a.officer_ids[j],
            team=a.team_names[int(a.officer_team[j])],
            status=a.officer_status[j],
            cap=int(a.cap[j]),
            caseload_before=int(before[j]),
            caseload=int(caseload[j]),
            risk_load_before=round(float(risk_before[j]), 3),
            risk_load=round(float(risk[j]), 3),
            mean_km=round(float(km_sum[j] / caseload[j]), 3) if caseload[j] else None,
            moved_in=int(moved_in[j]),
            moved_out=int(moved_out[j]),
        )
        for j in range(m)
    )
    return Allocation(
        assignment={
            oid: (a.officer_ids[j] if j >= 0 else None)
            for oid, j in zip(a.offender_ids, new.tolist(), strict=True)
        },
        changes=tuple(changes),
        shortfalls=tuple(_shortfalls(prep, new)),
        officers=officers,
        objective=objective,
        risk_weight=prep.weights,
        added_officers=tuple(added),
        removed_officers=tuple(sorted(removed)),
        threshold=threshold,
        components=len(prep.problems),
    )


def _explain(
    prep: Prepared,
    i: int,
    j1: int,
    threshold: int | None,
    risk_before: np.ndarray,
    risk: np.ndarray,
    km_before: np.ndarray,
    km: np.ndarray,
) -> tuple[ChangeReason, str]:
    """Why offender ``i`` moves to ``j1`` (-1: nowhere), and the numbers behind it. A
    forced reason comes first; else "nearer base" when the move is at least
    :data:`NEARER_KM` nearer and the annual visiting travel it saves pays for the
    handover on its own; else "rebalance" (including moves that make room in an
    exchange)."""
    a, plan = prep.arrays, prep.plan
    j0 = int(a.current[i])
    old = a.officer_ids[j0]
    team = a.team_names[int(a.team[i])]
    orphan = plan.orphan_reason[i]
    if j1 < 0:
        if orphan is None:
            return ChangeReason.UNALLOCATED, (
                f"no place in {team}: {old}'s place went to a higher-risk offender"
            )
        return ChangeReason.UNALLOCATED, f"no place in {team} ({_orphan_text(a, plan, i)})"
    saved = 2.0 * (km_before[i] - km[i]) * a.visits_per_year[i]
    if orphan is not None:
        reason, head = orphan, _orphan_text(a, plan, i) + "; "
    elif plan.over_cap[j0] > 0:
        reason = ChangeReason.OVER_CAP
        head = f"{old} had {plan.valid_load[j0]} for {a.cap[j0]} places; "
    elif threshold is not None and plan.over_threshold[j0] > 0:
        reason = ChangeReason.OVER_THRESHOLD
        head = f"{old} had {plan.valid_load[j0]}, threshold {threshold}; "
    elif km[i] <= km_before[i] - NEARER_KM and saved >= prep.settings.handover_km:
        reason, head = ChangeReason.NEARER_BASE, ""
    else:
        reason, head = ChangeReason.REBALANCE, ""
    cross = ""
    if a.officer_team[j1] != a.team[i]:
        cross = f"; cross-team {team} -> {a.team_names[int(a.officer_team[j1])]}"
    new_id = a.officer_ids[j1]
    return reason, (
        f"{head}risk-weighted load {old} {risk_before[j0]:.1f}->{risk[j0]:.1f}, "
        f"{new_id} {risk_before[j1]:.1f}->{risk[j1]:.1f}; "
        f"base km {km_before[i]:.1f}->{km[i]:.1f}{cross}"
    )


def _orphan_text(a: RegisterArrays, plan: Classification, i: int) -> str:
    """Why offender ``i``'s current manager cannot keep them."""
    j0 = int(a.current[i])
    if plan.orphan_reason[i] is ChangeReason.GENDER_REQUIREMENT:
        return f"needs a {GENDERS[int(a.required[i])].value} officer"
    return f"{a.officer_ids[j0]} is {a.officer_status[j0].value.replace('_', ' ')}"


def _shortfalls(prep: Prepared, new: np.ndarray) -> list[Shortfall]:
    """Explain the unallocated, per component (team) and requirement, with the officers
    needed. Offenders needing an officer of a given gender count against that gender
    only as far as their number exceeds those officers' free places (places less those
    held by locked offenders without the requirement); the rest, and everyone without a
    requirement, count against the team's places, less the spare places the extra
    gender-specific officers would bring."""
    a, plan = prep.arrays, prep.plan
    per_cap = prep.settings.reference_cap
    out: list[Shortfall] = []
    for p, name in zip(prep.problems, prep.component_names, strict=True):
        rows = p.offenders
        lost = rows[new[rows] < 0]
        if not len(lost):
            continue
        lost = lost[np.argsort(a.tier[lost], kind="stable")]
        cols = p.officers
        spare, extra, general = 0, 0, [lost[a.required[lost] < 0]]
        for g in (1, 0):
            mine = lost[a.required[lost] == g]
            if not len(mine):
                continue
            places = int(a.cap[cols][a.officer_gender[cols] == g].sum())
            demand = int((a.required[rows] == g).sum())
            held = rows[plan.hard[rows] & (a.required[rows] != g)]
            held_n = int((a.officer_gender[a.current[held]] == g).sum())
            excess = min(len(mine), max(0, demand - (places - held_n)))
            general.append(mine[excess:])
            if excess:
                need = math.ceil(excess / per_cap)
                spare += need * per_cap - excess
                extra += need
                out.append(_shortfall(a, name, g, mine[:excess], demand, places, need, held_n))
        rest = np.concatenate(general)
        if len(rest):
            need = math.ceil(max(0, len(rest) - spare) / per_cap)
            places = int(a.cap[cols].sum())
            short = _shortfall(a, name, -1, rest, len(rows), places, need, 0)
            if not need:
                short = short.model_copy(
                    update={
                        "message": short.message.replace(
                            "; 0 more officers needed",
                            f"; the {extra} extra officer(s) above would also take them",
                        )
                    }
                )
            out.append(short)
    return out


def _shortfall(
    a: RegisterArrays,
    team: str,
    g: int,
    offenders: np.ndarray,
    demand: int,
    places: int,
    need: int,
    held: int,
) -> Shortfall:
    who = "officer" if g < 0 else f"{GENDERS[g].value} officer"
    ids = tuple(a.offender_ids[i] for i in offenders.tolist())
    if g < 0:
        what = f"{len(ids)} offenders cannot be allocated in {team}"
        why = f"{demand} offenders for {places} places"
    else:
        what = f"{len(ids)} offenders needing a {who} cannot be allocated in {team}"
        why = f"{demand} need one; {GENDERS[g].value} officers' places: {places}"
        if held:
            why += f", {held} held by locked offenders without the requirement"
    return Shortfall(
        team=team,
        requirement=None if g < 0 else GENDERS[g],
        reason=ShortfallReason.NO_OFFICER if places == 0 else ShortfallReason.CAPACITY,
        offenders=ids,
        demand=demand,
        places=places,
        officers_needed=need,
        message=f"{what}: {why}; {need} more {who}{'' if need == 1 else 's'} needed",
    )
