"""Daily operations in the history store: a manager's pins, officers' absences, urgent
visit requests, visits released to officers, the audit trail of every edit, and the
week's current plan rebuilt as a rota for a re-plan.

The store is the state a re-plan starts from: every row says who (``created_by``), when
(``created_at``) and why (``reason``), and nothing is deleted (an unpinned pin is marked
removed, a withdrawn request withdrawn), so the trail can be read back in full.
:class:`DailyRecords` is a part of :class:`~scheduler.history.store.store.HistoryStore`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from models import AuditRecord, Policy, Register, Rota, Visit
from scheduler.history.store import tables
from scheduler.history.store.connection import StoreConnection


@dataclass(frozen=True)
class Who:
    """Who made an edit, when, and why: written on every daily-operations row."""

    at: dt.datetime
    by: str
    reason: str = ""

    def values(self) -> dict[str, str]:
        return {
            "created_at": self.at.isoformat(timespec="seconds"),
            "created_by": self.by,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Pin:
    """A manager's decision: this offender's visit this week is made by this officer, on
    this day, in this time of day, whatever any re-plan finds."""

    id: int
    offender_id: str
    week_start: dt.date
    officer_id: str
    date: dt.date
    slot: str
    created_by: str
    reason: str


@dataclass(frozen=True)
class UrgentRequest:
    """A visit intelligence asks for before ``deadline``."""

    id: int
    offender_id: str
    deadline: dt.datetime
    two_officers: bool
    created_at: dt.datetime
    created_by: str
    reason: str


@dataclass(frozen=True)
class EditEntry:
    """One line of the audit trail, before it is written."""

    kind: str  # pin, unpin, absent, urgent, release, replan, moved
    detail: str
    offender_id: str | None = None
    officer_id: str | None = None
    date: dt.date | None = None
    #: (slot attacker hit rate, gap attacker hit rate) of the offender's visits before
    #: and after the edit; None where there are too few visits to score.
    before: tuple[float | None, float | None] = (None, None)
    after: tuple[float | None, float | None] = (None, None)


@dataclass(frozen=True)
class PlanEdit:
    """One written line of the audit trail."""

    id: int
    kind: str
    offender_id: str | None
    officer_id: str | None
    date: dt.date | None
    detail: str
    plan_id: int | None
    seed: int | None
    slot_before: float | None
    slot_after: float | None
    gap_before: float | None
    gap_after: float | None
    created_at: str
    created_by: str
    reason: str


@dataclass(frozen=True)
class WeekPlan:
    """The week's current plan as the store has it."""

    plan_id: int
    rota: Rota
    register: Register
    policy: Policy


