"""``rota audit``: how predictable are the visits to an offender who knows their own
history and the rules?

A thin layer over :mod:`scheduler.timing.audit`: read a visit history (the history store's
outcomes, planned visits and latest register, or a CSV/JSON file such as the simulator
writes), call the library, print per tier each attacker's score beside the baseline
(maximum-entropy schedule) and the naive schedule (due date, fixed slot), the flagged
offenders (pseudonymous ids only) and the warnings; ``--tradeoff`` prints the visits a
year and attacker scores of every mean-gap budget. ``--out`` writes the tables privately
(all files or none).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from models import Policy, Register, RiskTier
from scheduler.cli.common import (
    STORE_HELP,
    StoreOption,
    bundled_scenario,
    errors_to_exit,
    load_policy,
    load_unit_register,
    parse_date,
    register_source_options,
)
from scheduler.io.export import check_output, write_private_tree
from scheduler.io.history_files import read_history
from scheduler.io.loaders import csv_text
from scheduler.io.report import wrap
from scheduler.timing.audit import audit
from scheduler.timing.baseline import slot_distribution
from scheduler.timing.scores import OFFENDER_COLUMNS, TIER_COLUMNS, AuditResult, GroupAudit, Score
from scheduler.timing.slot_mix import available_pairs, drawing_policy
from scheduler.timing.tradeoff import TRADEOFF_COLUMNS, TradeoffRow, tradeoff_table
from scheduler.timing.visits import PlannedRecord, VisitRecord


def store_history(
    store: Any, policy_path: Path | None
) -> tuple[list[VisitRecord], list[PlannedRecord], Policy, list[str]]:
    """Visits, planned visits (of each week's latest plan), the policy (``--policy``, else
    the latest plan's) and notes, from a history store. Tiers and interval overrides come
    from the latest stored register."""
    from scheduler.history.store import HistoryStore

    if not store.is_file():
        raise click.ClickException(f"{store}: no history store here (rota plan --store creates it)")
    with HistoryStore(store) as db:
        policy = load_policy(policy_path) if policy_path else db.latest_policy() or Policy()
        latest = db.latest_register()
        if latest is None:
            raise click.ClickException(f"{store} holds no register yet: plan with --store first")
        offenders = {o.id: o for o in latest[0].offenders}
        visits, unknown = [], set()
        for o in db.outcomes():
            off = offenders.get(o.offender_id)
            if off is None:
                unknown.add(o.offender_id)
                continue
            visits.append(
                VisitRecord(o.offender_id, off.tier, o.date, o.slot, o.outcome, off.interval_days)
            )
        week_of = {p["id"]: p["week_start"] for p in db.plans()}
        latest_plan: dict[str, int] = {}
        for plan_id, week in week_of.items():
            latest_plan[week] = max(plan_id, latest_plan.get(week, plan_id))
        planned = [
            PlannedRecord(v.offender_id, v.date, v.slot)
            for v in db.planned_visits()
            if latest_plan.get(week_of.get(v.plan_id, "")) == v.plan_id
        ]
    notes = []
    if unknown:
        notes.append(
            f"{len(unknown)} offender(s) with outcomes are not on the latest register "
            "(deregistered or moved?) and were left out"
        )
    return visits, planned, policy, notes


# ---------------------------------------------------------------- formatting


def _csv(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Booleans as the project's CSVs write them (true/false); None is left blank."""
    return [{k: str(v).lower() if isinstance(v, bool) else v for k, v in r.items()} for r in rows]


def _f(value: float | None, places: int = 3) -> str:
    return "-" if value is None else f"{value:.{places}f}"


#: (label, better, attribute) of each line of a group's table.
MEASURES = (
    ("worst-week detection", "higher", "worst_week"),
    ("slot attacker hit rate", "lower", "slot_attacker"),
    ("gap attacker within ±3 days", "lower", "gap_attacker"),
    ("gap entropy", "higher", "gap_entropy"),
    ("weekday entropy", "higher", "weekday_entropy"),
    ("time-slot entropy", "higher", "slot_entropy"),
)


def group_table(g: GroupAudit) -> list[str]:
    """A tier's (or everyone's) scores, each beside the baseline and the naive schedule;
    the worst week's day and gaps on the line below its score (80 columns)."""
    head = f"{g.group}: {g.offenders} offender(s), {g.attended} attended visits, {g.gaps} gaps"
    if g.interval_days is not None:
        head += f"; interval {g.interval_days} days"
    if g.target_share is not None:
        observed = _f(g.observed_share, 2)
        head += f", mean gap share {g.target_share:.2f} target, {observed} observed"
    lines = [
        wrap(head),
        f"  {'measure':<30}{'better':<8}{'score':>8}{'baseline':>10}{'naive':>8}{'ratio':>8}",
    ]
    for label, better, attr in MEASURES:
        s: Score = getattr(g, attr)
        lines.append(
            f"  {label:<30}{better:<8}{_f(s.value):>8}{_f(s.baseline):>10}{_f(s.naive):>8}"
            f"{_f(s.ratio, 2):>8}"
        )
        if attr == "worst_week" and s.value is not None:
            note = f"worst week on day {g.worst_week_day}, {g.worst_week_at_risk} open gaps"
            if g.worst_week_baseline_long is not None:
                note += f", exact baseline {_f(g.worst_week_baseline_long)}"
            if not g.worst_week_enough_data:
                note += " (too few to tell from the baseline)"
            lines.append(wrap(note, " " * 6, first=" " * 4))
    if g.detail:
        lines.append(wrap(f"({g.detail})", "   ", first="  "))
    return lines


def format_audit(result: AuditResult, source: str, notes: Sequence[str] = ()) -> str:
    """The printed report: per-tier tables, flagged offenders, warnings."""
    if result.overall is None:
        return "\n".join(
            [wrap(f"Predictability audit of {source}: no visits"), *map(wrap, result.warnings)]
        )
    o = result.overall
    lines = [
        wrap(
            f"Predictability audit of {source}, history to {result.as_of}: {o.offenders} "
            f"offender(s), {o.attended} attended visits, {o.completed} completed"
        ),
        wrap(
            "Baseline: maximum-entropy gaps at the policy's mean gap share, (weekday, slot) "
            "drawn by slot share; naive: every visit on its due date in one slot."
        ),
        wrap(
            "Ratio = score / baseline. Worst-week baseline: what the estimate reads from as "
            "many gaps of the baseline schedule (a minimum of noisy figures sits below the "
            "exact value)."
        ),
        *map(wrap, notes),
    ]
    for g in (*result.tiers, o):
        lines += ["", *group_table(g)]
    lines.append("")
    if result.flags:
        lines.append(
            f"Offenders markedly more predictable than the baseline ({len(result.flags)}):"
        )
        lines += [wrap(f.message(), "    ", first="  ") for f in result.flags]
    else:
        lines.append("No offender markedly more predictable than the baseline.")
    if result.edits is not None:
        e = result.edits
        lines.append(
            wrap(
                f"Manual edits: {e.moved} of {e.matched} planned visits recorded on another "
                "date or slot than planned."
            )
        )
    if result.warnings:
        lines += ["", "Warnings:", *(wrap(w, "    ", first="  ") for w in result.warnings)]
    return "\n".join(lines)


def format_tradeoff(rows: Sequence[TradeoffRow], policy: Policy) -> str:
    """The trade-off table, one line per tier and mean-gap budget, within 80 columns:
    short headers explained below it; tradeoff.csv (``--out``) adds the visits as a
    multiple of fixed-interval visiting (1 / share)."""
    slot = rows[0].slot_attacker if rows else 0.0
    staffing = any(r.offenders is not None for r in rows)
    lines = [
        wrap(
            f"Trade-off of the randomness budget ({policy.gap_shape.value} gaps): mean gap "
            "as a share of the interval. Lower shares mean more visits and less "
            "predictable ones."
        ),
        wrap(
            f"Slot attacker (long history): {slot:.3f} at every budget; it does not depend "
            "on the mean gap."
        ),
        "",
        f"{'tier':<10}{'days':>5}{'share':>6}{'mean gap':>9}{'vis/yr':>7}{'worst-wk':>9}"
        f"{'gap±3d':>7}{'entropy':>8}" + (f"{'offenders':>10}{'total/yr':>9}" if staffing else ""),
    ]
    for r in rows:
        line = (
            f"{r.tier.value:<10}{r.interval_days:>5}{r.share:>6.2f}{r.mean_gap_days:>9.1f}"
            f"{r.visits_per_year:>7.2f}{r.worst_week:>9.3f}{r.gap_attacker:>7.3f}"
            f"{r.gap_entropy:>8.3f}"
        )
        if staffing:
            total = r.visits_per_year_total or 0.0
            line += f"{r.offenders or 0:>10}{total:>9.0f}"
        lines.append(line)
    legend = (
        "days: the tier's interval; mean gap in days; vis/yr: visits a year per offender; "
        "worst-wk: chance of a visit within 7 days at the offender's safest moment "
        "(higher is better); gap±3d: share of visits within 3 days of the previous visit "
        "plus the mean gap (lower is better); entropy: of the gaps (higher is better)"
    )
    if staffing:
        legend += "; offenders, total/yr: audited offenders of the tier and their visits a year"
    lines += ["", wrap(legend + ".", "")]
    return "\n".join(lines)


# ---------------------------------------------------------------- the command


def _unit(scenario: str | None, offenders: Path | None, officers: Path | None) -> Register | None:
    """The register whose shifts set the baseline's slot mix, if one is given."""

    if (offenders is None) != (officers is None):
        raise click.UsageError("give --offenders and --officers together")
    if scenario is not None and officers is not None:
        raise click.UsageError("give either --scenario or --offenders/--officers, not both")
    if officers is not None and offenders is not None:
        return load_unit_register(offenders, officers, as_of=None)
    if scenario is not None:
        return bundled_scenario(scenario, 20261130).register
    return None


@click.command("audit")
@click.option("--store", type=StoreOption(), help=STORE_HELP)
@click.option(
    "--history",
    type=click.Path(path_type=Path),
    help="Visit history CSV/JSON instead of a store: offender_id, tier, date, slot, outcome "
    "(optional interval_days), e.g. from a simulation.",
)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(path_type=Path),
    help="Policy TOML (default: the latest stored plan's policy, else the defaults).",
)
@click.option(
    "--as-of",
    help="End of the history YYYY-MM-DD: later visits are left out and open gaps are "
    "censored there (default: the last date in the history).",
)
@click.option(
    "--tradeoff",
    is_flag=True,
    help="Print the trade-off table (visits a year and attacker scores per mean-gap "
    "budget); needs no history.",
)
@register_source_options(
    "take the baseline's (weekday, slot) mix from, as the planner draws it from its shifts "
    "and offenders' hours at home; default: the policy's own mix",
    default=None,
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Write audit_offenders.csv, audit_tiers.csv and tradeoff.csv here.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing output directory.")
@errors_to_exit
def audit_cmd(
    store: Any,
    history: Path | None,
    policy_path: Path | None,
    as_of: str | None,
    tradeoff: bool,
    scenario: str | None,
    offenders: Path | None,
    officers: Path | None,
    as_json: bool,
    out: Path | None,
    overwrite: bool,
) -> None:
    """Predictability audit: per offender, tier and overall, how well an offender who
    knows their own visit history and the rules predicts the next visit (worst-week
    detection, slot and gap attackers, entropies), beside the maximum-entropy baseline
    and the naive due-date schedule. Flags markedly predictable offenders and warns when
    manual edits reduced randomness."""

    _check_sources(store, history, tradeoff)
    day = parse_date(as_of, "--as-of")
    if out is not None:
        check_output(out, overwrite)
    visits, planned, policy, notes, source = _load_history(store, history, policy_path)
    policy, available = _unit_mix(policy, _unit(scenario, offenders, officers), notes)
    result = None
    if store is not None or history is not None:
        result = audit(visits, policy, day, planned=planned, available=available)
    table = []
    if tradeoff or out is not None:
        table = tradeoff_table(policy, offenders=_offenders_per_tier(result))
    shown = table if tradeoff else None
    if as_json:
        click.echo(json.dumps(_json_report(result, notes, shown, policy), indent=1))
    else:
        click.echo(_text_report(result, source, notes, shown, policy))
    if out is not None:
        files = _output_files(result, table)
        write_private_tree(files, out, overwrite=overwrite)
        if not as_json:
            click.echo("\n" + wrap(f"Wrote {', '.join(sorted(files))} to {out}/"))


def _check_sources(store: Any, history: Path | None, tradeoff: bool) -> None:
    """One history source at most, and something to report."""
    if store is not None and history is not None:
        raise click.UsageError("give either --store or --history, not both")
    if store is None and history is None and not tradeoff:
        raise click.UsageError(
            "give a history (--store or --history), or --tradeoff for the trade-off table"
        )


def _load_history(
    store: Any, history: Path | None, policy_path: Path | None
) -> tuple[list[VisitRecord], list[PlannedRecord], Policy, list[str], str]:
    """Visits, planned visits, policy, notes and the source's name, from the store or a
    history file (none: no visits, for the trade-off table alone)."""
    if store is not None:
        visits, planned, policy, notes = store_history(store, policy_path)
        return visits, planned, policy, notes, str(store)
    policy = load_policy(policy_path)
    visits = read_history(history, policy) if history is not None else []
    return visits, [], policy, [], str(history)


def _unit_mix(
    policy: Policy, unit: Register | None, notes: list[str]
) -> tuple[Policy, dict[str, frozenset[tuple[int, str]]] | None]:
    """The policy the baseline draws (weekday, slot)s from and each offender's pairs at
    home, from the unit's shifts when a register is given (noted in ``notes``)."""
    if unit is None:
        return policy, None
    policy = drawing_policy(policy, unit.officers, unit.offenders)
    notes.append(
        "baseline (weekday, slot) mix: the most even one the unit's shifts can carry, "
        "over the pairs each offender is at home"
    )
    return policy, {o.id: available_pairs(o, policy) for o in unit.offenders}


def _offenders_per_tier(result: AuditResult | None) -> dict[RiskTier, int] | None:
    """Audited offenders per tier, for the trade-off table's staffing columns."""
    if result is None:
        return None
    count = Counter(o.tier for o in result.offenders)
    return {t: count[t] for t in RiskTier}


def _json_report(
    result: AuditResult | None,
    notes: Sequence[str],
    table: Sequence[TradeoffRow] | None,
    policy: Policy,
) -> dict[str, Any]:
    """The audit summary and (``table`` given) the trade-off table, as JSON data."""
    data: dict[str, Any] = {}
    if result is not None:
        data["audit"] = {**result.summary(), "notes": notes}
    if table is not None:
        data["tradeoff"] = {
            "shape": policy.gap_shape.value,
            "slot_attacker": max(slot_distribution(policy).values(), default=0.0),
            "rows": [r.record() for r in table],
        }
    return data


def _text_report(
    result: AuditResult | None,
    source: str,
    notes: Sequence[str],
    table: Sequence[TradeoffRow] | None,
    policy: Policy,
) -> str:
    """The printed audit and (``table`` given) trade-off table."""
    parts = []
    if result is not None:
        parts.append(format_audit(result, source, notes))
    if table is not None:
        parts.append(format_tradeoff(table, policy))
    return "\n\n".join(parts)


def _output_files(result: AuditResult | None, table: Sequence[TradeoffRow]) -> dict[str, str]:
    """The ``--out`` files by name: the trade-off table, and the audit's tables if any."""
    files = {"tradeoff.csv": csv_text((r.record() for r in table), TRADEOFF_COLUMNS)}
    if result is not None:
        files["audit_offenders.csv"] = csv_text(_csv(result.offender_rows()), OFFENDER_COLUMNS)
        files["audit_tiers.csv"] = csv_text(_csv(result.tier_rows()), TIER_COLUMNS)
    return files
