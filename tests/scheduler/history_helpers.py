"""Helpers for the store, record and status tests: a hand-built rota (no solver, so the
tests are fast and the visit days are known) saved into a fresh store."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from models import AuditRecord, Policy, Register, Rota, Visit, VisitOutcome
from scheduler.core.windows import slot_name
from scheduler.history.store import HistoryStore
from scheduler.io.outcomes import OutcomeRow
from tests.scheduler.conftest import WEEK, offender, officer, register

NOW = datetime(2026, 12, 20, 9, 30)
TODAY = NOW.date()


def small_register(n: int = 4, tier: str = "high") -> Register:
    """``n`` offenders R0..R{n-1} of one officer A, all well overdue."""
    offs = [offender(f"R{i}", "A", tier=tier, days_since=200, dlat=0.002 * i) for i in range(n)]
    return register(offs, [officer("A", shifts="mon-sun 08:00-21:00")])


def hand_rota(
    reg: Register,
    visits: list[tuple[str, int, int]],
    week: date = WEEK,
    seed: int = 7,
    policy: Policy | None = None,
) -> Rota:
    """A rota with one visit per ``(offender_id, day index, hour)``, by officer A."""
    policy = policy or Policy()
    tiers = {o.id: o.tier for o in reg.offenders}
    out = []
    for seq, (oid, d, hour) in enumerate(visits, start=1):
        day = week + timedelta(days=d)
        arrival = datetime.combine(day, time(hour))
        out.append(
            Visit(
                offender_id=oid,
                officer_ids=("A",),
                tier=tiers[oid],
                date=day,
                slot=slot_name(policy, day, hour * 3600),
                arrival=arrival,
                window_end=arrival + timedelta(hours=1),
                departure=arrival + timedelta(minutes=75),
                sequence=seq,
                travel_to_s=600,
                due_date=week,
                urgency=100.0,
            )
        )
    audit = AuditRecord(
        inputs_sha256="ab" * 32,
        seed=seed,
        policy=policy.model_dump(mode="json"),
        week_start=week,
        created_by="tester",
        software_version="0.1.0",
    )
    return Rota(week_start=week, visits=tuple(out), unscheduled=(), audit=audit)


def stored(tmp_path: Path, reg: Register, visits: list[tuple[str, int, int]]) -> HistoryStore:
    """A new store holding one plan of ``visits`` for :data:`WEEK`."""
    store = HistoryStore(tmp_path / "history.db")
    store.save_plan(hand_rota(reg, visits), reg, NOW - timedelta(days=20))
    return store


def row(oid: str, d: int, outcome: str, n: int = 2, week: date = WEEK, **kw) -> OutcomeRow:
    """An outcome for the visit on day index ``d`` of ``week``, as file row ``n``."""
    return OutcomeRow(
        source="outcomes.csv",
        row=n,
        offender_id=oid,
        date=week + timedelta(days=d),
        outcome=VisitOutcome(outcome),
        **kw,
    )


def record(store: HistoryStore, *rows: OutcomeRow, amend: bool = False):
    return store.import_outcomes(
        list(rows), policy=Policy(), recorded_at=NOW, recorded_by="tester", amend=amend
    )
