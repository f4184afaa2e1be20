"""A rota's visits and unscheduled offenders as CSV rows: the manager's sheets and each
officer's sheet share these columns."""

from __future__ import annotations

from typing import Any

from models import Rota

VISIT_COLUMNS = [
    "offender_id",
    "officer_ids",
    "tier",
    "date",
    "weekday",
    "slot",
    "arrival",
    "window_end",
    "departure",
    "sequence",
    "travel_to_min",
    "due_date",
    "days_overdue",
    "cover",
    "revisit",
    "rebooked",
]
UNSCHEDULED_COLUMNS = ["offender_id", "tier", "reason", "due_date", "detail"]


def visit_rows(rota: Rota) -> list[dict[str, Any]]:
    return [
        {
            "offender_id": v.offender_id,
            "officer_ids": ";".join(v.officer_ids),
            "tier": v.tier.value,
            "date": v.date.isoformat(),
            "weekday": f"{v.date:%a}",
            "slot": v.slot,
            "arrival": f"{v.arrival:%H:%M}",
            "window_end": f"{v.window_end:%H:%M}",
            "departure": f"{v.departure:%H:%M}",
            "sequence": v.sequence,
            "travel_to_min": round(v.travel_to_s / 60),
            "due_date": v.due_date.isoformat(),
            "days_overdue": v.days_overdue,
            "cover": str(v.cover).lower(),
            "revisit": str(v.short_notice).lower(),
            "rebooked": str(v.rebooked).lower(),
        }
        for v in rota.visits
    ]


def unscheduled_rows(rota: Rota) -> list[dict[str, Any]]:
    return [
        {
            "offender_id": u.offender_id,
            "tier": u.tier.value,
            "reason": u.reason.value,
            "due_date": u.due_date.isoformat() if u.due_date else "",
            "detail": u.detail,
        }
        for u in rota.unscheduled
    ]
