"""A week's rota as one self-contained HTML page, for the unit manager reviewing the
week and the officers taking their visits: the headline (high-risk visits left out
first), the week at a glance, a map of each team's routes, officers' workload and
caseload, the shortfall, and (when given) compliance from the history store and the
predictability audit beside its baseline.

Every visit and every offender left out is on the page, by pseudonymous id; no address,
no coordinates (the maps are projected to map units), no secret seed. The page fetches
nothing (:mod:`scheduler.io.html_page`). Nothing here reads or writes files.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from models import OfficerDay, Register, RiskTier, Rota, Unscheduled, UnscheduledReason, Visit
from scheduler.core.windows import week_dates
from scheduler.history.compliance import ACTIONS, ComplianceReport, ComplianceState
from scheduler.io.html_page import cards, esc, page, png_figure, table, tier_badge
from scheduler.io.report import TIERS_HIGH_FIRST, rota_summary
from scheduler.io.route_map import Route, Stop, officer_colour, route_map_svg

#: Above this many teams the maps start folded (one per team), so a force's report
#: opens at its headline rather than a page of maps.
MAPS_OPEN_UP_TO = 3
#: Reasons whose offenders are listed by id alone (many, and nothing to act on this
#: week); every other reason gets a row with its detail.
LISTED_BY_ID = (UnscheduledReason.NOT_DUE, UnscheduledReason.REACTIVE)
HIGH = frozenset({RiskTier.VERY_HIGH, RiskTier.HIGH})


@dataclass(frozen=True)
class AuditTables:
    """What ``rota audit --out`` wrote that the report shows: the per-tier and overall
    rows of ``audit_tiers.csv`` and the number of offenders it flagged."""

    groups: tuple[Mapping[str, Any], ...]
    flagged: int = 0


def plan_report(
    rota: Rota,
    register: Register,
    *,
    status: ComplianceReport | None = None,
    audit: AuditTables | None = None,
    charts: bool = True,
) -> str:
    """The report page of ``rota`` as HTML text. ``register`` gives the coordinates,
    teams and caseloads; ``status`` adds the compliance counts and ``audit`` the
    predictability scores (with their chart when ``charts``)."""
    summary = rota_summary(rota, register)
    sections = [
        ("week", "Week at a glance", week_at_a_glance(rota, register)),
        ("maps", "Routes", maps_section(rota, register)),
        ("officers", "Officers", officers_section(summary)),
        ("shortfall", "Shortfall and offenders not visited", shortfall_section(rota, register)),
    ]
    if status is not None:
        sections.append(("status", "Compliance (history store)", status_section(status)))
    if audit is not None:
        sections.append(("audit", "Predictability audit", audit_section(audit, charts)))
    footer = (
        "Made by rota. Pseudonymous ids only: no names, addresses or coordinates, and not "
        "the plan's secret seed. Sensitive: keep this file owner-only and share it only "
        "as you would the rota."
    )
    if rota.audit is not None:
        footer += (
            f" Inputs fingerprint {esc(rota.audit.inputs_sha256[:16])}, rota "
            f"{esc(rota.audit.software_version or '?')}."
        )
    return page(f"rota: week of {rota.week_start}", sections, headline(summary), footer)


def headline(summary: Mapping[str, Any]) -> str:
    """The week's numbers, with the high-risk visits left out and a broken hard rule
    above everything else."""
    out = [f"<h1>Rota for the week of {esc(summary['week_start'])}</h1>"]
    if summary["high_risk_left_out"]:
        short = summary["shortfall_by_tier"]
        out.append(
            f'<div class="alarm">HIGH-RISK VISITS LEFT OUT: {summary["high_risk_left_out"]} '
            f"(very high {short['very_high']}, high {short['high']}): see the "
            '<a href="#shortfall">shortfall</a> and act on them.</div>'
        )
    if not summary["feasible"]:
        out.append('<div class="alarm">This rota breaks a hard rule: do not issue it.</div>')
    left_out = sum(summary["shortfall_by_tier"].values())
    out.append(
        cards(
            [
                ("offenders", summary["register"], False),
                ("officers", summary["officers"], False),
                ("visits due", summary["due"], False),
                ("scheduled", summary["scheduled"], False),
                ("due, left out", left_out, left_out > 0),
                ("two-officer", summary["joint_visits"], False),
                ("by cover", summary["cover_visits"], False),
                ("overdue on Monday", summary["overdue_at_start"], False),
                ("after due day", summary["late_visits"], False),
                ("travel hours", f"{summary['travel_h']:.1f}", False),
            ]
        )
    )
    if summary.get("capacity_lost_h"):
        out.append(
            f'<p class="muted">Visit hours lost to absence and time away: '
            f"{summary['capacity_lost_h']:.1f} of {summary['rostered_visit_h']:.1f} h "
            "rostered.</p>"
        )
    return "".join(out)


def _by_officer_day(rota: Rota) -> dict[tuple[str, date], list[Visit]]:
    """Each officer's visits per day in arrival order (a joint visit under both)."""
    days: dict[tuple[str, date], list[Visit]] = defaultdict(list)
    for v in rota.visits:
        for oid in v.officer_ids:
            days[(oid, v.date)].append(v)
    for visits in days.values():
        visits.sort(key=lambda v: v.arrival)
    return days


