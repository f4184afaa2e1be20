"""Two-officer bookings: officers, day and quarter-hour fixed for each joint visit before
routing, chained on each officer-day among the joint visits booked before it."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace

import numpy as np

from models import Officer, Policy
from scheduler.core.windows import Intervals, intersect, shift_to_week
from scheduler.plan.candidates import Candidate, pair_options

PAIR_STEP_S = 900  # two-officer bookings start on the quarter hour


@dataclass
class _Diary:
    """The joint visits booked so far on each officer-day (vehicle): (start, end, node)
    in time order, and the visit time and driving each day's chain of them takes."""

    veh: list[tuple[int, int, int, int, int]]
    travel: np.ndarray
    booked: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)
    used_s: dict[int, int] = field(default_factory=dict)

    def add(self, v: int, t: int, service: int, node: int) -> None:
        stops = self.booked.setdefault(v, [])
        self.used_s[v] = self.used_s.get(v, 0) + added_work(
            self.veh[v][0], stops, t, service, node, self.travel
        )
        bisect.insort(stops, (t, t + service, node))

    def remove(self, v: int, node: int) -> None:
        stops = [s for s in self.booked.get(v, []) if s[2] != node]
        self.booked[v] = stops
        self.used_s[v] = day_work(self.veh[v][0], stops, self.travel)


def day_work(base: int, day: list[tuple[int, int, int]], travel: np.ndarray) -> int:
    """Visit time plus the drive from the base through the booked visits and back: what
    :func:`added_work` sums to, booking by booking."""
    route = [base, *(n for _, _, n in day), base]
    return sum(e - s for s, e, _ in day) + sum(
        int(travel[a, b]) for a, b in zip(route, route[1:], strict=False)
    )


#: A two-officer booking: (lead, partner, day, start in week seconds).
Booking = tuple[int, int, int, int]
#: (cost, lead, partner, day, quarter-hour starts) of a crew-day a joint visit fits.
CrewTimes = tuple[int, int, int, int, list[int]]
#: (lead's vehicle, partner's vehicle, start times in week seconds).
Alternative = tuple[int, int, list[int]]


def book_pairs(
    candidates: list[Candidate],
    officers: list[Officer],
    travel: np.ndarray,
    veh: list[tuple[int, int, int, int, int]],
    veh_of: dict[tuple[int, int], int],
    policy: Policy,
    rng: np.random.Generator,
) -> tuple[dict[int, Booking], dict[int, list[Alternative]]]:
    """Fix officers, day and time for each two-officer visit, most urgent first.

    Officers are chosen for short travel (the manager leads when possible); the day and
    the quarter-hour are drawn at random among those that fit both officers' shifts, visit
    hours and earlier bookings (chained between them: :func:`free_starts`), so joint
    visits are not predictable either. A visit that finds no crew free takes the place of
    a less urgent booking that can move elsewhere (a visit a daytime pair could make
    had taken the only evening two late officers share). Also returns, per booked visit,
    every crew-day that fitted with its times (vehicles, not officers): the fallbacks if
    the routing cannot fit the booking among the single visits.
    """
    booker = _PairBooker(candidates, officers, veh, veh_of, policy, rng, _Diary(veh, travel))
    unbooked = booker.book_by_urgency()
    for ci in unbooked:
        booker.make_room(ci)
    return booker.out, booker.alternatives


