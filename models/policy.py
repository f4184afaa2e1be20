"""Unit policy: every figure from the domain brief lives here as a configurable default."""

from __future__ import annotations

import tomllib
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from models.common import ClockWindow, Weekday
from models.offender import OffenderStatus, RiskTier

_T = RiskTier
#: Statuses a visit outcome can set that are re-checked after ``Policy.recheck_days``.
RECHECK_STATUSES = (OffenderStatus.IN_CUSTODY, OffenderStatus.IN_HOSPITAL, OffenderStatus.ABROAD)


class GapShape(StrEnum):
    """Documented gap distributions a policy can choose (see ``scheduler.timing.gaps``)."""

    #: Maximum entropy on 1..I with the target mean (the default and the audit baseline).
    MAX_ENTROPY = "max_entropy"
    #: Uniform on a..I with a chosen so the mean is the target: a guaranteed safe period
    #: of a - 1 days after every visit, kept for comparison.
    UNIFORM = "uniform"
    #: Every visit exactly I days after the last: the naive, fully predictable cycle.
    FIXED = "fixed"


def _per_tier(low: float, medium: float, high: float, very_high: float) -> dict[RiskTier, float]:
    return {_T.LOW: low, _T.MEDIUM: medium, _T.HIGH: high, _T.VERY_HIGH: very_high}


class TimeSlot(BaseModel):
    """A named part of the day in which visits may start (guidance: vary days and times,
    including evenings and weekends)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(pattern=r"^[a-z_]+$")]
    window: ClockWindow
    days: frozenset[Weekday] = frozenset(Weekday)
    #: Relative share of visits drawn into this slot (e.g. 2 for twice as many evening
    #: visits as a slot of share 1); 0 keeps the slot for re-attempts only.
    share: Annotated[float, Field(ge=0, le=100)] = 1.0
    #: The share on particular weekdays, where it differs from ``share``. The planner
    #: sets it from the unit's staffed hours (``scheduler.timing.slot_mix``), so a weekday
    #: evening that few officers work draws fewer visits than one many work.
    day_share: dict[Weekday, Annotated[float, Field(ge=0, le=100)]] = Field(default_factory=dict)

    def share_on(self, day: Weekday) -> float:
        """The slot's share of visits drawn on ``day``."""
        return self.day_share.get(day, self.share)


def _default_slots() -> tuple[TimeSlot, ...]:
    return (
        TimeSlot(
            name="morning", window=ClockWindow.model_validate({"start": "08:00", "end": "12:00"})
        ),
        TimeSlot(
            name="afternoon", window=ClockWindow.model_validate({"start": "12:00", "end": "17:00"})
        ),
        TimeSlot(
            name="evening", window=ClockWindow.model_validate({"start": "17:00", "end": "21:00"})
        ),
    )


class SolverSettings(BaseModel):
    """How hard the optimiser tries. Every solve takes an explicit time limit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Search time per due visit of a team: a safety net, not a budget. A borough or
    #: national team's search stops well before it, at its local optimum, so a plan does
    #: not depend on the machine's load and its seed replays it (at 0.01 s, the old
    #: default, the clock cut searches and met plans differed from run to run).
    time_per_visit_s: Annotated[float, Field(gt=0, le=60)] = 0.1
    #: Floor per team (the repair passes get a quarter of a team's limit at least).
    min_team_time_s: Annotated[float, Field(gt=0, le=600)] = 2.0
    #: Optional cap on the whole week's search time, shared across teams by size (each
    #: team still gets its floor).
    time_limit_s: Annotated[float, Field(gt=0, le=36_000)] | None = None
    #: Local processes for independent teams (1 = in-process).
    workers: Annotated[int, Field(ge=1, le=256)] = 1
    #: Guided local search for the whole time limit instead of stopping at a local
    #: optimum: ~0.2% less travel measured on met, but a time-limited search is not
    #: replayed exactly from its seed under different machine load.
    guided_local_search: bool = False
    #: Routing engine: ``ortools``, or ``pyvrp`` (PyVRP's iterated local search for
    #: every team whose problem it can state, OR-Tools for the rest). Measured side by
    #: side in benchmarks/engines.py; docs/design/routing-search.md says why the default.
    engine: Literal["ortools", "pyvrp"] = "ortools"


class SpeedBand(BaseModel):
    """The offline model's speed for part of the day (``from`` inclusive, ``to``
    exclusive), e.g. slower in the morning rush hour."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    start: time = Field(alias="from")
    end: time = Field(alias="to")
    speed_kmh: Annotated[float, Field(gt=1, le=120)]

    @model_validator(mode="after")
    def _ordered(self) -> SpeedBand:
        if self.end <= self.start:
            raise ValueError(f"speed band 'to' {self.end} must be after 'from' {self.start}")
        return self