def _visit_line(v: Visit, officer_id: str) -> str:
    partner = [o for o in v.officer_ids if o != officer_id]
    marks = []
    if partner:
        marks.append(f"with {partner[0]}")
    if v.cover:
        marks.append("cover")
    if v.days_overdue:
        marks.append(f"{v.days_overdue} d overdue")
    tip = f"{v.offender_id}, {v.tier.value.replace('_', ' ')}, {v.slot}, "
    tip += f"window {v.arrival:%H:%M}-{v.window_end:%H:%M}"
    tip += "".join(f"; {m}" for m in marks)
    joint = " +" if partner else ""
    return (
        f'<div class="v" title="{esc(tip)}">{v.arrival:%H:%M} {tier_badge(v.tier.value)} '
        f"{esc(v.offender_id)}{esc(joint)}</div>"
    )


def week_at_a_glance(rota: Rota, register: Register) -> str:
    """Officers by day, a table per team: each day's visits in order (arrival, tier,
    offender; '+' a two-officer visit) and its travel; grey where the officer is off.
    A force's many teams start folded under a table of their totals."""
    dates = week_dates(rota.week_start)
    visits = _by_officer_day(rota)
    on_duty = {(d.officer_id, d.date): d for d in rota.officer_days}
    teams = _teams(register)
    out = [
        '<p class="muted">Arrival time, tier (VH very high, H high, M medium, L low) and '
        "offender; + two officers (listed under both); hover for the window. Grey: off "
        "duty.</p>"
    ]
    folded = len(teams) > MAPS_OPEN_UP_TO
    if folded:
        out.append(_team_totals(rota, register, teams))
    for team, officers in teams.items():
        body = _team_week(officers, dates, visits, on_duty)
        if folded:
            n = len(
                {
                    (v.offender_id, v.date)
                    for o in officers
                    for d in dates
                    for v in visits.get((o, d), [])
                }
            )
            out.append(f"<details><summary>{esc(team)}: {n} visits</summary>{body}</details>")
        else:
            out.append(f"<h3>{esc(team)}</h3>{body}")
    return "".join(out)


