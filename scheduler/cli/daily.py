"""Daily operations: ``rota replan``, ``pin``, ``unpin``, ``absent``, ``urgent``,
``release`` and ``edits``. Each records its edit in the history store (who, when, why)
and, unless ``--no-replan``, re-plans the rest of the week from the store's state;
every change is printed and written to the audit trail."""

from __future__ import annotations

import getpass
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from scheduler.cli.common import StoreOption, errors_to_exit, now, parse_date

_DURATION = re.compile(r"^(\d+)\s*(h|d)$")


def _store_options(fn: Any) -> Any:
    """``--store``, ``--by`` and ``--reason``: where, and who and why, for the trail."""
    fn = click.option("--reason", default="", help="Why (kept in the audit trail).")(fn)
    fn = click.option("--by", help="Who makes the edit (default: your user name).")(fn)
    return click.option(
        "--store", type=StoreOption(), required=True, help="History store of the week's plan."
    )(fn)


def _replan_options(fn: Any) -> Any:
    fn = click.option("--seed", type=int, help="Seed of the re-plan's draws (default: secret).")(fn)
    fn = click.option("--from", "start", help="First day to re-plan (YYYY-MM-DD; default: today).")(
        fn
    )
    return click.option(
        "--no-replan", is_flag=True, help="Record only; re-plan later with 'rota replan'."
    )(fn)


def _who(by: str | None, reason: str) -> Any:
    from scheduler.history.store.daily import Who

    return Who(now().replace(microsecond=0), by or getpass.getuser(), reason)


def _start(value: str | None, option: str = "--from") -> date:
    return parse_date(value, option) or now().date()


def _run_replan(db: Any, start: date, who: Any, edits: list[Any], seed: int | None) -> None:
    """Re-plan from ``start`` with ``edits`` and print what changed."""
    from scheduler.io.daily import describe, replan_in_store
    from scheduler.io.report import wrap

    done = replan_in_store(db, start, who, edits=edits, seed=seed)
    r = done.result
    teams = ", ".join(r.teams) or "none"
    click.echo(
        wrap(
            f"Re-planned from {start} (teams: {teams}): {len(r.changes)} change(s), "
            f"{r.moved} visit(s) moved"
        )
    )
    for c in r.changes:
        line = f"{c.offender_id}: {describe(c.before)} -> {describe(c.after)} ({c.why})"
        click.echo(wrap(line, indent="    ", first="  "))
    for oid, why in done.refusals.items():
        click.echo(wrap(f"Urgent visit to {oid} NOT planned: {why}"))
    if done.plan_id is not None:
        click.echo(wrap(f"Saved plan {done.plan_id} (seed in its audit) to {db.name}"))
    else:
        click.echo(wrap(f"Nothing changed; the plan in {db.name} stands"))
    if done.refusals:
        raise SystemExit(1)


def _open(store: Path) -> Any:
    from scheduler.history.store import HistoryStore, store_exists

    if not store_exists(store):
        raise click.ClickException(f"{store}: no history store; run 'rota plan --store' first")
    return HistoryStore(store)


@click.command("replan")
@_store_options
@click.option("--from", "start", help="First day to re-plan (YYYY-MM-DD; default: today).")
@click.option("--seed", type=int, help="Seed of the re-plan's draws (default: secret).")
@errors_to_exit
def replan_cmd(
    store: Path, by: str | None, reason: str, start: str | None, seed: int | None
) -> None:
    """Re-plan the rest of the week from the store's state.

    Visits done keep their outcomes, released visits stay unless their officer is
    absent, pinned visits keep their pin, failed visits are re-attempted, absent
    officers' visits move, urgent requests are met or refused with the reason.
    """
    with _open(store) as db:
        _run_replan(db, _start(start), _who(by, reason), [], seed)


