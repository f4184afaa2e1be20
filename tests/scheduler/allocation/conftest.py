"""Tiny hand-made registers for the allocation tests: officers (``om``) and offenders
(``rso``) a few hundred metres around one base, in one team unless told."""

from __future__ import annotations

from datetime import date

from models import Gender, Location, Offender, OffenderStatus, Officer, Register, RiskTier
from scheduler.allocation import Allocation, AllocationSettings
from scheduler.io.loaders import parse_shifts

BASE = (51.3720, -0.1000)
#: Isolates one rule: no balance cost, so only travel and handovers decide.
NO_BALANCE = AllocationSettings(balance_weight=0.0)


def om(
    oid: str,
    team: str = "t",
    *,
    dlat: float = 0.0,
    cap: int = 50,
    gender: Gender | None = None,
    shifts: str = "mon-fri 08:00-16:00",
    absent: tuple[date, ...] = (),
) -> Officer:
    return Officer(
        id=oid,
        team=team,
        base=Location(lat=BASE[0] + dlat, lon=BASE[1]),
        shifts=parse_shifts(shifts),
        caseload_cap=cap,
        gender=gender,
        absent=absent,
    )


def rso(
    oid: str,
    manager: str,
    tier: str = "low",
    *,
    dlat: float = 0.0,
    needs: Gender | None = None,
    status: OffenderStatus = OffenderStatus.ACTIVE,
) -> Offender:
    return Offender(
        id=oid,
        home=Location(lat=BASE[0] + dlat, lon=BASE[1] + 0.01),
        tier=RiskTier(tier),
        manager_id=manager,
        officer_gender=needs,
        status=status,
    )


def reg(offenders: list[Offender], officers: list[Officer]) -> Register:
    return Register(offenders=tuple(offenders), officers=tuple(officers))


def caseloads(al: Allocation) -> dict[str, int]:
    return {o.officer_id: o.caseload for o in al.officers}


def moved(al: Allocation) -> set[str]:
    return {c.offender_id for c in al.changes}


def unbalanced() -> Register:
    # A manages 6, B and C none: any rebalance moves some of A's offenders.
    return reg([rso(f"R{i}", "A") for i in range(6)], [om("A"), om("B"), om("C")])
