"""Rates of the events a multi-week simulation draws. Every figure is a documented,
configurable estimate (``../shared/scenario_facts.md`` gives the sources and ranges);
load your own from TOML with :meth:`EventRates.from_toml`."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

Share = Annotated[float, Field(ge=0.0, le=1.0)]
PerYear = Annotated[float, Field(ge=0.0, le=5.0)]
Weeks = Annotated[float, Field(gt=0.0, le=520.0)]


class EventRates(BaseModel):
    """What happens around the planner, week by week."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Visit outcomes (per attempted visit, offender at home and not away). The working
    # assumption is that 15-30% of unannounced visits fail at the first attempt.
    #: Nobody answers.
    no_answer: Share = 0.15
    #: The offender refuses entry.
    refused_entry: Share = 0.03
    #: The visit is called off by the police (abstraction, emergency): no attempt made.
    cancelled_by_police: Share = 0.03
    # Register changes (per offender per year).
    #: New registrations (the register grows ~3-8% a year net; 2.5% nationally 2023-24).
    registrations_per_year: PerYear = 0.09
    #: Registrations ending (notification period over, deaths): with the default
    #: registrations, net growth of 4% a year.
    deregistrations_per_year: PerYear = 0.05
    #: Notified changes of address (the offender moves within the unit's area).
    moves_per_year: PerYear = 0.15
    #: Remanded or sentenced into custody, and mean weeks there.
    custody_per_year: PerYear = 0.03
    custody_weeks: Weeks = 26.0
    #: Admitted to hospital (found out at a visit), and mean weeks there.
    hospital_per_year: PerYear = 0.01
    hospital_weeks: Weeks = 3.0
    #: Notified foreign travel, and mean weeks away.
    abroad_per_year: PerYear = 0.05
    abroad_weeks: Weeks = 2.0
    #: Absconds without notifying (found out at the next visit: not at address), and
    #: mean weeks until located; ~0.3-1% of a register is wanted/missing at any time.
    abscond_per_year: PerYear = 0.02
    located_weeks: Weeks = 10.0
    # Officer absence (share of working days lost; leave ~35 days a year, sickness
    # 4-5% of time, training and other abstraction ~8-10 days a year).
    #: Annual leave, taken in whole weeks.
    leave_share: Share = 0.13
    #: Sickness, single days.
    sickness_share: Share = 0.045
    #: Abstraction to other duties and training, single days.
    abstraction_share: Share = 0.04

    @model_validator(mode="after")
    def _outcomes_add_up(self) -> EventRates:
        if self.no_answer + self.refused_entry + self.cancelled_by_police >= 1.0:
            raise ValueError("visit failure shares must add up to less than 1")
        if self.leave_share + self.sickness_share + self.abstraction_share >= 1.0:
            raise ValueError("officer absence shares must add up to less than 1")
        return self

    @property
    def fail_share(self) -> float:
        """Share of attempts at home that do not end in a completed visit."""
        return self.no_answer + self.refused_entry + self.cancelled_by_police

    @property
    def absence_share(self) -> float:
        """Share of an officer's working days lost to leave, sickness and abstraction."""
        return self.leave_share + self.sickness_share + self.abstraction_share

    @classmethod
    def from_toml(cls, path: Path) -> EventRates:
        with open(path, "rb") as fh:
            return cls.model_validate(tomllib.load(fh))