class TravelSettings(BaseModel):
    """Where travel times come from (the ``[travel]`` table of a policy file).

    ``offline`` (the default) never touches the network: great-circle distance x
    ``Policy.circuity`` at ``Policy.speed_kmh`` (or the ``speeds`` band of the time of
    day). ``osrm`` and ``valhalla`` ask a routing server the unit runs itself at ``url``;
    the coordinates of offenders' homes are sent to it, so it must be the unit's own.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: Literal["offline", "osrm", "valhalla"] = "offline"
    #: Base URL of the routing server, e.g. ``http://127.0.0.1:5000``.
    url: str | None = None
    #: Largest table the server answers (OSRM's ``--max-table-size``, default 100):
    #: each request has at most this many sources plus destinations.
    max_table_size: Annotated[int, Field(ge=2, le=100_000)] = 100
    #: Seconds to wait for one answer before giving up.
    timeout_s: Annotated[float, Field(gt=0, le=600)] = 30.0
    #: SQLite file keeping durations between requests (created owner-only, 0600; it
    #: holds rounded home coordinates). None keeps them in memory for one run.
    cache: Path | None = None
    #: Decimal places coordinates are rounded to before they are sent and cached
    #: (5 = about a metre).
    coordinate_decimals: Annotated[int, Field(ge=3, le=7)] = 5
    #: Use the offline model, with a warning, when the server fails. Off by default: a
    #: plan silently built on straight lines is not what the user asked for.
    allow_fallback: bool = False
    #: Offline speeds by time of day; times outside every band use ``Policy.speed_kmh``.
    speeds: tuple[SpeedBand, ...] = ()

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"url must be http://HOST[:PORT] or https://..., not {value!r}")
        if parts.query or parts.fragment:
            raise ValueError("url must not have a query or fragment")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TravelSettings:
        if self.provider != "offline" and self.url is None:
            raise ValueError(f"provider {self.provider!r} needs a url (the server to ask)")
        bands = sorted(self.speeds, key=lambda b: b.start)
        for a, b in zip(bands, bands[1:], strict=False):
            if b.start < a.end:
                raise ValueError(
                    f"speed bands {a.start:%H:%M}-{a.end:%H:%M} and "
                    f"{b.start:%H:%M}-{b.end:%H:%M} overlap"
                )
        return self


class HouseholdSettings(BaseModel):
    """Offenders at one address (``household`` in the register): the ``[households]``
    table of a policy file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Members due in the same week are one stop: one officer (or pair), one arrival.
    #: Off, each member is planned on their own, as if no household were flagged.
    visit_together: bool = True
    #: The stop's length: the members' visit times added up (``sum``: each is seen on
    #: their own), or the longest of them (``longest``: seen together).
    service: Literal["sum", "longest"] = "sum"
    #: When one member is due, visit every member the planner could visit this week
    #: (those not due are brought forward); off, only the members due are visited.
    visit_all_members: bool = False


