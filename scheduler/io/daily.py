"""Daily operations against the history store: the state a re-plan starts from, the
re-plan saved as a new plan version with an audit-trail line for every change (and its
effect on that offender's slot and gap attacker scores), and a day's release of the
officers' files.

The store is the state: pins, absences, releases, urgent requests and recorded outcomes
are read from it, and the new plan and its edits are written in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from models import Policy, Register, Rota, Visit
from scheduler.core.travel import TravelModel
from scheduler.history.store import HistoryStore, StoreError
from scheduler.history.store.daily import EditEntry, WeekPlan, Who
from scheduler.io.export import write_private_tree
from scheduler.io.officer_files import officer_files
from scheduler.plan.replan import Attempt, Change, DayState, Fix, ReplanResult, Urgent, replan
from scheduler.plan.urgent import urgent_refusal
from scheduler.timing.attackers import gap_attacker_hits, hit_rate, slot_attacker_hits
from scheduler.timing.visits import ATTENDED

Scores = tuple[float | None, float | None]


@dataclass(frozen=True)
class ReplanOutcome:
    """A re-plan as stored: the result, the new plan's id (None: nothing changed, no new
    plan) and, per urgent request it missed, why and what would let it."""

    result: ReplanResult
    plan_id: int | None
    refusals: dict[str, str]


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def current_week(db: HistoryStore, day: date) -> WeekPlan:
    """The plan of ``day``'s week, or a clear error when the week was never planned."""
    found = db.week_plan(week_of(day))
    if found is None:
        raise StoreError(
            f"the week of {week_of(day)} has no plan in {db.name}: run 'rota plan --store' first"
        )
    return found


def day_state(db: HistoryStore, week: WeekPlan, start: date) -> DayState:
    """Absences, pins, releases, attempts to re-attempt and open urgent requests of the
    week, from the store."""
    monday = week.rota.week_start
    sunday = monday + timedelta(days=6)
    later = {v.offender_id for v in week.rota.visits if v.date >= start}
    failed = [
        Attempt(o.offender_id, o.date, o.slot, called_off=o.outcome.is_neutral)
        for o in db.outcomes()
        if monday <= o.date < start
        and (o.outcome.is_failed_entry or o.outcome.is_neutral)
        and o.offender_id not in later
        and not _done_after(db, o.offender_id, o.date, start)
    ]
    pins = [Fix(p.offender_id, p.officer_id, p.date, p.slot) for p in db.pins(monday)]
    urgent: list[Urgent] = []
    opened = datetime.combine(start, datetime.min.time())
    for r in db.urgent_requests(after=opened):
        req = Urgent(r.offender_id, r.deadline, r.two_officers)
        met = _meeting_visit(week.rota, req, start, r.created_at)
        if met is None and r.deadline.date() >= monday:
            urgent.append(req)
        elif met is not None and all(p.offender_id != req.offender_id for p in pins):
            pins.append(Fix(met.offender_id, met.officer_ids[0], met.date, met.slot))
    return DayState(
        absences=db.absences(monday, sunday),
        pins=pins,
        released=db.released(monday, sunday),
        failed=_latest_per_offender(failed),
        urgent=urgent,
    )


def _done_after(db: HistoryStore, offender_id: str, day: date, start: date) -> bool:
    return any(
        o.offender_id == offender_id and day < o.date < start and o.outcome.is_success
        for o in db.outcomes()
    )


def _latest_per_offender(attempts: list[Attempt]) -> list[Attempt]:
    latest: dict[str, Attempt] = {}
    for a in sorted(attempts, key=lambda a: a.date):
        latest[a.offender_id] = a
    return list(latest.values())


def _meeting_visit(rota: Rota, u: Urgent, start: date, since: datetime) -> Visit | None:
    """A visit of the week already meeting the request (after it was made)."""
    return next(
        (
            v
            for v in rota.visits
            if v.offender_id == u.offender_id
            and v.date >= start
            and since <= v.arrival <= u.deadline
            and (not u.two_officers or len(v.officer_ids) == 2)
        ),
        None,
    )


