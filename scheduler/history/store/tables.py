"""The store's tables as its queries see them, and the statements run once per imported
row."""

from __future__ import annotations

import sqlalchemy as sa

# The tables as the queries below see them (the schema after the last migration; the
# migrations, not this, create it).
meta = sa.MetaData()
versions = sa.Table(
    "schema_version",
    meta,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.Text),
)
snapshots = sa.Table(
    "register_snapshots",
    meta,
    sa.Column("id", sa.BigInteger, primary_key=True),
    *(sa.Column(c, sa.Text) for c in ("sha256", "taken_at", "as_of")),
    sa.Column("offenders", sa.Integer),
    sa.Column("register_json", sa.Text),
)
plans = sa.Table(
    "plans",
    meta,
    sa.Column("id", sa.BigInteger, primary_key=True),
    *(sa.Column(c, sa.Text) for c in ("week_start", "created_at", "created_by", "inputs_sha256")),
    sa.Column("seed", sa.BigInteger),
    sa.Column("policy_json", sa.Text),
    sa.Column("software_version", sa.Text),
    sa.Column("snapshot_id", sa.BigInteger),
    sa.Column("replaces_plan_id", sa.BigInteger),
    sa.Column("replanned_from", sa.Text),
)
visits = sa.Table(
    "planned_visits",
    meta,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("plan_id", sa.BigInteger),
    *(
        sa.Column(c, sa.Text)
        for c in (
            "offender_id",
            "officer_ids",
            "tier",
            "date",
            "slot",
            "arrival",
            "window_end",
            "due_date",
        )
    ),
    sa.Column("urgency", sa.Float),
    sa.Column("short_notice", sa.Integer),
    sa.Column("rebooked", sa.Integer),
)
outcomes = sa.Table(
    "outcomes",
    meta,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("visit_id", sa.BigInteger),
    *(sa.Column(c, sa.Text) for c in ("offender_id", "date", "outcome")),
    sa.Column("arms_done", sa.Integer),
    *(
        sa.Column(c, sa.Text)
        for c in ("attempt_time", "slot", "recheck_date", "notes", "recorded_at", "recorded_by")
    ),
    sa.Column("superseded_by", sa.BigInteger),
)
_WHO = ("created_at", "created_by", "reason")
pins = sa.Table(
    "pins",
    meta,
    sa.Column("id", sa.BigInteger, primary_key=True),
    *(
        sa.Column(c, sa.Text)
        for c in ("offender_id", "week_start", "officer_id", "date", "slot", *_WHO)
    ),
    *(sa.Column(c, sa.Text) for c in ("removed_at", "removed_by", "removed_reason")),
)
absences = sa.Table(
    "officer_absences",
    meta,
    sa.Column("id", sa.BigInteger, primary_key=True),
    *(sa.Column(c, sa.Text) for c in ("officer_id", "date", *_WHO)),
)
urgent = sa.Table(
    "urgent_requests",
    meta,
    sa.Column("id", sa.BigInteger, primary_key=True),
    *(sa.Column(c, sa.Text) for c in ("offender_id", "deadline")),
    sa.Column("two_officers", sa.Integer),
    *(sa.Column(c, sa.Text) for c in (*_WHO, "withdrawn_at")),
)
released = sa.Table(
    "released_visits",
    meta,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("plan_id", sa.BigInteger),
    *(sa.Column(c, sa.Text) for c in ("offender_id", "date", "officer_ids", *_WHO)),
)
edits = sa.Table(
    "plan_edits",
    meta,
    sa.Column("id", sa.BigInteger, primary_key=True),
    *(sa.Column(c, sa.Text) for c in ("kind", "offender_id", "officer_id", "date", "detail")),
    sa.Column("plan_id", sa.BigInteger),
    sa.Column("seed", sa.BigInteger),
    *(
        sa.Column(f"{a}_hit_rate_{b}", sa.Float)
        for a in ("slot", "gap")
        for b in ("before", "after")
    ),
    *(sa.Column(c, sa.Text) for c in _WHO),
)
#: The recorded fields of an outcome, in the order of
#: :meth:`~scheduler.history.store.records.Step.values`.
RECORDED = ("date", "outcome", "arms_done", "attempt_time", "slot", "recheck_date", "notes")
VISIT_SELECT = sa.select(
    *(visits.c[c] for c in ("id", "plan_id", "offender_id", "date", "slot", "officer_ids"))
)
OUTCOME_SELECT = sa.select(
    *(
        outcomes.c[c]
        for c in ("id", "visit_id", "offender_id", *RECORDED, "recorded_at", "recorded_by")
    )
)

# Statements run once per imported row, built once (building and keying a statement costs
# more than running it on SQLite).
FIND_VISIT = (
    VISIT_SELECT.where(
        visits.c.offender_id == sa.bindparam("offender"), visits.c.date == sa.bindparam("day")
    )
    .order_by(visits.c.plan_id.desc())
    .limit(1)
)
CURRENT_OF_VISIT = OUTCOME_SELECT.where(
    outcomes.c.superseded_by.is_(None), outcomes.c.visit_id == sa.bindparam("visit")
)
CURRENT_UNPLANNED = OUTCOME_SELECT.where(
    outcomes.c.superseded_by.is_(None),
    outcomes.c.visit_id.is_(None),
    outcomes.c.offender_id == sa.bindparam("offender"),
    outcomes.c.date == sa.bindparam("day"),
)
INSERT_OUTCOME = sa.insert(outcomes)
RETIRE = (
    sa.update(outcomes)
    .where(outcomes.c.id == sa.bindparam("old"))
    .values(superseded_by=outcomes.c.id)
)
SUPERSEDE = (
    sa.update(outcomes)
    .where(outcomes.c.id == sa.bindparam("old"))
    .values(superseded_by=sa.bindparam("new"))
)
