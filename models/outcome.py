"""What happened when officers went to a planned (or unplanned) home visit."""

from __future__ import annotations

from enum import StrEnum


class VisitOutcome(StrEnum):
    """The recorded result of one visit attempt.

    ``completed`` is the only successful visit (whether or not the ARMS assessment was
    done: that is recorded separately). ``no_answer`` and ``refused_entry`` are failed
    attempts to gain entry (they count towards a section 96B warrant and are re-attempted);
    ``not_at_address`` means the offender may have moved without notifying (escalation);
    custody, hospital and abroad explain the absence and are re-checked later;
    ``cancelled_by_police`` is no attempt at all and changes nothing.
    """

    COMPLETED = "completed"
    NO_ANSWER = "no_answer"
    REFUSED_ENTRY = "refused_entry"
    NOT_AT_ADDRESS = "not_at_address"
    IN_CUSTODY = "in_custody"
    IN_HOSPITAL = "in_hospital"
    ABROAD = "abroad"
    CANCELLED_BY_POLICE = "cancelled_by_police"

    @property
    def is_success(self) -> bool:
        return self is VisitOutcome.COMPLETED

    @property
    def is_failed_entry(self) -> bool:
        """A failed attempt to gain entry for a risk assessment (s.96B SOA 2003)."""
        return self in (VisitOutcome.NO_ANSWER, VisitOutcome.REFUSED_ENTRY)

    @property
    def is_neutral(self) -> bool:
        """No attempt was made: the history is unchanged."""
        return self is VisitOutcome.CANCELLED_BY_POLICE

    @property
    def is_away(self) -> bool:
        """The offender is known to be elsewhere for a while: tracked with a re-check date."""
        return self in (VisitOutcome.IN_CUSTODY, VisitOutcome.IN_HOSPITAL, VisitOutcome.ABROAD)