def replan_in_store(
    db: HistoryStore,
    start: date,
    who: Who,
    *,
    edits: Sequence[EditEntry] = (),
    seed: int | None = None,
    travel: TravelModel | None = None,
) -> ReplanOutcome:
    """Re-plan ``start``'s week from ``start`` on, from the store's state; save the new
    plan (superseding the old for the remaining days) with ``edits`` and one audit line
    per changed visit, all in one transaction. Nothing changed: no new plan, the edits
    are still written."""
    week = current_week(db, start)
    result, refusals = _replanned(db, week, start, who, seed, travel)
    with db.transaction():
        plan_id = save_replan(db, week, start, who, result, refusals, edits)
    return ReplanOutcome(result, plan_id, refusals)


def standing_replan(
    db: HistoryStore,
    rota: Rota,
    register: Register,
    policy: Policy,
    who: Who,
    *,
    travel: TravelModel | None = None,
) -> ReplanOutcome | None:
    """A week's new plan with what the store already holds for that week, so ``rota
    plan --store`` meets it as ``rota replan`` would: officers recorded absent ahead of
    the week, pins, and open urgent requests with a deadline in the week, re-planned from
    Monday. None: nothing stands for the week (the plan is the plan). Saves nothing:
    :func:`save_replan` stores it after the weekly plan."""
    monday = rota.week_start
    sunday = monday + timedelta(days=6)
    opened = datetime.combine(monday, datetime.min.time())
    away = any(db.absences(monday, sunday).values())
    urgent = [r for r in db.urgent_requests(after=opened) if r.deadline.date() <= sunday]
    if not (away or urgent or db.pins(monday)):
        return None
    week = WeekPlan(0, rota, register, policy)
    result, refusals = _replanned(db, week, monday, who, None, travel)
    return ReplanOutcome(result, None, refusals)


def _replanned(
    db: HistoryStore,
    week: WeekPlan,
    start: date,
    who: Who,
    seed: int | None,
    travel: TravelModel | None,
) -> tuple[ReplanResult, dict[str, str]]:
    """The re-plan of ``week`` from ``start`` with the store's state, and why each urgent
    request it missed could not be met (and what would let it)."""
    state = day_state(db, week, start)
    result = replan(
        week.rota,
        week.register,
        week.policy,
        start,
        state,
        seed=seed,
        travel=travel,
        created_by=who.by,
    )
    refusals = {
        u.offender_id: urgent_refusal(
            u, result.rota, week.register, week.policy, start, dict(state.absences)
        )
        for u in result.missed_urgent
    }
    return result, refusals


def save_replan(
    db: HistoryStore,
    week: WeekPlan,
    start: date,
    who: Who,
    result: ReplanResult,
    refusals: dict[str, str],
    edits: Sequence[EditEntry] = (),
) -> int | None:
    """Store a re-plan of ``week`` (in the caller's transaction, or one of its own): the
    new plan superseding ``week.plan_id`` when anything changed, ``edits`` and one audit
    line per change and per missed urgent request. Returns the new plan's id, if any."""
    attended = _attended(db)
    entries = [
        *edits,
        *(_change_entry(c, week.rota, result.rota, attended) for c in result.changes),
    ]
    entries += [
        EditEntry("urgent", f"urgent visit not planned: {why}", offender_id=oid)
        for oid, why in refusals.items()
    ]
    with db.transaction():
        plan_id = None
        if result.changes:
            plan_id = db.save_plan(
                result.rota, week.register, who.at, replaces=week.plan_id, replanned_from=start
            )
            entries.append(
                EditEntry(
                    "replan",
                    f"re-planned from {start} (teams {', '.join(result.teams)}): "
                    f"{len(result.changes)} change(s), {result.moved} visit(s) moved; "
                    f"supersedes plan {week.plan_id}",
                )
            )
        db.add_edits(entries, who, plan_id, result.seed)
    return plan_id


