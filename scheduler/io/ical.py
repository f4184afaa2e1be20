"""Officers' visits as iCalendar (RFC 5545) files to import into Outlook, Google or Apple
calendars.

Times are UK wall-clock times (as rotas are planned) with ``TZID=Europe/London`` and a
VTIMEZONE of two yearly rules, the form Outlook itself writes; Google and Apple read it
too, and an empty calendar still holds one component, as RFC 5545 asks. Each visit's
UID is derived, never drawn: re-importing a re-planned week updates its events instead
of adding copies, and ``SEQUENCE`` grows with the time the file was issued, so a client
takes the newer version. Nothing here sees the plan's seed; an address appears (as
``LOCATION``) only when the caller passes one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

from models import Visit

LONDON = ZoneInfo("Europe/London")
PRODID = "-//rota-planner//officer visits//EN"
#: SEQUENCE counts minutes from here to the file's issue time: later files win.
SEQUENCE_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def london_timezone() -> Timezone:
    """Europe/London as UK law has it since 1996: BST from 01:00 GMT on the last Sunday of
    March to 01:00 GMT on the last Sunday of October."""
    tz = Timezone()
    tz.add("tzid", "Europe/London")
    for part, start, before, after, name, month in (
        (TimezoneDaylight(), datetime(1996, 3, 31, 1), "+0000", "+0100", "BST", 3),
        (TimezoneStandard(), datetime(1996, 10, 27, 2), "+0100", "+0000", "GMT", 10),
    ):
        part.add("dtstart", start)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        part.add("tzname", name)
        part.add("tzoffsetfrom", timedelta(hours=int(before[:3])))
        part.add("tzoffsetto", timedelta(hours=int(after[:3])))
        tz.add_component(part)
    return tz


def visit_uid(week_start: date, offender_id: str, nth: int) -> str:
    """A visit's UID from its week, offender and place among that offender's visits of the
    week (1 = first, 2 = a revisit): the same visit in a re-plan keeps its UID even if
    it moved to another day or time, so a calendar updates it."""
    key = f"{week_start.isoformat()}|{offender_id}|{nth}".encode()
    return f"{hashlib.sha256(key).hexdigest()[:32]}@rota-planner"


def sequence_of(issued: datetime) -> int:
    """``SEQUENCE`` for a file issued at ``issued`` (aware): minutes since
    :data:`SEQUENCE_EPOCH`, so each re-issue outranks the one before."""
    return max(0, int((issued - SEQUENCE_EPOCH).total_seconds() // 60))


def visit_end(visit: Visit) -> datetime:
    """The end of the visit's slot: arriving as late as the window allows, plus the time
    the visit takes."""
    return visit.window_end + (visit.departure - visit.arrival)


def tier_words(visit: Visit) -> str:
    """``very_high`` as ``very high``: calendars show it to people."""
    return visit.tier.value.replace("_", " ")


def visit_description(visit: Visit, officer_id: str) -> str:
    """What the officer needs in plain words: whom, when to arrive, with whom."""
    minutes = round((visit.departure - visit.arrival).total_seconds() / 60)
    lines = [
        f"Unannounced home visit to {visit.offender_id} (risk tier: {visit.tier.value}).",
        f"Arrive between {visit.arrival:%H:%M} and {visit.window_end:%H:%M}; about {minutes} min.",
    ]
    partners = [o for o in visit.officer_ids if o != officer_id]
    if partners:
        lines.append(f"Joint visit with {partners[0]} (lead: {visit.officer_ids[0]}).")
    if visit.cover:
        lines.append("Cover: the offender's own manager is not on this visit.")
    if visit.short_notice:
        lines.append("Short-notice revisit after this week's first visit.")
    if visit.rebooked:
        lines.append("Rebooked after a visit called off earlier this week.")
    if visit.days_overdue:
        lines.append(f"Due {visit.due_date}: {visit.days_overdue} day(s) overdue.")
    return "\n".join(lines)


def visit_event(
    visit: Visit, officer_id: str, uid: str, issued: datetime, address: str | None = None
) -> Event:
    """One VEVENT for ``officer_id``'s part in ``visit``; machine-readable ``X-ROTA-*``
    properties repeat the offender, tier and partner for tools that import the file."""
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence_of(issued))
    event.add("dtstamp", issued.astimezone(UTC))
    event.add("dtstart", visit.arrival.replace(tzinfo=LONDON))
    event.add("dtend", visit_end(visit).replace(tzinfo=LONDON))
    event.add("summary", f"Visit {visit.offender_id} ({tier_words(visit)})")
    event.add("description", visit_description(visit, officer_id))
    if address:
        event.add("location", address)
    event.add("class", "PRIVATE")
    event.add("transp", "OPAQUE")
    event.add("status", "CONFIRMED")
    event.add("x-rota-offender", visit.offender_id)
    event.add("x-rota-tier", visit.tier.value)
    partners = [o for o in visit.officer_ids if o != officer_id]
    if partners:
        event.add("x-rota-partner", partners[0])
    return event


def officer_calendar(
    officer_id: str,
    visits: Iterable[tuple[Visit, str]],
    issued: datetime,
    addresses: Mapping[str, str] | None = None,
) -> bytes:
    """An officer's calendar: ``visits`` as ``(visit, uid)`` pairs, each offender's
    address as ``LOCATION`` when ``addresses`` has it."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"rota visits {officer_id}")
    cal.add("x-wr-timezone", "Europe/London")
    cal.add_component(london_timezone())
    for visit, uid in visits:
        address = (addresses or {}).get(visit.offender_id)
        cal.add_component(visit_event(visit, officer_id, uid, issued, address))
    data: bytes = cal.to_ical()
    return data
