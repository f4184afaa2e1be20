"""Domain types (pydantic) at the planner's boundaries. No solver code here."""

from models.common import ClockWindow, Location, Weekday, parse_clock_window
from models.offender import (
    DatedWindow,
    DateRange,
    Gender,
    Offender,
    OffenderStatus,
    RiskTier,
    Unavailability,
    WeeklyWindow,
)
from models.officer import CASELOAD_ALARM, DEFAULT_CASELOAD_CAP, Away, Officer, Shift
from models.outcome import VisitOutcome
from models.policy import GapShape, HouseholdSettings, Policy, SolverSettings, TimeSlot
from models.register import Register
from models.rota import AuditRecord, OfficerDay, Rota, Unscheduled, UnscheduledReason, Visit

__all__ = [
    "CASELOAD_ALARM",
    "DEFAULT_CASELOAD_CAP",
    "AuditRecord",
    "ClockWindow",
    "DateRange",
    "Gender",
    "Location",
    "Offender",
    "OffenderStatus",
    "Away",
    "Officer",
    "OfficerDay",
    "GapShape",
    "HouseholdSettings",
    "Policy",
    "Register",
    "RiskTier",
    "Rota",
    "Shift",
    "SolverSettings",
    "TimeSlot",
    "DatedWindow",
    "Unavailability",
    "Unscheduled",
    "UnscheduledReason",
    "Visit",
    "VisitOutcome",
    "Weekday",
    "WeeklyWindow",
    "parse_clock_window",
]