def _attended(db: HistoryStore) -> dict[str, list[tuple[date, str | None]]]:
    """Each offender's recorded attended visits (the attackers' view), by date."""
    out: dict[str, list[tuple[date, str | None]]] = {}
    for o in db.outcomes():
        if o.outcome in ATTENDED:
            out.setdefault(o.offender_id, []).append((o.date, o.slot))
    return out


def offender_scores(visits: Sequence[tuple[date, str | None]]) -> Scores:
    """The slot and gap attackers' hit rates over one offender's visits (recorded and
    planned, in date order): what an offender who knows their history predicts."""
    ordered = sorted(set(visits), key=lambda x: (x[0], x[1] or ""))
    labels = [(d.weekday(), s) for d, s in ordered if s]
    gaps = [(b[0] - a[0]).days for a, b in zip(ordered, ordered[1:], strict=False)]
    slot = slot_attacker_hits(labels)
    gap = gap_attacker_hits(gaps)
    return hit_rate(*slot), hit_rate(*gap)


def edit_effect(
    offender_id: str,
    before: Rota,
    after: Rota,
    attended: dict[str, list[tuple[date, str | None]]],
) -> tuple[Scores, Scores]:
    """The offender's slot and gap attacker scores with the week before and after an
    edit (recorded visits, and the week's planned visits not yet recorded)."""
    past = attended.get(offender_id, [])
    recorded = {d for d, _ in past}

    def planned(rota: Rota) -> list[tuple[date, str | None]]:
        return [
            (v.date, v.slot)
            for v in rota.visits
            if v.offender_id == offender_id and v.date not in recorded
        ]

    return offender_scores(past + planned(before)), offender_scores(past + planned(after))


def _change_entry(
    c: Change, before: Rota, after: Rota, attended: dict[str, list[tuple[date, str | None]]]
) -> EditEntry:
    b, a = edit_effect(c.offender_id, before, after, attended)
    v = c.after or c.before
    return EditEntry(
        "moved",
        f"{describe(c.before)} -> {describe(c.after)}: {c.why}",
        offender_id=c.offender_id,
        officer_id=v.officer_ids[0] if v else None,
        date=v.date if v else None,
        before=b,
        after=a,
    )


def describe(v: Visit | None) -> str:
    """A visit in a few words: officers, day, time of day."""
    if v is None:
        return "no visit"
    return f"{'+'.join(v.officer_ids)} {v.date:%a %d %b} {v.slot}"


def release_day(
    db: HistoryStore, day: date, out: Path, who: Who, overwrite: bool = False
) -> tuple[int, list[Path]]:
    """Write each officer's file of ``day``'s visits to ``out`` (owner-only, atomic) and
    record those visits as released: a re-plan keeps them unless their officer is
    absent. Returns the visits released and the files written."""
    week = current_week(db, day)
    visits = [v for v in week.rota.visits if v.date == day]
    files = officer_day_files(week, day, who.at)
    with db.transaction():
        db.record_release(week.plan_id, visits, who)
        db.add_edits(
            [
                EditEntry(
                    "release", f"released {len(visits)} visit(s) of {day} to officers", date=day
                )
            ],
            who,
            week.plan_id,
        )
        write_private_tree(files, out, overwrite)
    return len(visits), [out / rel for rel in files]


def officer_day_files(week: WeekPlan, day: date, issued: datetime) -> dict[str, bytes]:
    """Each officer's sheet and calendar (.csv and .ics) of ``day``'s visits only: an
    officer holds no more of the rota than the day in hand. No address, no seed."""
    if issued.tzinfo is None:
        issued = issued.astimezone()
    return officer_files(week.rota, week.register, issued=issued, day=day)


__all__ = [
    "ReplanOutcome",
    "current_week",
    "day_state",
    "edit_effect",
    "offender_scores",
    "release_day",
    "replan_in_store",
    "save_replan",
    "standing_replan",
    "week_of",
]