@click.command("pin")
@click.argument("offender")
@_store_options
@click.option("--officer", help="Officer to make the visit (default: as planned).")
@click.option("--day", help="Day of the visit, YYYY-MM-DD (default: as planned).")
@click.option("--time", "time_", help="Time of day: a slot name or HH:MM (default: as planned).")
@click.option("--week", help="Monday of the week (default: the --day's or today's week).")
@_replan_options
@errors_to_exit
def pin_cmd(
    offender: str,
    store: Path,
    by: str | None,
    reason: str,
    officer: str | None,
    day: str | None,
    time_: str | None,
    week: str | None,
    no_replan: bool,
    start: str | None,
    seed: int | None,
) -> None:
    """Fix a visit's officer, day or time of day (a manager's decision)."""
    from scheduler.history.store.daily import EditEntry
    from scheduler.io.daily import current_week, describe

    who = _who(by, reason)
    with _open(store) as db:
        pin_day = parse_date(day, "--day")
        anchor = parse_date(week, "--week") or pin_day or _start(start)
        plan = current_week(db, anchor)
        monday = plan.rota.week_start
        visit = next(
            (v for v in plan.rota.visits if v.offender_id == offender and not v.short_notice), None
        )
        if visit is None and (officer is None or pin_day is None or time_ is None):
            raise click.ClickException(
                f"{offender} has no visit in the week of {monday}: give --officer, --day and --time"
            )
        officer_id = officer or visit.officer_ids[0]  # type: ignore[union-attr]
        if officer_id not in {o.id for o in plan.register.officers}:
            raise click.BadParameter(
                f"no officer {officer_id} on the register", param_hint="--officer"
            )
        the_day = pin_day or visit.date  # type: ignore[union-attr]
        if not monday <= the_day <= monday + timedelta(days=6):
            raise click.BadParameter(
                f"{the_day} is not in the week of {monday}", param_hint="--day"
            )
        slot = _slot(plan.policy, the_day, time_) if time_ else visit.slot  # type: ignore[union-attr]
        first = max(_start(start), monday)
        if the_day < first or (visit is not None and visit.date < first):
            when = describe(visit) if visit is not None and visit.date < first else str(the_day)
            raise click.ClickException(
                f"{offender}: {when} is before the re-plan's first day {first}; a visit "
                "made or due before then cannot be pinned"
            )
        _check_on_duty(plan, db, officer_id, the_day, slot)
        db.add_pin(offender, monday, officer_id, the_day, slot, who)
        edit = EditEntry(
            "pin",
            f"pinned {describe(visit)} to {officer_id} {the_day:%a %d %b} {slot}",
            offender_id=offender,
            officer_id=officer_id,
            date=the_day,
        )
        click.echo(f"Pinned {offender}: {officer_id} {the_day:%a %d %b} {slot}")
        _after_edit(db, edit, who, no_replan, first, seed)


def _check_on_duty(plan: Any, db: Any, officer_id: str, day: date, slot: str) -> None:
    """Refuse a pin the re-plan could not keep: the officer off that day (rest day, leave,
    recorded absence) or their shift missing the time of day."""
    officer = next(o for o in plan.register.officers if o.id == officer_id)
    shift = officer.shift_on(day)
    away = day in db.absences(day, day).get(officer_id, set())
    if shift is None or away:
        raise click.BadParameter(
            f"{officer_id} is not on duty on {day:%a %d %b} (rest day or away): pin to "
            "another day or officer",
            param_hint="--day",
        )
    window = next(s.window for s in plan.policy.slots if s.name == slot)
    if not (shift.window.start < window.end and window.start < shift.window.end):
        raise click.BadParameter(
            f"{officer_id}'s shift on {day:%a %d %b} ({shift.window.start:%H:%M}-"
            f"{shift.window.end:%H:%M}) misses the {slot} slot ({window.start:%H:%M}-"
            f"{window.end:%H:%M})",
            param_hint="--time",
        )


def _after_edit(
    db: Any, edit: Any, who: Any, no_replan: bool, start: date, seed: int | None
) -> None:
    if no_replan:
        db.add_edits([edit], who)
        click.echo("Recorded; not re-planned (--no-replan): run 'rota replan' to apply it")
        return
    _run_replan(db, start, who, [edit], seed)


def _slot(policy: Any, day: date, value: str) -> str:
    """``--time``: a policy slot's name, or HH:MM inside one open that day."""
    from scheduler.core.windows import slot_name

    names = [s.name for s in policy.slots]
    if value in names:
        return value
    try:
        t = datetime.strptime(value, "%H:%M")
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is neither a time of day ({', '.join(names)}) nor HH:MM",
            param_hint="--time",
        ) from None
    found = slot_name(policy, day, t.hour * 3600 + t.minute * 60)
    if found not in names:
        raise click.BadParameter(f"{value} on {day:%A} is in no visiting slot", param_hint="--time")
    return found


@click.command("unpin")
@click.argument("offender")
@_store_options
@click.option("--week", help="Monday of the week (default: the --from day's week).")
@_replan_options
@errors_to_exit
def unpin_cmd(
    offender: str,
    store: Path,
    by: str | None,
    reason: str,
    week: str | None,
    no_replan: bool,
    start: str | None,
    seed: int | None,
) -> None:
    """Free a pinned visit for the next re-plan."""
    from scheduler.history.store.daily import EditEntry
    from scheduler.io.daily import current_week

    who = _who(by, reason)
    with _open(store) as db:
        plan = current_week(db, parse_date(week, "--week") or _start(start))
        monday = plan.rota.week_start
        if not db.remove_pin(offender, monday, who):
            raise click.ClickException(f"{offender} has no pin in the week of {monday}")
        click.echo(f"Unpinned {offender} (week of {monday})")
        edit = EditEntry("unpin", f"unpinned the week of {monday}", offender_id=offender)
        _after_edit(db, edit, who, no_replan, max(_start(start), monday), seed)


