"""What a re-plan starts from (:class:`DayState`: absences, pins, releases, failed
attempts, urgent requests) and what it returns (:class:`ReplanResult` with every
:class:`Change`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from models import Rota, Visit


@dataclass(frozen=True)
class Fix:
    """A manager's pin: this officer, on this day, in this time of day."""

    offender_id: str
    officer_id: str
    date: date
    slot: str


@dataclass(frozen=True)
class Urgent:
    """A visit wanted before ``deadline`` (intelligence), by two officers if asked."""

    offender_id: str
    deadline: datetime
    two_officers: bool = False


@dataclass(frozen=True)
class Attempt:
    """A visit attempt before the re-plan that failed (or was called off), to re-attempt."""

    offender_id: str
    date: date
    slot: str | None
    called_off: bool = False


@dataclass(frozen=True)
class DayState:
    """What the week's re-plan starts from besides the rota itself."""

    absences: Mapping[str, set[date]] = field(default_factory=dict)
    pins: Sequence[Fix] = ()
    released: set[tuple[str, date, tuple[str, ...]]] = field(default_factory=set)
    failed: Sequence[Attempt] = ()
    urgent: Sequence[Urgent] = ()


@dataclass(frozen=True)
class Change:
    """One visit the re-plan changed: before and after (None: none), and why."""

    offender_id: str
    before: Visit | None
    after: Visit | None
    why: str

    @property
    def officer_changed(self) -> bool:
        return (
            self.before is not None
            and self.after is not None
            and self.before.officer_ids != self.after.officer_ids
        )

    @property
    def time_changed(self) -> bool:
        b, a = self.before, self.after
        return b is not None and a is not None and (b.date, b.slot) != (a.date, a.slot)


@dataclass(frozen=True)
class ReplanResult:
    """The re-planned rota, every change, and the urgent requests it could not meet."""

    rota: Rota
    changes: list[Change]
    missed_urgent: list[Urgent]
    teams: list[str]
    seed: int

    @property
    def moved(self) -> int:
        """Visits issued before that now have another officer, day or time of day."""
        return sum(c.officer_changed or c.time_changed for c in self.changes)
