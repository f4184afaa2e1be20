"""Summaries of a rota for people: counts by reason, per-officer workload and caseload."""

from __future__ import annotations

import textwrap
from collections import Counter, defaultdict
from typing import Any

from models import CASELOAD_ALARM, Register, RiskTier, Rota, UnscheduledReason

#: Tiers whose left-out visits make ``rota plan`` exit with :data:`EXIT_HIGH_RISK_LEFT_OUT`.
HIGH_RISK = frozenset({RiskTier.VERY_HIGH, RiskTier.HIGH})
TIERS_HIGH_FIRST = (RiskTier.VERY_HIGH, RiskTier.HIGH, RiskTier.MEDIUM, RiskTier.LOW)
#: Exit status of a plan that was made (and written) but left out high-risk visits.
EXIT_HIGH_RISK_LEFT_OUT = 3
#: Columns every printed line of the CLI fits in (tables and prose alike).
WIDTH = 80


def wrap(text: str, indent: str = "  ", width: int = WIDTH, first: str = "") -> str:
    """Prose for the terminal: ``text`` filled to ``width`` columns, the first line
    starting with ``first`` and the others with ``indent``; words (paths, ids, dates)
    are never broken."""
    return textwrap.fill(
        text,
        width,
        initial_indent=first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def fit(head: str, tail: str, indent: str = "  ", width: int = WIDTH) -> str:
    """``head`` wrapped, then ``tail`` on its last line when it fits there, else on the
    lines below, indented: a phrase such as a target or a verdict is kept whole."""
    lines = wrap(head, indent, width).split("\n")
    if len(lines[-1]) + 1 + len(tail) <= width:
        lines[-1] += " " + tail
    else:
        lines[-1] = lines[-1].rstrip()
        lines.append(wrap(tail, indent, width, first=indent))
    return "\n".join(lines)


def _tiers(counts: dict[str, int]) -> str:
    return ", ".join(f"{t.replace('_', ' ')} {n}" for t, n in counts.items() if n)


def _capacity(register: Register, rota: Rota) -> dict[str, float]:
    """Visit hours the rostered shifts give this week, and those lost to days absent and
    time away (leave, court, training)."""
    from scheduler.core.windows import week_dates
    from scheduler.io.availability import capacity_lost_s

    rostered, lost = capacity_lost_s(register.officers, week_dates(rota.week_start))
    return {"rostered_visit_h": round(rostered / 3600, 1), "capacity_lost_h": round(lost / 3600, 1)}


def _capacity_line(summary: dict[str, Any]) -> list[str]:
    if not summary.get("capacity_lost_h"):
        return []
    lost, rostered = summary["capacity_lost_h"], summary["rostered_visit_h"]
    return [f"Visit hours lost to absence and time away: {lost:.1f} of {rostered:.1f} h rostered"]


def rota_summary(rota: Rota, register: Register) -> dict[str, Any]:
    """Plain numbers a manager reads first; also written to ``summary.json``."""
    shortfall = [u for u in rota.unscheduled if u.reason.is_shortfall]
    due = len(rota.visits) + len(shortfall)
    caseload = Counter(o.manager_id for o in register.offenders)
    per_officer: dict[str, dict[str, Any]] = {}
    for o in register.officers:
        per_officer[o.id] = {
            "team": o.team,
            "visits": 0,
            "joint_visits": 0,
            "travel_h": 0.0,
            "busy_h": 0.0,
            "budget_h": 0.0,
            "caseload": caseload[o.id],
            "caseload_cap": o.caseload_cap,
        }
    for v in rota.visits:
        for oid in v.officer_ids:
            per_officer[oid]["visits"] += 1
            per_officer[oid]["joint_visits"] += len(v.officer_ids) > 1
    for d in rota.officer_days:
        row = per_officer[d.officer_id]
        row["travel_h"] += d.travel_s / 3600
        row["busy_h"] += d.busy_s / 3600
        row["budget_h"] += d.budget_s / 3600
    by_reason: dict[str, int] = Counter(u.reason.value for u in rota.unscheduled)
    short_by_tier: dict[str, int] = defaultdict(int)
    for u in shortfall:
        short_by_tier[u.tier.value] += 1
    start = rota.week_start
    overdue_out = [u for u in shortfall if u.due_date is not None and u.due_date < start]
    overdue_out_by_tier: dict[str, int] = defaultdict(int)
    for u in overdue_out:
        overdue_out_by_tier[u.tier.value] += 1
    overdue_planned = sum(v.due_date < start for v in rota.visits if not v.follows_earlier_visit)
    return {
        "week_start": rota.week_start.isoformat(),
        "register": len(register.offenders),
        "officers": len(register.officers),
        "due": due,
        "scheduled": len(rota.visits),
        "joint_visits": sum(len(v.officer_ids) > 1 for v in rota.visits),
        "cover_visits": sum(v.cover for v in rota.visits),
        # every offender already overdue on Monday, planned or left out
        "overdue_at_start": overdue_planned + len(overdue_out),
        "overdue_planned": overdue_planned,
        "overdue_left_out": len(overdue_out),
        "overdue_left_out_by_tier": {
            t.value: overdue_out_by_tier.get(t.value, 0) for t in TIERS_HIGH_FIRST
        },
        "high_risk_left_out": sum(u.tier in HIGH_RISK for u in shortfall),
        "late_visits": sum(
            v.days_overdue > 0 and v.due_date >= rota.week_start for v in rota.visits
        ),
        "travel_h": round(sum(d.travel_s for d in rota.officer_days) / 3600, 2),
        **_capacity(register, rota),
        "unscheduled_by_reason": dict(sorted(by_reason.items())),
        "shortfall_by_tier": {t.value: short_by_tier.get(t.value, 0) for t in TIERS_HIGH_FIRST},
        "over_cap": sorted(o for o, r in per_officer.items() if r["caseload"] > r["caseload_cap"]),
        "over_alarm": sorted(o for o, r in per_officer.items() if r["caseload"] >= CASELOAD_ALARM),
        "per_officer": per_officer,
        "feasible": rota.is_feasible(),
    }


def format_summary(summary: dict[str, Any], max_officers: int = 40) -> str:
    """The text ``rota plan`` prints, every line within :data:`WIDTH` columns (team
    names cut to 15 characters: summary.json has them whole)."""
    lines = [
        f"Week of {summary['week_start']}: {summary['register']} offenders, "
        f"{summary['officers']} officers",
        wrap(
            f"Visits due {summary['due']}, scheduled {summary['scheduled']} "
            f"({summary['joint_visits']} two-officer, {summary['cover_visits']} by cover); "
            f"travel {summary['travel_h']:.1f} h"
        ),
    ]
    if summary["high_risk_left_out"]:
        high = _tiers({k: summary["shortfall_by_tier"][k] for k in ("very_high", "high")})
        lines.append(
            fit(
                f"HIGH-RISK VISITS LEFT OUT: {summary['high_risk_left_out']} ({high}) -",
                "see unscheduled.csv and act on them",
            )
        )
    overdue = (
        f"Overdue at the start of the week: {summary['overdue_at_start']} "
        f"({summary['overdue_planned']} planned, {summary['overdue_left_out']} left out"
    )
    if summary["overdue_left_out"]:
        overdue += f": {_tiers(summary['overdue_left_out_by_tier'])}"
    lines += [
        wrap(overdue + ")"),
        f"Planned after their due day: {summary['late_visits']}",
        *_capacity_line(summary),
        "",
        f"{'officer':<12}{'team':<16}{'visits':>7}{'travel h':>9}{'busy/budget h':>14}"
        f"{'caseload':>10}",
    ]
    rows = sorted(summary["per_officer"].items(), key=lambda kv: (kv[1]["team"], kv[0]))
    for oid, r in rows[:max_officers]:
        flag = " OVER CAP" if r["caseload"] > r["caseload_cap"] else ""
        lines.append(
            f"{oid:<11} {r['team'][:15]:<16}{r['visits']:>7}{r['travel_h']:>9.1f}"
            f"{r['busy_h']:>8.1f}/{r['budget_h']:<5.1f}"
            f"{r['caseload']:>6}/{r['caseload_cap']}{flag}"
        )
    if len(rows) > max_officers:
        lines.append(f"... and {len(rows) - max_officers} more officers (see summary.json)")
    lines += ["", "Not scheduled this week:"]
    for reason, n in summary["unscheduled_by_reason"].items():
        action = " <- needs action" if UnscheduledReason(reason).is_shortfall else ""
        lines.append(f"  {reason:<24}{n:>7}{action}")
    short = summary["shortfall_by_tier"]
    if any(short.values()):
        lines.append(wrap("Due but not planned, highest tier first: " + _tiers(short)))
    if summary["over_cap"]:
        lines.append(wrap(f"Officers over caseload cap: {', '.join(summary['over_cap'])}"))
    if not summary["feasible"]:
        lines.append("WARNING: the rota breaks a hard rule; do not issue it")
    return "\n".join(lines)