class Policy(BaseModel):
    """Visit policy for a unit. Defaults follow the domain brief (pre-2017 national
    minimum intervals, morning/afternoon/evening slots); every value can be overridden
    from a TOML file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    interval_days: dict[RiskTier, Annotated[int, Field(ge=1, le=3650)]] = Field(
        default_factory=lambda: {_T.LOW: 365, _T.MEDIUM: 182, _T.HIGH: 91, _T.VERY_HIGH: 28}
    )
    #: Days past the interval before a visit counts as non-compliant.
    grace_days: Annotated[int, Field(ge=0, le=90)] = 0
    visit_minutes: dict[RiskTier, Annotated[int, Field(ge=1, le=480)]] = Field(
        default_factory=lambda: {_T.LOW: 45, _T.MEDIUM: 60, _T.HIGH: 75, _T.VERY_HIGH: 90}
    )
    #: Relative cost of leaving a due visit out, per tier: each tier outranks the one
    #: below by far more than any deadline or MAPPA bonus, so higher tiers are always
    #: served first.
    urgency_weight: dict[RiskTier, Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: _per_tier(1.0, 10.0, 100.0, 1000.0)
    )
    slots: tuple[TimeSlot, ...] = Field(default_factory=_default_slots)
    weekends: bool = True
    #: Randomness budget: target mean gap between successful visits as a share of the
    #: tier's interval. Below 1 a visit can come any day after the last one (no safe
    #: period) at the cost of I/mu times the fixed-cycle visits (0.75 = +33%); 1.0 is the
    #: fixed cycle, the most predictable schedule. See ``scheduler.timing.gaps``.
    gap_mean_share: dict[RiskTier, Annotated[float, Field(gt=0.0, le=1.0)]] = Field(
        default_factory=lambda: _per_tier(0.75, 0.75, 0.75, 0.75)
    )
    #: Expected share of planned visits that end without a successful visit (nobody
    #: home, refused entry, cancelled). Visit dates are drawn with each day's chance
    #: raised by 1 / (1 - share), so *successful* visits keep the gap distribution
    #: above despite failures (``scheduler.timing.gaps.attempt_gap_pmf``); 0 draws as if every
    #: visit succeeds. Set it from the unit's own records (about 0.2 is common).
    failed_visit_share: Annotated[float, Field(ge=0.0, le=0.6)] = 0.2
    #: Shape of the secret gap distribution (maximum entropy unless there is a reason).
    gap_shape: GapShape = GapShape.MAX_ENTROPY
    #: Secret random (day, time-of-day) options drawn per visit, among which the
    #: optimiser picks to save travel: 1 gives it no choice (most random, most travel).
    #: Picking among n independent draws at most multiplies the chance of any one option
    #: by n, so the loss of randomness is bounded (and the audit measures it).
    visit_options: Annotated[int, Field(ge=1, le=21)] = 2
    #: A visit's options other than its drawn date (for a re-attempt or an overdue visit
    #: all but one, kept at random) go on days the same manager has other visits'
    #: options, each day weighted by (its gap probability) x (that count) to this
    #: power: 0 draws them independently of other offenders. With a few visits per
    #: officer a week, independent days rarely meet, so every visit is a trip of its
    #: own; pulled together, the optimiser can chain them (travel premium, 52 weeks:
    #: borough 13% -> 9.3% mean of 32 runs, met 13% -> 8.8-9.4%). An offender's own history
    #: says nothing about other offenders' draws, so their attacker gains nothing;
    #: offenders of one manager comparing notes would learn more.
    option_day_pull: Annotated[float, Field(ge=0.0, le=8.0)] = 4.0
    #: A visit drawn this week whose next secret gap ends inside the same week gets a
    #: short-notice revisit, so a visit never buys a safe rest-of-week; revisits are
    #: capped at this share of the week's visits, highest tiers first (0 turns them off).
    revisit_share_cap: Annotated[float, Field(ge=0.0, le=0.5)] = 0.05
    #: Weight kept by an offender's most frequent weekday and most frequent time slot in
    #: their own visit history when new options are drawn (1 = no correction).
    frequent_slot_weight: Annotated[float, Field(ge=0.0, le=1.0)] = 0.25
    speed_kmh: Annotated[float, Field(gt=1, le=120)] = 25.0
    circuity: Annotated[float, Field(ge=1.0, le=3.0)] = 1.35
    allow_cover: bool = True
    #: Cost charged when a visit goes to someone other than the offender's manager, in
    #: travel-seconds (two days of lateness of a low-risk visit): continuity matters,
    #: so cover is used only when it is needed or clearly better.
    cover_penalty_s: Annotated[int, Field(ge=0)] = 172_800
    #: Width of the arrival window given to officers.
    arrival_window_minutes: Annotated[int, Field(ge=0, le=240)] = 60
    #: A failed attempt to gain entry (no answer, refused) puts the offender into the
    #: next weekly plan, at another weekday and time of day, due within this many days of
    #: the attempt. 13 covers every day of the next week whatever the attempt's weekday:
    #: a shorter deadline would pull re-attempts to the first days of the week, a pattern
    #: an offender could learn (7 would make a Monday failure late by construction, since
    #: the next Monday is the one weekday excluded).
    reattempt_within_days: Annotated[int, Field(ge=1, le=90)] = 13
    #: Urgency multiplier of a re-attempt. At most 3, so with the deadline (x2) and MAPPA
    #: (x1.5) bonuses a re-attempt still never outranks a visit of a higher tier
    #: (default weights step x10 per tier).
    reattempt_urgency_factor: Annotated[float, Field(ge=1.0, le=3.0)] = 2.0
    #: Failed attempts to gain entry in a row after which a section 96B warrant may be
    #: sought (the Act says at least two).
    warrant_after_failed_entries: Annotated[int, Field(ge=2, le=10)] = 2
    #: Days after a visit finds the offender in custody / in hospital / abroad before
    #: their whereabouts must be re-checked (unless the outcome gives a re-check date).
    recheck_days: dict[OffenderStatus, Annotated[int, Field(ge=1, le=3650)]] = Field(
        default_factory=lambda: {
            OffenderStatus.IN_CUSTODY: 28,
            OffenderStatus.IN_HOSPITAL: 14,
            OffenderStatus.ABROAD: 14,
        }
    )
    #: ``rota status`` lists visits falling due within this many days as due soon.
    due_soon_days: Annotated[int, Field(ge=0, le=365)] = 14
    solver: SolverSettings = SolverSettings()
    #: Where travel times come from; the offline model with the figures above by default.
    travel: TravelSettings = TravelSettings()
    #: Offenders at one address: visited together, and how.
    households: HouseholdSettings = HouseholdSettings()

    @model_serializer(mode="wrap")
    def _omit_default_travel(self, handler: SerializerFunctionWrapHandler) -> Any:
        # A policy without a [travel] (or [households]) table dumps exactly as before
        # the section existed, so its audit record and inputs hash (and so every default
        # plan) are unchanged.
        data = handler(self)
        if isinstance(data, dict) and self.travel == TravelSettings():
            data.pop("travel", None)
        if isinstance(data, dict) and self.households == HouseholdSettings():
            data.pop("households", None)
        return data

    @model_validator(mode="after")
    def _complete(self) -> Policy:
        for name in ("interval_days", "visit_minutes", "urgency_weight", "gap_mean_share"):
            missing = set(RiskTier) - set(getattr(self, name))
            if missing:
                raise ValueError(f"{name} lacks tiers: {', '.join(sorted(missing))}")
        w = self.urgency_weight
        order = sorted(RiskTier, key=lambda t: t.rank)
        if any(w[a] >= w[b] for a, b in zip(order, order[1:], strict=False)):
            raise ValueError("urgency_weight must increase with risk tier")
        if not self.slots:
            raise ValueError("at least one time slot is needed")
        if set(self.recheck_days) != set(RECHECK_STATUSES):
            names = ", ".join(s.value for s in RECHECK_STATUSES)
            raise ValueError(f"recheck_days needs exactly these keys: {names}")
        return self

    def interval_for(self, tier: RiskTier, override: int | None) -> int:
        """The offender's maximum interval: their own override, else their tier's."""
        return override if override is not None else self.interval_days[tier]

    def slot_days(self, slot: TimeSlot) -> frozenset[Weekday]:
        """Weekdays a slot is usable on, after the weekend switch."""
        if self.weekends:
            return slot.days
        return frozenset(d for d in slot.days if d < Weekday.SAT)

    @classmethod
    def from_toml(cls, path: Path) -> Policy:
        """Load a policy; unknown keys are errors so a typo never silently keeps a default."""
        with open(path, "rb") as fh:
            return cls.model_validate(tomllib.load(fh))
