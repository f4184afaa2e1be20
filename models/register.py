"""The register a unit plans from: its offenders and its officers, checked together."""

from __future__ import annotations

from functools import cached_property

from pydantic import BaseModel, ConfigDict, model_validator

from models.offender import Offender
from models.officer import Officer


class Register(BaseModel):
    """Offenders and officers whose cross-references are known to be sound."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    offenders: tuple[Offender, ...]
    officers: tuple[Officer, ...]

    @model_validator(mode="after")
    def _references(self) -> Register:
        officer_ids = [o.id for o in self.officers]
        dup = _first_duplicate(officer_ids)
        if dup is not None:
            raise ValueError(f"officer id {dup!r} appears twice")
        dup = _first_duplicate([o.id for o in self.offenders])
        if dup is not None:
            raise ValueError(f"offender id {dup!r} appears twice")
        known = set(officer_ids)
        for off in self.offenders:
            if off.manager_id not in known:
                raise ValueError(f"offender {off.id}: manager {off.manager_id!r} is not an officer")
        group: dict[str, str | None] = {}
        for o in self.officers:
            if group.setdefault(o.team, o.cover_group) != o.cover_group:
                raise ValueError(
                    f"officer {o.id}: team {o.team!r} is in cover group "
                    f"{group[o.team]!r}, not {o.cover_group!r} (a team is in one group)"
                )
        return self

    @cached_property
    def _officers_by_id(self) -> dict[str, Officer]:
        return {o.id: o for o in self.officers}

    def officer(self, officer_id: str) -> Officer:
        """Officer by id (KeyError if unknown)."""
        return self._officers_by_id[officer_id]


def _first_duplicate(ids: list[str]) -> str | None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            return i
        seen.add(i)
    return None