@dataclass
class _PairBooker:
    """The bookings of one team's joint visits as they are made, moved and undone."""

    candidates: list[Candidate]
    officers: list[Officer]
    veh: list[tuple[int, int, int, int, int]]
    veh_of: dict[tuple[int, int], int]
    policy: Policy
    rng: np.random.Generator
    diary: _Diary
    out: dict[int, Booking] = field(default_factory=dict)
    alternatives: dict[int, list[Alternative]] = field(default_factory=dict)

    def book_by_urgency(self) -> list[int]:
        """Book every joint visit that finds a crew, most urgent first; the rest."""
        order = sorted(
            (i for i, c in enumerate(self.candidates) if c.offender.two_officers),
            key=lambda i: -self.candidates[i].due.urgency,
        )
        unbooked = []
        for ci in order:
            options = self.options_of(ci)
            if options:
                self.book(ci, options)
            else:
                unbooked.append(ci)
        return unbooked

    def make_room(self, ci: int) -> None:
        """Book ``ci`` in the place of the least urgent booking that can move elsewhere."""
        for cj in sorted(self.out, key=lambda c: self.candidates[c].due.urgency):
            kept, kept_alternatives = self.unplace(cj), self.alternatives[cj]
            options = self.options_of(ci)
            if options:
                self.book(ci, options)
                moved = self.options_of(cj)
                if moved:
                    self.book(cj, moved)
                    break
                self.unplace(ci)
                del self.alternatives[ci]
            self.place(cj, kept)
            self.alternatives[cj] = kept_alternatives

    def options_of(self, ci: int) -> list[CrewTimes]:
        cand = self.candidates[ci]
        node = len(self.officers) + ci
        options = _crew_times(
            cand, self.officers, node, self.veh, self.veh_of, self.diary, self.policy
        )
        if not options and cand.undrawn is not None:
            # The drawn options only looked usable (e.g. a start the moment the shift
            # begins, before anyone can have driven there): every day and time is open
            # again, as for a single visit that did not fit its drawn options.
            wide = replace(cand, by_officer_day=cand.undrawn)
            options = _crew_times(
                wide, self.officers, node, self.veh, self.veh_of, self.diary, self.policy
            )
        return options

    def book(self, ci: int, options: list[CrewTimes]) -> None:
        best = min(o[0] for o in options)
        near = [o for o in options if o[0] <= best + 600]  # within 10 min of the best crew
        _, k1, k2, d, times = near[int(self.rng.integers(len(near)))]
        t = times[int(self.rng.integers(len(times)))]
        self.place(ci, (k1, k2, d, t))
        self.alternatives[ci] = [
            (
                self.veh_of[(a, day)],
                self.veh_of[(b, day)],
                [x for x in ts if (a, b, day, x) != (k1, k2, d, t)],
            )
            for _, a, b, day, ts in options
        ]

    def place(self, ci: int, booking: Booking) -> None:
        k1, k2, d, t = booking
        for k in (k1, k2):
            self.diary.add(
                self.veh_of[(k, d)], t, self.candidates[ci].service_s, len(self.officers) + ci
            )
        self.out[ci] = booking

    def unplace(self, ci: int) -> Booking:
        k1, k2, d, t = self.out.pop(ci)
        for k in (k1, k2):
            self.diary.remove(self.veh_of[(k, d)], len(self.officers) + ci)
        return (k1, k2, d, t)


def pair_fallbacks(
    candidates: list[Candidate],
    officers: list[Officer],
    alternatives: dict[int, list[tuple[int, int, list[int]]]],
    veh_of: dict[tuple[int, int], int],
) -> dict[int, list[tuple[int, int, list[int]]]]:
    """Per two-officer visit, the crew-days and times its drawn day-slots left out."""
    out: dict[int, list[tuple[int, int, list[int]]]] = {}
    for ci, booked in alternatives.items():
        cand = candidates[ci]
        if cand.undrawn is None:
            continue
        drawn = {(v1, v2) for v1, v2, _ in booked}
        wide = crew_day_times(replace(cand, by_officer_day=cand.undrawn), officers, veh_of)
        out[ci] = [(v1, v2, ts) for v1, v2, ts in wide if (v1, v2) not in drawn]
    return out


def crew_day_times(
    cand: Candidate, officers: list[Officer], veh_of: dict[tuple[int, int], int]
) -> list[tuple[int, int, list[int]]]:
    """(lead's vehicle, partner's vehicle, quarter-hour starts) of every crew-day on
    which both officers are on duty while the offender is at home."""
    return [
        (veh_of[(k1, d)], veh_of[(k2, d)], quarter_hours(shift_to_week(common, d)))
        for k1, k2, d, common in pair_options(cand, officers)
        if (k1, d) in veh_of and (k2, d) in veh_of
    ]


