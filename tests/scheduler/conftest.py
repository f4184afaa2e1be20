"""Tiny hand-made registers for the optimiser tests."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import Location, Offender, Officer, Policy, Register, RiskTier
from scheduler.loaders import parse_shifts, parse_unavailability

WEEK = date(2026, 11, 30)  # a Monday
BASE = (51.3720, -0.1000)


def officer(
    oid: str, shifts: str = "mon-fri 08:00-16:00", hours: float = 4.0, team: str = "t", **kw
) -> Officer:
    return Officer(
        id=oid,
        team=team,
        base=Location(lat=BASE[0], lon=BASE[1]),
        shifts=parse_shifts(shifts),
        visit_hours=hours,
        **kw,
    )


def offender(
    oid: str,
    manager: str,
    tier: str = "high",
    days_since: int | None = 200,
    dlat: float = 0.01,
    dlon: float = 0.01,
    unavailable: str = "",
    **kw,
) -> Offender:
    return Offender(
        id=oid,
        home=Location(lat=BASE[0] + dlat, lon=BASE[1] + dlon),
        tier=RiskTier(tier),
        manager_id=manager,
        last_visit=None if days_since is None else WEEK - timedelta(days=days_since),
        unavailable=parse_unavailability(unavailable),
        **kw,
    )


def register(offenders: list[Offender], officers: list[Officer]) -> Register:
    return Register(offenders=tuple(offenders), officers=tuple(officers))


@pytest.fixture
def policy() -> Policy:
    return Policy.model_validate({"solver": {"time_limit_s": 0.3}})
