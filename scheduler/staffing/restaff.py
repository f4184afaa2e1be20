"""Restaffing a register: any number of officers, spread over its teams in proportion
to their sizes, each team's officers taken in an order that keeps the shifts its
offenders need, and the caseloads re-allocated with the exact allocation.

:func:`team_counts` is the split, :func:`roster` over :func:`team_order` the officers
of a team of any size, :func:`restaff` the register; the workload bound
(:mod:`scheduler.staffing.bound`) reasons about the same rosters.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from models import Gender, Offender, Officer, Policy, Register
from scheduler.allocation import AllocationSettings, allocate
from scheduler.core.exceptions import RotaError
from scheduler.staffing.reach import Reach, reach_order

WEEK_DAYS = 7
#: How :func:`restaff` picks a team's officers: :func:`scheduler.staffing.reach.reach_order` then
#: :func:`balanced_order`, :func:`balanced_order` alone, or list order.
RosterOrder = Literal["reach", "balanced", "listed"]
#: Officer-id suffix of officers added by :func:`restaff` (``<TEAM>-S001``).
ADDED_OFFICER_TAG = "S"
#: Most officers a sweep level may have (a guard against typos like 4:1000000).
MAX_OFFICERS = 100_000


class StaffingError(RotaError):
    """A staffing request that cannot be carried out (bad officer range, unknown
    scenario, fewer officers than teams)."""


def team_counts(sizes: dict[str, int], officers: int) -> dict[str, int]:
    """Officers per team for a total of ``officers``, in proportion to ``sizes`` (the
    current team sizes), at least one per team.

    One officer each, then each further officer to the team with the largest
    ``size / (officers it has + 0.5)`` (the Sainte-Lague / Webster divisor method as a
    priority list; ties in name order). Built one officer at a time, the split is house
    monotone: a larger total never gives any team fewer officers, so a sweep's levels
    are nested and compliance can only gain from one level to the next (largest
    remainder is not: :func:`largest_remainder_counts`). At today's total it gives
    today's teams."""
    _check_split(sizes, officers)
    count = dict.fromkeys(sorted(sizes), 1)
    queue = [(-2 * sizes[t] / 3, t) for t in count]  # size / (1 + 0.5)
    heapq.heapify(queue)
    for _ in range(officers - len(count)):
        _, t = heapq.heappop(queue)
        count[t] += 1
        heapq.heappush(queue, (-sizes[t] / (count[t] + 0.5), t))
    return count


def _check_split(sizes: dict[str, int], officers: int) -> None:
    if not sizes:
        raise StaffingError("the register has no officers, so no teams to staff")
    if officers < len(sizes):
        raise StaffingError(
            f"{officers} officer(s) cannot staff {len(sizes)} teams: at least one per team"
        )


def largest_remainder_counts(sizes: dict[str, int], officers: int) -> dict[str, int]:
    """The largest-remainder split (at least one per team, equal remainders in name
    order): kept for the scenarios cut with it (``*-cuts20@1``, ``@2``), whose
    registers are published inputs. Not house monotone, so sweeps use
    :func:`team_counts`."""
    _check_split(sizes, officers)
    total = sum(sizes.values())
    teams = sorted(sizes)
    quota = {t: officers * sizes[t] / total for t in teams}
    count = {t: max(1, math.floor(quota[t])) for t in teams}
    short = officers - sum(count.values())
    if short > 0:
        order = sorted(teams, key=lambda t: (-(quota[t] - math.floor(quota[t])), t))
        for t in order[:short]:
            count[t] += 1
    while short < 0:  # the minimum of one pushed the total over: trim the most over quota
        t = min((t for t in teams if count[t] > 1), key=lambda t: (quota[t] - count[t], t))
        count[t] -= 1
        short += 1
    return count