def quarter_hours(intervals: Intervals) -> list[int]:
    """The quarter-hour starts (week seconds) inside ``intervals``: the times a joint
    visit is booked at."""
    return [t for s, e in intervals for t in range(s + (-s) % PAIR_STEP_S, e, PAIR_STEP_S)]


def _crew_times(
    cand: Candidate,
    officers: list[Officer],
    node: int,
    veh: list[tuple[int, int, int, int, int]],
    veh_of: dict[tuple[int, int], int],
    diary: _Diary,
    policy: Policy,
) -> list[tuple[int, int, int, int, list[int]]]:
    """(cost, lead, partner, day, quarter-hour starts) of every crew-day that can still
    take a two-officer visit among the bookings so far; cost is the crew's round trips,
    plus the cover penalty when the manager does not lead."""
    options = []
    for k1, k2, d, common in pair_options(cand, officers):
        if (k1, d) not in veh_of or (k2, d) not in veh_of:
            continue
        travel = diary.travel
        cost = int(travel[k1, node] + travel[node, k1] + travel[k2, node] + travel[node, k2])
        if officers[k1].id != cand.offender.manager_id:
            cost += policy.cover_penalty_s
        free = shift_to_week(common, d)
        for k in (k1, k2):
            v = veh_of[(k, d)]
            day, used = diary.booked.get(v, []), diary.used_s.get(v, 0)
            free = intersect(free, free_starts(veh[v], day, used, cand.service_s, node, travel))
        times = quarter_hours(free)
        if times:
            options.append((cost, k1, k2, d, times))
    return options


def _stops(
    base: int, day: list[tuple[int, int, int]], start: int, end: int
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The gaps of an officer-day around its booked visits, in time order: ((time the
    previous stop is left, its node), (time the next stop is reached, its node)), the
    base at the shift's start and end."""
    left = [(start, base), *((e, n) for _, e, n in day)]
    reached = [*((s, n) for s, _, n in day), (end, base)]
    return list(zip(left, reached, strict=True))


def ceil_s(seconds: int) -> int:
    """Seconds rounded up to whole minutes: the routing model's time unit, so a booking
    that fits here fits there too."""
    return -(-int(seconds) // 60) * 60


def free_starts(
    vehicle: tuple[int, int, int, int, int],
    day: list[tuple[int, int, int]],
    used: int,
    service: int,
    node: int,
    travel: np.ndarray,
) -> Intervals:
    """Start times at which a visit at ``node`` fits this officer-day among its earlier
    bookings ``day`` ((start, end, node), in time order): reached from the stop before
    (the base, or the previous booked visit) and leaving time to reach the stop after,
    inside the shift and inside the visit-hour budget. Booked visits are chained, not
    each a round trip from the base, so an evening can hold as many joint visits as
    the drives between them allow."""
    base, _, start, end, budget = vehicle
    out: Intervals = []
    for (left, a), (reached, b) in _stops(base, day, start, end):
        go, on = ceil_s(travel[a, node]), ceil_s(travel[node, b])
        extra = service + go + on - int(travel[a, b])
        lo, hi = left + go, reached - service - on + 1
        if lo < hi and used + extra <= budget:
            out.append((lo, hi))
    return out


def added_work(
    base: int, day: list[tuple[int, int, int]], t: int, service: int, node: int, travel: np.ndarray
) -> int:
    """The visit time and extra driving a visit at ``node`` starting at ``t`` adds to an
    officer-day with bookings ``day`` (the detour from the stop before to the stop after)."""
    i = bisect.bisect_left(day, (t, t, node))
    a = day[i - 1][2] if i > 0 else base
    b = day[i][2] if i < len(day) else base
    return service + int(travel[a, node] + travel[node, b] - travel[a, b])