def _team_week(
    officers: Sequence[str],
    dates: Sequence[date],
    visits: Mapping[tuple[str, date], Sequence[Visit]],
    on_duty: Mapping[tuple[str, date], OfficerDay],
) -> str:
    head = "".join(f"<th>{d:%a %d %b}</th>" for d in dates)
    out = [
        '<table class="week"><colgroup><col class="who">',
        "<col>" * len(dates),
        '<col class="tot"></colgroup>',
        f'<thead><tr><th>officer</th>{head}<th class="n">week</th></tr></thead><tbody>',
    ]
    for oid in officers:
        cells, n, travel_s = [], 0, 0
        for d in dates:
            day = on_duty.get((oid, d))
            mine = visits.get((oid, d), [])
            n += len(mine)
            if day is None and not mine:
                cells.append('<td class="off"></td>')
                continue
            travel_s += day.travel_s if day else 0
            lines = "".join(_visit_line(v, oid) for v in mine)
            if day is not None and day.travel_s:
                lines += f'<div class="day-travel">travel {day.travel_s / 3600:.1f} h</div>'
            cells.append(f"<td>{lines}</td>")
        out.append(
            f"<tr><th>{esc(oid)}</th>{''.join(cells)}"
            f'<td class="n">{n}<br><span class="day-travel">{travel_s / 3600:.1f} h</span>'
            "</td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def _team_totals(rota: Rota, register: Register, teams: Mapping[str, Sequence[str]]) -> str:
    """A row per team: officers, visits, two-officer visits, travel, visits left out
    (high-risk ones apart): where to look first in a force's week."""
    team_of = {o.id: o.team for o in register.officers}
    manager_team = {o.id: team_of.get(o.manager_id, "-") for o in register.offenders}
    visits: Counter[str] = Counter()
    joint: Counter[str] = Counter()
    for v in rota.visits:
        visits[team_of.get(v.officer_ids[0], "-")] += 1
        joint[team_of.get(v.officer_ids[0], "-")] += len(v.officer_ids) > 1
    travel: Counter[str] = Counter()
    for d in rota.officer_days:
        travel[team_of.get(d.officer_id, "-")] += d.travel_s
    short: Counter[str] = Counter()
    high: Counter[str] = Counter()
    for u in rota.unscheduled:
        if u.reason.is_shortfall:
            short[manager_team.get(u.offender_id, "-")] += 1
            high[manager_team.get(u.offender_id, "-")] += u.tier in HIGH
    rows = [
        (
            team,
            len(officers),
            visits[team],
            joint[team],
            f"{travel[team] / 3600:.1f}",
            short[team],
            high[team],
        )
        for team, officers in teams.items()
    ]
    return table(
        (
            "team",
            "officers",
            "visits",
            "two-officer",
            "travel h",
            "due, left out",
            "of them high risk",
        ),
        rows,
        numeric=(1, 2, 3, 4, 5, 6),
    )


def _teams(register: Register) -> dict[str, list[str]]:
    teams: dict[str, list[str]] = defaultdict(list)
    for o in sorted(register.officers, key=lambda o: (o.team, o.id)):
        teams[o.team].append(o.id)
    return dict(teams)


def team_routes(rota: Rota, register: Register, officer_ids: Sequence[str]) -> list[Route]:
    """The routes of these officers, one per officer-day with visits."""
    homes = {o.id: (o.home.lat, o.home.lon) for o in register.offenders}
    bases = {o.id: (o.base.lat, o.base.lon) for o in register.officers}
    by_day = _by_officer_day(rota)
    routes = []
    for oid in officer_ids:
        for d in week_dates(rota.week_start):
            visits = [v for v in by_day.get((oid, d), []) if v.offender_id in homes]
            if not visits:
                continue
            stops = tuple(
                Stop(
                    homes[v.offender_id],
                    f"{v.offender_id} ({v.tier.value.replace('_', ' ')}): {oid}, "
                    f"{v.date:%a} {v.arrival:%H:%M}",
                    high_risk=v.tier in HIGH,
                    joint=len(v.officer_ids) > 1,
                )
                for v in visits
            )
            routes.append(Route(oid, d.weekday(), bases[oid], stops))
    return routes


def maps_section(rota: Rota, register: Register) -> str:
    """One map per team: bases, each officer's routes in their colour, a scale bar;
    tick officers and days in the legend to show or hide their routes."""
    teams = _teams(register)
    out = [
        '<p class="muted">A line per officer-day from the base through the visits in '
        "order and back; large dots with a dark ring are high or very-high risk, an outer "
        "ring a two-officer visit. Hover a dot for the offender, officer and time. No map "
        "tiles: the page loads nothing from anywhere.</p>"
    ]
    folded = len(teams) > MAPS_OPEN_UP_TO
    for i, (team, officers) in enumerate(teams.items()):
        routes = team_routes(rota, register, officers)
        colours = {oid: officer_colour(k) for k, oid in enumerate(officers)}
        bases = {o.id: (o.base.lat, o.base.lon) for o in register.officers if o.id in colours}
        map_id = f"map-{i}"
        svg = route_map_svg(routes, bases, colours, map_id=map_id)
        legend = _legend(map_id, officers, colours, routes)
        n = sum(len(r.stops) for r in routes)
        title = f"{team}: {len(officers)} officers, {n} stops on {len(routes)} officer-days"
        body = f'<div class="mapbox">{legend}{svg}</div>'
        if folded:
            out.append(f"<details><summary>{esc(title)}</summary>{body}</details>")
        else:
            out.append(f"<h3>{esc(title)}</h3>{body}")
    return "".join(out)


def _legend(
    map_id: str,
    officers: Sequence[str],
    colours: Mapping[str, tuple[str, str]],
    routes: Sequence[Route],
) -> str:
    stops = Counter[str]()
    days: set[int] = set()
    for r in routes:
        stops[r.officer_id] += len(r.stops)
        days.add(r.day)
    out = [f'<div class="legend" data-map="{esc(map_id)}">']
    for oid in officers:
        colour, dash = colours[oid]
        style = f"background:{colour}" + (";opacity:.6" if dash else "")
        out.append(
            f'<label><input type="checkbox" checked data-officer="{esc(oid)}">'
            f'<span class="swatch" style="{style}"></span>{esc(oid)} ({stops[oid]})</label>'
        )
    out.append("<br>")
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    for d in sorted(days):
        out.append(f'<label><input type="checkbox" checked data-day="{d}">{names[d]}</label>')
    out.append("</div>")
    return "".join(out)


def _bar(share: float) -> str:
    width = max(0.0, min(share, 1.0)) * 100
    full = " full" if share >= 0.95 else ""
    return (
        f'<span class="barbox"><span class="bar{full}" style="width:{width:.0f}%"></span>'
        f"</span>{share:.0%}"
    )


def officers_section(summary: Mapping[str, Any]) -> str:
    """Each officer's week (visits, travel, busy hours against the visit-hour budget)
    and caseload against the cap, by team; red rows are over their cap."""
    rows = sorted(summary["per_officer"].items(), key=lambda kv: (kv[1]["team"], kv[0]))
    out = ["<table><thead><tr>"]
    head = ("officer", "team", "visits", "two-officer", "travel h", "busy / budget h")
    out += [f"<th{' class=n' if i > 1 else ''}>{esc(h)}</th>" for i, h in enumerate(head)]
    out.append("<th>workload</th><th class=n>caseload / cap</th><th></th></tr></thead><tbody>")
    for oid, r in rows:
        over = r["caseload"] > r["caseload_cap"]
        share = r["busy_h"] / r["budget_h"] if r["budget_h"] else 0.0
        flag = "OVER CAP" if over else ""
        out.append(
            f"<tr{' class=over' if over else ''}><td>{esc(oid)}</td><td>{esc(r['team'])}</td>"
            f'<td class="n">{r["visits"]}</td><td class="n">{r["joint_visits"]}</td>'
            f'<td class="n">{r["travel_h"]:.1f}</td>'
            f'<td class="n">{r["busy_h"]:.1f} / {r["budget_h"]:.1f}</td><td>{_bar(share)}</td>'
            f'<td class="n">{r["caseload"]} / {r["caseload_cap"]}</td><td>{flag}</td></tr>'
        )
    out.append("</tbody></table>")
    if summary["over_alarm"]:
        out.append(
            '<div class="warn">Caseloads at the alarm level: '
            f"{esc(', '.join(summary['over_alarm']))}</div>"
        )
    return "".join(out)


def _shortfall_order(u: Unscheduled) -> tuple[int, date, str]:
    return (-u.tier.rank, u.due_date or date.max, u.offender_id)


def shortfall_section(rota: Rota, register: Register) -> str:
    """Visits due but not planned, highest tier first, with the reason; then every
    other offender not visited this week, by reason (nobody is missing from the page)."""
    manager = {o.id: o.manager_id for o in register.offenders}
    short = sorted((u for u in rota.unscheduled if u.reason.is_shortfall), key=_shortfall_order)
    out = []
    if short:
        out.append(
            f"<h3>Due but not planned: {len(short)}</h3>"
            + table(
                ("offender", "tier", "manager", "due", "reason", "what to do"),
                (
                    (
                        u.offender_id,
                        tier_badge(u.tier.value),
                        manager.get(u.offender_id, "-"),
                        _due(u.due_date, rota.week_start),
                        u.reason.value.replace("_", " "),
                        u.detail,
                    )
                    for u in short
                ),
                raw=(1,),
            )
        )
    else:
        out.append("<p>Every visit due this week is planned.</p>")
    others: dict[UnscheduledReason, list[Unscheduled]] = defaultdict(list)
    for u in rota.unscheduled:
        if not u.reason.is_shortfall:
            others[u.reason].append(u)
    for reason in sorted(others, key=lambda r: (r in LISTED_BY_ID, r.value)):
        group = sorted(others[reason], key=_shortfall_order)
        title = f"{reason.value.replace('_', ' ')}: {len(group)}"
        if reason in LISTED_BY_ID:
            body = _ids_by_tier(group)
        else:
            body = table(
                ("offender", "tier", "manager", "detail"),
                (
                    (
                        u.offender_id,
                        tier_badge(u.tier.value),
                        manager.get(u.offender_id, "-"),
                        u.detail,
                    )
                    for u in group
                ),
                raw=(1,),
            )
        out.append(f"<details><summary>{esc(title)}</summary>{body}</details>")
    return "".join(out)


def _due(day: date | None, week_start: date) -> str:
    if day is None:
        return "-"
    late = (week_start - day).days
    return f"{day} ({late} d overdue)" if late > 0 else str(day)


def _ids_by_tier(group: Sequence[Unscheduled]) -> str:
    tiers: dict[RiskTier, list[str]] = defaultdict(list)
    for u in group:
        tiers[u.tier].append(u.offender_id)
    return "".join(
        f'<p class="ids">{tier_badge(t.value)} {len(tiers[t])}: {esc(", ".join(tiers[t]))}</p>'
        for t in TIERS_HIGH_FIRST
        if tiers[t]
    )


def status_section(report: ComplianceReport) -> str:
    """Every offender's state by tier, as ``rota status`` counts them, with each state's
    action; then the offenders of the states that need escalation."""
    counts: Counter[tuple[ComplianceState, RiskTier]] = Counter(
        (r.state, r.tier) for r in report.rows
    )
    rows = []
    for s in ComplianceState:
        per_tier = [counts[(s, t)] for t in TIERS_HIGH_FIRST]
        rows.append((s.value.replace("_", " "), *per_tier, sum(per_tier), ACTIONS[s]))
    total = [sum(counts[(s, t)] for s in ComplianceState) for t in TIERS_HIGH_FIRST]
    rows.append(("total", *total, sum(total), f"register: {report.register_size}"))
    verdict = (
        "every offender in exactly one state"
        if report.balanced
        else "MISMATCH: some offender is missing or counted twice"
    )
    out = [
        f"<p>On {report.as_of}: {verdict}.</p>",
        table(
            ("state", "very high", "high", "medium", "low", "total", "action"),
            rows,
            numeric=(1, 2, 3, 4, 5),
        ),
    ]
    for state in (ComplianceState.MISSING, ComplianceState.WARRANT, ComplianceState.ESCALATE):
        ids = sorted(
            (r for r in report.rows if r.state is state),
            key=lambda r: (-r.tier.rank, r.offender_id),
        )
        if ids:
            listed = ", ".join(f"{r.offender_id} ({r.tier.value})" for r in ids)
            out.append(
                f'<div class="warn"><b>{esc(state.value.replace("_", " "))}</b>: '
                f"{esc(listed)}</div>"
            )
    return "".join(out)


#: The audit's measures: column prefix, label, and whether higher is better.
AUDIT_MEASURES = (
    ("worst_week", "worst-week detection", True),
    ("slot_attacker", "slot attacker hit rate", False),
    ("gap_attacker", "gap attacker within 3 days", False),
    ("gap_entropy", "gap entropy", True),
    ("weekday_entropy", "weekday entropy", True),
    ("slot_entropy", "time-slot entropy", True),
)
#: A score this far on the wrong side of its baseline is marked.
AUDIT_MARGIN = 1.25


def _num(value: Any) -> float | None:
    try:
        return None if value in ("", None) else float(value)
    except (TypeError, ValueError):
        return None


def _score_cell(row: Mapping[str, Any], key: str, higher_better: bool) -> str:
    value, base = _num(row.get(key)), _num(row.get(f"{key}_baseline"))
    if value is None:
        return '<span class="muted">-</span>'
    worse = False
    if base is not None and base > 0:
        ratio = value / base
        worse = ratio < 1 / AUDIT_MARGIN if higher_better else ratio > AUDIT_MARGIN
    base_text = f"{base:.3f}" if base is not None else "-"
    text = f"{value:.3f} <span class=muted>/ {base_text}</span>"
    return f'<b style="color:#b3261e">{text}</b>' if worse else text


def audit_section(audit: AuditTables, charts: bool = True) -> str:
    """Each attacker's score beside the baseline (maximum-entropy) schedule's, per tier
    and overall, as ``rota audit`` computed them; bold red where markedly worse."""
    groups = list(audit.groups)
    if not groups:
        return "<p>The audit had no recorded visits to score yet.</p>"
    head = ["measure", "better", *(str(g["group"]).replace("_", " ") for g in groups)]
    rows = [
        (label, "higher" if hb else "lower", *(_score_cell(g, key, hb) for g in groups))
        for key, label, hb in AUDIT_MEASURES
    ]
    rows.insert(0, ("offenders (gaps)", "", *(f"{g['offenders']} ({g['gaps']})" for g in groups)))
    out = [
        "<p>Score / baseline: the same attacker against a maximum-entropy schedule of "
        "the same intervals.</p>",
        table(head, rows, raw=range(2, 2 + len(groups))),
        f"<p>Offenders flagged as markedly more predictable than the baseline: "
        f"{audit.flagged}.</p>",
    ]
    if charts:
        from scheduler.io import plots

        png = plots.attacker_scores(groups)
        out.append(
            '<div class="charts">'
            + png_figure(
                png, "attacker scores against baseline", "Attackers against baseline", wide=True
            )
            + "</div>"
        )
    return "".join(out)