def _id_stem(team: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", team).strip("-").upper() or "TEAM"
    return stem[:56]


def officer_features(officer: Officer, policy: Policy) -> np.ndarray:
    """What an officer adds to a team's cover: for every (weekday, policy slot) whether
    their shift can staff the slot (room for the shortest visit, as
    :func:`scheduler.core.windows.staffed_policy` decides), the number of days they staff each
    slot, their weekend shifts, and their gender (female, male)."""
    shortest_s = min(policy.visit_minutes.values()) * 60
    grid = np.zeros((WEEK_DAYS, len(policy.slots)))
    if officer.visit_hours > 0:
        for sh in officer.shifts:
            for j, slot in enumerate(policy.slots):
                if sh.day not in policy.slot_days(slot):
                    continue
                overlap = min(sh.window.end_s, slot.window.end_s + shortest_s) - max(
                    sh.window.start_s, slot.window.start_s
                )
                grid[int(sh.day), j] = overlap >= shortest_s
    weekend = sum(int(sh.day) >= 5 for sh in officer.shifts)
    gender = [officer.gender is Gender.FEMALE, officer.gender is Gender.MALE]
    return np.concatenate([grid.ravel(), grid.sum(axis=0), [weekend], gender]).astype(float)


def balanced_order(officers: Sequence[Officer], policy: Policy) -> list[int]:
    """The team's officers (indices) in an order whose every prefix has, as nearly as
    can be, the team's own mix of cover (:func:`officer_features`: evening and weekend
    shifts, the days they fall on, gender).

    Greedy: each next officer is the one that brings the prefix's feature counts closest
    (least squares) to the prefix length times the team's mean; ties go to list order.
    :func:`roster` cycles through this order, so a team cut to ``k`` officers keeps about
    ``k`` times its share of late and Saturday shifts, and a team that grows adds them in
    proportion: more officers really add evening and weekend capacity."""
    if not officers:
        return []
    x = np.array([officer_features(o, policy) for o in officers])
    target = x.mean(axis=0)
    left = list(range(len(officers)))
    counts = np.zeros(x.shape[1])
    order: list[int] = []
    for p in range(1, len(officers) + 1):
        miss = ((counts + x[left] - p * target) ** 2).sum(axis=1)
        pick = left[int(np.argmin(miss))]  # argmin takes the first of equals: list order
        order.append(pick)
        counts += x[pick]
        left.remove(pick)
    return order


def roster(order: Sequence[int], k: int) -> list[int]:
    """Which of a team's officers each of ``k`` officers is (or is a clone of): the
    first ``k`` of ``order`` repeated. An officer's second and later picks are clones
    (``order`` may name an officer twice: :func:`scheduler.staffing.reach.reach_order`)."""
    return [order[i % len(order)] for i in range(k)] if order else []


def _team_officers(
    team: str, current: list[Officer], k: int, taken: set[str], order: Sequence[int]
) -> list[Officer]:
    """``k`` officers for a team by :func:`roster` over ``order``: the officers it keeps
    (each picked at least once, in their list order), then a clone (same shifts, base,
    visit hours, cap and gender, a new id) for each further pick of an officer."""
    picks = roster(order, k)
    kept = sorted(set(picks))
    out = [current[i] for i in kept]
    seen: set[int] = set()
    repeats = [i for i in picks if i in seen or seen.add(i)]  # type: ignore[func-returns-value]
    stem = _id_stem(team)
    n = 0
    for i in repeats:
        while True:
            n += 1
            oid = f"{stem}-{ADDED_OFFICER_TAG}{n:03d}"
            if oid not in taken:
                break
        taken.add(oid)
        out.append(current[i].model_copy(update={"id": oid, "absent": ()}))
    return out


def team_order(
    officers: Sequence[Officer],
    policy: Policy,
    order: RosterOrder,
    offenders: Sequence[Offender] = (),
    visit_hours: float | None = None,
    reach: Reach | None = None,
) -> list[int]:
    """The order :func:`restaff` takes a team's officers in: first those whose shifts
    reach offenders (the team's ``offenders``) that no officer before them can visit,
    then the rest in :func:`balanced_order` (``"reach"``); :func:`balanced_order` alone
    (``"balanced"``); or the list order (``"listed"``, kept for ``*-cuts20@1``).
    ``reach``: :func:`scheduler.staffing.reach.team_reach` of the team's active
    offenders, when the caller already has it (the workload bound)."""
    if order == "listed":
        return list(range(len(officers)))
    if order == "balanced":
        return balanced_order(officers, policy)
    if order == "reach":
        then = balanced_order(officers, policy)
        return reach_order(officers, offenders, policy, then, visit_hours=visit_hours, reach=reach)
    raise StaffingError(f"unknown roster order {order!r} (reach, balanced or listed)")


def restaff(
    register: Register,
    officers: int,
    policy: Policy | None = None,
    *,
    caseload_cap: int | None = None,
    visit_hours: float | None = None,
    order: RosterOrder = "reach",
    split: Callable[[dict[str, int], int], dict[str, int]] | None = None,
) -> Register:
    """The same offenders with ``officers`` officers, caseloads re-allocated.

    Officers are spread over the teams in proportion to the current team sizes
    (:func:`team_counts`, at least one per team; ``split`` replaces it). Within a team
    the officers are taken in ``order`` (:func:`team_order`: by default the reach order,
    then :func:`balanced_order`), cycling: a team
    cut to ``k`` keeps the first ``k``, a team that grows keeps everyone and adds clones
    of them in that order (same shifts, base, visit hours and gender; ids
    ``<TEAM>-S001``...), so the shifts the offenders need come first and then the team's
    own mix (``order="balanced"``: the mix alone; ``"listed"``: the list order, the
    first ``k`` or clones round-robin from the top). Caseloads are then re-allocated with the exact
    allocation (:func:`scheduler.allocation.solve.allocate`, continuity kept where it can be).

    Nobody is left unmanaged: each officer's cap is raised to at least ``ceil(team
    offenders / team officers)`` (the weekly planner needs every offender to have a
    manager in a team with officers), and an offender the allocation still cannot place
    (an officer-gender requirement the remaining officers cannot meet, or a cap at the
    model's 1000 limit) goes to the least-loaded officer of their team: the planner then
    lists their visits as a shortfall, which is the true consequence of that staffing.

    Parameters
    ----------
    caseload_cap
        A uniform caseload cap for every officer (raised as above where it cannot hold;
        a sweep row reports the largest caseload so the cap can be checked).
    visit_hours
        A uniform visit-hour budget per working day for every officer.
    """
    policy = policy or Policy()
    if officers < 1 or officers > MAX_OFFICERS:
        raise StaffingError(f"officers must be between 1 and {MAX_OFFICERS}, got {officers}")
    kept, added = _team_rosters(register, officers, policy, caseload_cap, visit_hours, order, split)
    team_of = {o.id: o.team for o in register.officers}
    keep_ids = {o.id for o in kept}
    removed = [o for o in register.officers if o.id not in keep_ids]
    base = Register(offenders=register.offenders, officers=tuple(kept) + tuple(removed))
    allocation = allocate(
        base,
        policy,
        settings=AllocationSettings(pro_rata=False),
        add_officers=added,
        remove_officers=[o.id for o in removed],
    )
    staff = tuple(kept) + tuple(added)
    assignment = _place_unallocated(allocation.assignment, register, staff, team_of)
    offenders = tuple(
        o
        if assignment[o.id] == o.manager_id
        else o.model_copy(update={"manager_id": assignment[o.id]})
        for o in register.offenders
    )
    return Register(offenders=offenders, officers=staff)


def _team_rosters(
    register: Register,
    officers: int,
    policy: Policy,
    caseload_cap: int | None,
    visit_hours: float | None,
    order: RosterOrder,
    split: Callable[[dict[str, int], int], dict[str, int]] | None,
) -> tuple[list[Officer], list[Officer]]:
    """Each team's officers for :func:`restaff`, caps raised so nobody is left
    unmanaged: the current officers kept, and the clones added."""
    by_team: dict[str, list[Officer]] = defaultdict(list)
    for o in register.officers:
        by_team[o.team].append(o)
    counts = (split or team_counts)({t: len(v) for t, v in by_team.items()}, officers)
    team_of = {o.id: o.team for o in register.officers}
    team_load = Counter(team_of[o.manager_id] for o in register.offenders)
    caseload: dict[str, list[Offender]] = defaultdict(list)
    for off in register.offenders:
        caseload[team_of[off.manager_id]].append(off)
    update: dict[str, Any] = {}
    if visit_hours is not None:
        update["visit_hours"] = float(visit_hours)
    taken = {o.id for o in register.officers}
    kept: list[Officer] = []
    added: list[Officer] = []
    for team in sorted(by_team):
        mates = by_team[team]
        ranked = team_order(mates, policy, order, caseload[team], visit_hours)
        chosen = _team_officers(team, mates, counts[team], taken, ranked)
        floor_cap = math.ceil(team_load[team] / counts[team])
        for o in chosen:
            cap = min(1000, max(caseload_cap or o.caseload_cap, floor_cap))
            new = o.model_copy(update={**update, "caseload_cap": cap})
            (kept if o.id in team_of else added).append(new)
    return kept, added


def _place_unallocated(
    assignment: dict[str, str | None],
    register: Register,
    staff: tuple[Officer, ...],
    team_of: dict[str, str],
) -> dict[str, str]:
    """Every offender the allocation left without a manager goes to the least-loaded
    officer of their team (ties by id), so the register stays plannable."""
    load = Counter(v for v in assignment.values() if v is not None)
    mates: dict[str, list[str]] = defaultdict(list)
    for o in staff:
        mates[o.team].append(o.id)
    out: dict[str, str] = {}
    for off in register.offenders:
        manager = assignment.get(off.id)
        if manager is None:
            manager = min(mates[team_of[off.manager_id]], key=lambda m: (load[m], m))
            load[manager] += 1
        out[off.id] = manager
    return out


def proportional_total(sizes: dict[str, int], need: dict[str, int]) -> int:
    """The smallest total whose split in proportion to ``sizes`` (:func:`team_counts`)
    gives every team at least ``need``."""
    start = max(sum(need.values()), len(sizes))
    for total in range(start, MAX_OFFICERS + 1):
        counts = team_counts(sizes, total)
        if all(counts[t] >= need[t] for t in sizes):
            return total
    raise StaffingError("no staffing level up to the maximum gives every team its bound")


__all__ = [
    "MAX_OFFICERS",
    "RosterOrder",
    "StaffingError",
    "balanced_order",
    "largest_remainder_counts",
    "proportional_total",
    "restaff",
    "roster",
    "team_counts",
    "team_order",
]
