"""An outcome to record, as the user gave it and checked on its own: what
:meth:`~scheduler.history.store.HistoryStore.import_outcomes` takes. Files and the
command line are read into it by :mod:`scheduler.io.outcomes`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models import VisitOutcome
from scheduler.core.exceptions import InputProblem


@dataclass(frozen=True)
class OutcomeRow:
    """One outcome as given, checked on its own. ``source``/``row`` locate it for error
    messages (``row`` as a spreadsheet numbers it; None on the command line)."""

    source: str
    row: int | None
    offender_id: str
    date: dt.date
    outcome: VisitOutcome
    visit_date: dt.date | None = None
    time: dt.time | None = None
    arms_done: bool | None = None
    recheck_date: dt.date | None = None
    unplanned: bool = False
    notes: str = ""

    @property
    def planned_date(self) -> dt.date:
        """The date of the planned visit this outcome records."""
        return self.visit_date or self.date

    def problem(self, field: str | None, message: str) -> InputProblem:
        return InputProblem(self.source, self.row, field, message, self.offender_id)
