"""Hand-made visit histories shared by the audit's tests."""

from __future__ import annotations

from datetime import date

from models import RiskTier, VisitOutcome
from scheduler.timing.visits import VisitRecord

START = date(2020, 1, 6)  # a Monday
SLOTS = ("morning", "afternoon", "evening")


def visit(
    oid: str,
    day: date,
    slot: str | None = "morning",
    outcome=VisitOutcome.COMPLETED,
    tier=RiskTier.HIGH,
):
    return VisitRecord(oid, tier, day, slot, outcome)
