"""Tiny hand-made registers for the optimiser tests."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import Location, Offender, Officer, Policy, Register, RiskTier
from models.simulation import EventRates
from scheduler.io.loaders import parse_shifts, parse_unavailability

WEEK = date(2026, 11, 30)  # a Monday
BASE = (51.3720, -0.1000)


#: Nothing happens around the planner: every visit succeeds, nobody moves, registers,
#: leaves or is away, and officers are never absent. What is left is the planner against
#: the workload, so the expected outcomes of a simulation are exact.
NO_EVENTS = EventRates(
    no_answer=0.0,
    refused_entry=0.0,
    cancelled_by_police=0.0,
    registrations_per_year=0.0,
    deregistrations_per_year=0.0,
    moves_per_year=0.0,
    custody_per_year=0.0,
    hospital_per_year=0.0,
    abroad_per_year=0.0,
    abscond_per_year=0.0,
    leave_share=0.0,
    sickness_share=0.0,
    abstraction_share=0.0,
)


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


# ---- history store back ends ----------------------------------------------------------

import os  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from scheduler.history.store import StoreURL, store_location  # noqa: E402

#: A PostgreSQL database URL (postgresql+psycopg://USER@HOST:PORT/DB) for the store tests;
#: .ci/run starts a throwaway server and sets it. Without it those tests are skipped.
POSTGRES_ENV = "ROTA_TEST_POSTGRES_URL"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL of the test database whose tables go into a fresh schema (dropped after the
    test): every test starts from an empty database."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set: no PostgreSQL server to test against")
    server = store_location(base)
    assert isinstance(server, StoreURL), f"{POSTGRES_ENV} is not a PostgreSQL URL"
    schema = f"rota_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server.url, poolclass=NullPool)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = server.url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql("SET LOCAL lock_timeout = '10s'")  # never hang on a leak
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a test's history store goes: a new SQLite file (in a directory that does not
    exist yet), or an empty PostgreSQL schema."""
    if request.param == "sqlite":
        return tmp_path / "sub" / "history.db"
    return str(request.getfixturevalue("postgres_url"))