@click.command("absent")
@click.argument("officer")
@_store_options
@click.option("--date", "day", required=True, help="First day away (YYYY-MM-DD).")
@click.option("--until", help="Last day away (YYYY-MM-DD; default: --date).")
@click.option("--no-replan", is_flag=True, help="Record only; re-plan later with 'rota replan'.")
@click.option("--seed", type=int, help="Seed of the re-plan's draws (default: secret).")
@errors_to_exit
def absent_cmd(
    officer: str,
    store: Path,
    by: str | None,
    reason: str,
    day: str,
    until: str | None,
    no_replan: bool,
    seed: int | None,
) -> None:
    """Record an officer away and re-plan that day and the rest of the week."""
    from scheduler.history.store.daily import EditEntry
    from scheduler.io.daily import current_week

    first = parse_date(day, "--date")
    assert first is not None
    last = parse_date(until, "--until") or first
    if last < first:
        raise click.BadParameter("--until is before --date", param_hint="--until")
    who = _who(by, reason)
    with _open(store) as db:
        plan = current_week(db, first)
        if officer not in {o.id for o in plan.register.officers}:
            raise click.BadParameter(f"no officer {officer} on the register", param_hint="OFFICER")
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        new = db.add_absence(officer, days, who)
        click.echo(f"Recorded {officer} away {first}" + (f" to {last}" if last > first else ""))
        edit = EditEntry(
            "absent",
            f"away {first} to {last} ({len(new)} new day(s))",
            officer_id=officer,
            date=first,
        )
        _after_edit(db, edit, who, no_replan, max(first, plan.rota.week_start), seed)


def _within(value: str) -> timedelta:
    m = _DURATION.match(value.strip())
    if not m or int(m.group(1)) <= 0:
        raise click.BadParameter(
            f"{value!r} is not a duration such as 24h, 48h or 2d", param_hint="--within"
        )
    n = int(m.group(1))
    return timedelta(hours=n) if m.group(2) == "h" else timedelta(days=n)


@click.command("urgent")
@click.argument("offender")
@_store_options
@click.option("--within", required=True, help="Deadline from now: 24h, 48h, 2d...")
@click.option("--two-officers", is_flag=True, help="The visit needs two officers.")
@_replan_options
@errors_to_exit
def urgent_cmd(
    offender: str,
    store: Path,
    by: str | None,
    reason: str,
    within: str,
    two_officers: bool,
    no_replan: bool,
    start: str | None,
    seed: int | None,
) -> None:
    """Add a visit that must be made within a deadline, or say why it cannot."""
    from scheduler.history.store.daily import EditEntry
    from scheduler.io.daily import current_week

    who = _who(by, reason)
    deadline = who.at + _within(within)
    with _open(store) as db:
        first = max(_start(start), who.at.date())
        plan = current_week(db, first)
        if offender not in {o.id for o in plan.register.offenders}:
            raise click.BadParameter(
                f"no offender {offender} on the register", param_hint="OFFENDER"
            )
        db.add_urgent(offender, deadline, two_officers, who)
        crew = ", two officers" if two_officers else ""
        click.echo(f"Urgent visit to {offender} by {deadline:%a %d %b %H:%M}{crew}")
        edit = EditEntry(
            "urgent", f"visit wanted by {deadline:%Y-%m-%d %H:%M}{crew}", offender_id=offender
        )
        _after_edit(db, edit, who, no_replan, first, seed)


@click.command("release")
@_store_options
@click.option("--day", required=True, help="Day whose visits go to officers (YYYY-MM-DD).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder to write.")
@click.option("--overwrite", is_flag=True, help="Replace an existing folder.")
@errors_to_exit
def release_cmd(
    store: Path, by: str | None, reason: str, day: str, out: Path, overwrite: bool
) -> None:
    """Write each officer's visits of a day and record them as released."""
    from scheduler.io.daily import release_day

    the_day = parse_date(day, "--day")
    assert the_day is not None
    with _open(store) as db:
        n, files = release_day(db, the_day, out, _who(by, reason), overwrite)
    click.echo(f"Released {n} visit(s) of {the_day}: {len(files)} officer file(s) in {out}/")


@click.command("edits")
@click.option("--store", type=StoreOption(), required=True, help="History store to read.")
@click.option("--offender", help="Only this offender's entries.")
@errors_to_exit
def edits_cmd(store: Path, offender: str | None) -> None:
    """The audit trail of edits and re-plans, with slot and gap attacker scores."""
    from scheduler.io.report import wrap

    with _open(store) as db:
        entries = db.edits(offender)
    if not entries:
        click.echo("No edits recorded")
        return
    for e in entries:
        head = f"{e.created_at[:16]} {e.created_by}: {e.kind}"
        who = " ".join(x for x in (e.offender_id, e.officer_id) if x)
        text = f"{head} {who} - {e.detail}" + (f" (why: {e.reason})" if e.reason else "")
        click.echo(wrap(text))
        if e.kind == "moved":
            click.echo(
                wrap(
                    f"    slot hit rate {_pct(e.slot_before)} -> {_pct(e.slot_after)}; "
                    f"gap hit rate {_pct(e.gap_before)} -> {_pct(e.gap_after)}"
                )
            )


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.0%}"