def _day(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


class DailyRecords:
    """The daily-operations part of the history store."""

    if TYPE_CHECKING:

        def transaction(self) -> AbstractContextManager[StoreConnection]: ...
        def _read(self) -> AbstractContextManager[StoreConnection]: ...

    # ---------------------------------------------------------------- pins

    def add_pin(
        self,
        offender_id: str,
        week_start: dt.date,
        officer_id: str,
        day: dt.date,
        slot: str,
        who: Who,
    ) -> int:
        """Pin the offender's visit of the week (replacing an earlier pin, kept removed)."""
        with self.transaction() as conn:
            self._unpin(conn, offender_id, week_start, who)
            return conn.insert(
                sa.insert(tables.pins).values(
                    offender_id=offender_id,
                    week_start=week_start.isoformat(),
                    officer_id=officer_id,
                    date=day.isoformat(),
                    slot=slot,
                    **who.values(),
                )
            )

    def remove_pin(self, offender_id: str, week_start: dt.date, who: Who) -> bool:
        """Free the offender's visit of the week; False if it was not pinned."""
        with self.transaction() as conn:
            return self._unpin(conn, offender_id, week_start, who)

    @staticmethod
    def _unpin(conn: StoreConnection, offender_id: str, week_start: dt.date, who: Who) -> bool:
        t = tables.pins
        done = conn.execute(
            sa.update(t)
            .where(
                t.c.offender_id == offender_id,
                t.c.week_start == week_start.isoformat(),
                t.c.removed_at.is_(None),
            )
            .values(
                removed_at=who.at.isoformat(timespec="seconds"),
                removed_by=who.by,
                removed_reason=who.reason,
            )
        )
        return bool(getattr(done, "rowcount", 0))

    def pins(self, week_start: dt.date) -> list[Pin]:
        """The week's pins in force."""
        t = tables.pins
        query = (
            sa.select(t.c.id, t.c.offender_id, t.c.week_start, t.c.officer_id, t.c.date)
            .add_columns(t.c.slot, t.c.created_by, t.c.reason)
            .where(t.c.week_start == week_start.isoformat(), t.c.removed_at.is_(None))
            .order_by(t.c.id)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [
            Pin(
                r[0],
                r[1],
                dt.date.fromisoformat(r[2]),
                r[3],
                dt.date.fromisoformat(r[4]),
                r[5],
                r[6],
                r[7],
            )
            for r in rows
        ]

    # ---------------------------------------------------------------- absences

    def add_absence(self, officer_id: str, days: Iterable[dt.date], who: Who) -> list[dt.date]:
        """Record the officer away on ``days``; returns the days not recorded before."""
        t = tables.absences
        with self.transaction() as conn:
            known = set(self._absent_days(conn, officer_id))
            new = sorted(set(days) - known)
            for day in new:
                conn.insert(
                    sa.insert(t).values(officer_id=officer_id, date=day.isoformat(), **who.values())
                )
        return new

    @staticmethod
    def _absent_days(conn: StoreConnection, officer_id: str | None = None) -> list[dt.date]:
        t = tables.absences
        query = sa.select(t.c.date)
        if officer_id is not None:
            query = query.where(t.c.officer_id == officer_id)
        return [dt.date.fromisoformat(d) for d in conn.execute(query).scalars().all()]

    def absences(self, start: dt.date, end: dt.date) -> dict[str, set[dt.date]]:
        """Per officer, the recorded days away from ``start`` to ``end`` (inclusive)."""
        t = tables.absences
        query = sa.select(t.c.officer_id, t.c.date).where(
            t.c.date >= start.isoformat(), t.c.date <= end.isoformat()
        )
        out: dict[str, set[dt.date]] = {}
        with self._read() as conn:
            for officer_id, day in conn.execute(query).all():
                out.setdefault(officer_id, set()).add(dt.date.fromisoformat(day))
        return out

    # ---------------------------------------------------------------- urgent requests

    def add_urgent(
        self, offender_id: str, deadline: dt.datetime, two_officers: bool, who: Who
    ) -> int:
        with self.transaction() as conn:
            return conn.insert(
                sa.insert(tables.urgent).values(
                    offender_id=offender_id,
                    deadline=deadline.isoformat(timespec="minutes"),
                    two_officers=int(two_officers),
                    **who.values(),
                )
            )

    def urgent_requests(self, after: dt.datetime) -> list[UrgentRequest]:
        """Requests not withdrawn whose deadline is after ``after``, oldest first."""
        t = tables.urgent
        query = (
            sa.select(t.c.id, t.c.offender_id, t.c.deadline, t.c.two_officers)
            .add_columns(t.c.created_at, t.c.created_by, t.c.reason)
            .where(t.c.withdrawn_at.is_(None), t.c.deadline > after.isoformat(timespec="minutes"))
            .order_by(t.c.id)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [
            UrgentRequest(
                r[0],
                r[1],
                dt.datetime.fromisoformat(r[2]),
                bool(r[3]),
                dt.datetime.fromisoformat(r[4]),
                r[5],
                r[6],
            )
            for r in rows
        ]

    # ---------------------------------------------------------------- releases

    def record_release(self, plan_id: int, visits: Sequence[Visit], who: Who) -> int:
        """Record ``visits`` of plan ``plan_id`` as released to their officers (a visit
        released before is not recorded twice); returns how many are new."""
        t = tables.released
        with self.transaction() as conn:
            known = {
                (o, d)
                for o, d in conn.execute(
                    sa.select(t.c.offender_id, t.c.date).where(t.c.plan_id == plan_id)
                ).all()
            }
            rows = [
                {
                    "plan_id": plan_id,
                    "offender_id": v.offender_id,
                    "date": v.date.isoformat(),
                    "officer_ids": ";".join(v.officer_ids),
                    **who.values(),
                }
                for v in visits
                if (v.offender_id, v.date.isoformat()) not in known
            ]
            if rows:
                conn.execute(sa.insert(t), rows)
        return len(rows)

    def released(self, start: dt.date, end: dt.date) -> set[tuple[str, dt.date, tuple[str, ...]]]:
        """(offender, date, officers) of every visit released for ``start``..``end``: a
        visit of a later plan version is still released while it keeps all three."""
        t = tables.released
        query = sa.select(t.c.offender_id, t.c.date, t.c.officer_ids).where(
            t.c.date >= start.isoformat(), t.c.date <= end.isoformat()
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        return {(o, dt.date.fromisoformat(d), tuple(c.split(";"))) for o, d, c in rows}

    # ---------------------------------------------------------------- audit trail

    def add_edits(
        self,
        entries: Sequence[EditEntry],
        who: Who,
        plan_id: int | None = None,
        seed: int | None = None,
    ) -> None:
        """Write audit-trail lines (with the plan they produced and its seed)."""
        if not entries:
            return
        rows = [
            {
                "kind": e.kind,
                "offender_id": e.offender_id,
                "officer_id": e.officer_id,
                "date": None if e.date is None else e.date.isoformat(),
                "detail": e.detail,
                "plan_id": plan_id,
                "seed": seed,
                "slot_hit_rate_before": e.before[0],
                "gap_hit_rate_before": e.before[1],
                "slot_hit_rate_after": e.after[0],
                "gap_hit_rate_after": e.after[1],
                **who.values(),
            }
            for e in entries
        ]
        with self.transaction() as conn:
            conn.execute(sa.insert(tables.edits), rows)

    def edits(self, offender_id: str | None = None) -> list[PlanEdit]:
        """The audit trail, oldest first (one offender's when given)."""
        t = tables.edits
        columns = (
            "id",
            "kind",
            "offender_id",
            "officer_id",
            "date",
            "detail",
            "plan_id",
            "seed",
            "slot_hit_rate_before",
            "slot_hit_rate_after",
            "gap_hit_rate_before",
            "gap_hit_rate_after",
            "created_at",
            "created_by",
            "reason",
        )
        query = sa.select(*(t.c[c] for c in columns)).order_by(t.c.id)
        if offender_id is not None:
            query = query.where(t.c.offender_id == offender_id)
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [
            PlanEdit(
                r[0],
                r[1],
                r[2],
                r[3],
                _day(r[4]),
                r[5],
                r[6],
                r[7],
                r[8],
                r[9],
                r[10],
                r[11],
                r[12],
                r[13],
                r[14],
            )
            for r in rows
        ]

    # ---------------------------------------------------------------- the week's plan

    def week_plan(self, week_start: dt.date) -> WeekPlan | None:
        """The week's latest plan (a re-plan supersedes the one before), rebuilt as a
        rota with the register and policy it was made from."""
        p, s = tables.plans, tables.snapshots
        with self._read() as conn:
            row = conn.execute(
                sa.select(p.c.id, p.c.seed, p.c.policy_json, p.c.inputs_sha256)
                .add_columns(p.c.created_by, p.c.software_version, s.c.register_json)
                .join(s, s.c.id == p.c.snapshot_id)
                .where(p.c.week_start == week_start.isoformat())
                .order_by(p.c.id.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            v = tables.visits
            visit_rows = conn.execute(
                sa.select(
                    *(v.c[c] for c in ("offender_id", "officer_ids", "tier", "date", "slot")),
                    *(v.c[c] for c in ("arrival", "window_end", "due_date", "urgency")),
                    v.c.short_notice,
                    v.c.rebooked,
                )
                .where(v.c.plan_id == row[0])
                .order_by(v.c.arrival, v.c.id)
            ).all()
        policy = Policy.model_validate_json(row[2])
        register = Register.model_validate_json(row[6])
        audit = AuditRecord(
            inputs_sha256=row[3],
            seed=row[1],
            policy=json.loads(row[2]),
            week_start=week_start,
            created_by=row[4],
            software_version=row[5],
        )
        visits = _stored_visits(visit_rows, register, policy)
        rota = Rota(week_start=week_start, visits=tuple(visits), unscheduled=(), audit=audit)
        return WeekPlan(int(row[0]), rota, register, policy)


def _stored_visits(rows: Sequence[Any], register: Register, policy: Policy) -> list[Visit]:
    """Stored visit rows as visits: the departure from the tier's visit length, the
    sequence from the order of each officer-day (travel is not stored: 0)."""
    manager = {o.id: o.manager_id for o in register.offenders}
    seq: dict[tuple[str, str], int] = {}
    out = []
    for r in rows:
        arrival = dt.datetime.fromisoformat(r[5])
        crew = tuple(r[1].split(";"))
        key = (crew[0], r[3])
        seq[key] = seq.get(key, 0) + 1
        tier = r[2]
        out.append(
            Visit(
                offender_id=r[0],
                officer_ids=crew,
                tier=tier,
                date=dt.date.fromisoformat(r[3]),
                slot=r[4],
                arrival=arrival,
                window_end=dt.datetime.fromisoformat(r[6]),
                departure=arrival + dt.timedelta(minutes=policy.visit_minutes[tier]),
                sequence=seq[key],
                travel_to_s=0,
                due_date=dt.date.fromisoformat(r[7]),
                urgency=1.0 if r[8] is None else float(r[8]),
                cover=manager.get(r[0]) not in crew,
                short_notice=bool(r[9]),
                rebooked=bool(r[10]),
            )
        )
    return out
