"""Named, versioned benchmark scenarios for the staffing planner.

A benchmark scenario is a name and a version, ``"borough@1"``: the version pins the
generator scenario, its seed, its week and every change made to it (register growth,
officer cuts), so ``name@version`` always gives the same register and results stay
comparable over time. A change to a definition gets a new version; old versions stay.
A name without a version means its latest version. :func:`fingerprint` hashes the
register a name gives, so a run can record exactly what it ran on (and show if the
generator underneath ever changed it).

Scenarios
---------
``borough``, ``met``, ``national``
    The bundled generator scenarios (:mod:`data.scenarios`) with the default seed.
``<base>-growth10``, ``<base>-growth25``
    The register grown by 10% / 25% with the officers unchanged: the added offenders
    are modelled on randomly chosen existing ones (tier, flags, status, last visit,
    availability and manager), their homes ~300 m from the model's (the simulator's
    own rule for new registrations), drawn from a seeded generator.
``<base>-cuts20``
    The register with 20% fewer officers (:func:`scheduler.staffing.restaff.restaff`:
    proportionally over the teams, caseloads re-allocated). Version 1 cuts each team's
    officers from the end of its list; version 2 keeps each team's mix of late, Saturday
    and female officers (``restaff``'s balanced order; sweeps now take the reach order,
    but a named scenario keeps the cut it was published with).
``borough-small``
    ``borough`` at a tenth of its size (30 offenders, 1 officer): quick demos and tests.
``met-bcu``
    ``met`` with each borough team in its BCU's cover group (:func:`bcu_cover_groups`):
    the boroughs of a BCU are planned as one unit, so cover and the second officer of a
    joint visit can come from a neighbouring borough.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from data.reference import load_boroughs
from data.scenarios import DEFAULT_SEED, DEFAULT_WEEK_START, Scenario, generate
from models import Location, Register
from models.common import UK_LAT, UK_LON

#: How far (degrees, ~300 m) an added offender's home lies from the one it is modelled
#: on (as ``scheduler.staffing.simulate`` places new registrations).
JITTER_DEG = 0.003


@dataclass(frozen=True)
class BenchmarkScenario:
    """The recipe of one named version."""

    name: str
    version: int
    base: str
    seed: int = DEFAULT_SEED
    week_start: date = DEFAULT_WEEK_START
    scale: float = 1.0
    #: Extra offenders as a share of the register, modelled on existing ones.
    growth: float = 0.0
    #: Share of the officers kept (0.8: a 20% cut), via ``restaff``.
    officer_share: float = 1.0
    #: Which officers ``restaff`` keeps: "balanced" (the team's mix) or "listed" (the
    #: first of each team's list, the rule of ``*-cuts20@1``).
    restaff_order: str = "balanced"
    #: Teams planned together: "" (each team alone) or "bcu" (a Met borough team in its
    #: basic command unit's cover group).
    cover_groups: str = ""
    description: str = ""

    @property
    def key(self) -> str:
        return f"{self.name}@{self.version}"


def _definitions() -> dict[str, BenchmarkScenario]:
    out: list[BenchmarkScenario] = []
    for base in ("borough", "met", "national"):
        out.append(
            BenchmarkScenario(
                base, 1, base, description=f"the bundled '{base}' scenario, default seed"
            )
        )
    for base in ("borough", "met"):
        for pct in (10, 25):
            out.append(
                BenchmarkScenario(
                    f"{base}-growth{pct}",
                    1,
                    base,
                    growth=pct / 100,
                    description=f"'{base}' with {pct}% more offenders, same officers",
                )
            )
        for version, order in ((1, "listed"), (2, "balanced")):
            out.append(
                BenchmarkScenario(
                    f"{base}-cuts20",
                    version,
                    base,
                    officer_share=0.8,
                    restaff_order=order,
                    description=f"'{base}' with 20% fewer officers"
                    + ("" if version == 1 else ", each team's mix of shifts kept"),
                )
            )
    out.append(
        BenchmarkScenario(
            "met-bcu",
            1,
            "met",
            cover_groups="bcu",
            description="'met' with each borough team in its BCU's cover group (12 groups): "
            "cover and joint-visit partners from the BCU's other boroughs",
        )
    )
    out.append(
        BenchmarkScenario(
            "borough-small",
            1,
            "borough",
            scale=0.1,
            description="'borough' at a tenth of its size: demos and tests",
        )
    )
    return {b.key: b for b in out}


#: Every named version, by ``name@version``.
BENCHMARK_SCENARIOS: dict[str, BenchmarkScenario] = _definitions()


def resolve(name: str) -> BenchmarkScenario:
    """The recipe for ``name@version`` or ``name`` (its latest version); ValueError
    naming the valid names otherwise."""
    name = name.strip()
    if "@" in name:
        if name in BENCHMARK_SCENARIOS:
            return BENCHMARK_SCENARIOS[name]
    else:
        versions = [b for b in BENCHMARK_SCENARIOS.values() if b.name == name]
        if versions:
            return max(versions, key=lambda b: b.version)
    valid = ", ".join(sorted(BENCHMARK_SCENARIOS))
    raise ValueError(f"unknown benchmark scenario {name!r}; valid names: {valid}")


@lru_cache(maxsize=8)
def build(name: str) -> Scenario:
    """The scenario ``name`` gives (cached per process: a sweep builds it once)."""
    spec = resolve(name)
    sc = generate(spec.base, spec.seed, week_start=spec.week_start, scale=spec.scale)
    register = sc.register
    if spec.growth > 0:
        register = grow(register, spec.growth, seed=spec.seed)
    if spec.cover_groups == "bcu":
        register = bcu_cover_groups(register)
    if spec.officer_share != 1.0:
        from scheduler.staffing.restaff import largest_remainder_counts, restaff

        keep = max(
            len({o.team for o in register.officers}),
            round(len(register.officers) * spec.officer_share),
        )
        register = restaff(  # as published: the split and the order of the time
            register,
            keep,
            order="listed" if spec.restaff_order == "listed" else "balanced",
            split=largest_remainder_counts,
        )
    description = f"{spec.key}: {spec.description}. {sc.description}"
    return Scenario(
        name=spec.key, week_start=sc.week_start, register=register, description=description
    )


def bcu_cover_groups(register: Register) -> Register:
    """``register`` with each Met borough team in its basic command unit's cover group
    (``data/london_boroughs.csv``); other teams alone."""
    bcu = {b.slug: b.bcu for b in load_boroughs() if b.is_met}
    officers = tuple(
        o.model_copy(update={"cover_group": bcu[o.team]}) if o.team in bcu else o
        for o in register.officers
    )
    return register.model_copy(update={"officers": officers})


def grow(register: Register, share: float, *, seed: int) -> Register:
    """``register`` with ``round(share x offenders)`` more offenders, each a copy of a
    randomly chosen existing offender (same tier, flags, status, last visit,
    availability and manager) with a new id (``GRW-000001``...) and a home ~300 m away.
    Deterministic in ``seed``."""
    if share < 0:
        raise ValueError(f"growth must be 0 or more, got {share}")
    n = round(share * len(register.offenders))
    if n == 0 or not register.offenders:
        return register
    rng = np.random.default_rng([seed, 0x67726F77])  # "grow": its own stream
    models = rng.integers(len(register.offenders), size=n)
    d_lat = rng.normal(0.0, JITTER_DEG, size=n)
    d_lon = rng.normal(0.0, JITTER_DEG * 1.6, size=n)
    taken = {o.id for o in register.offenders}
    added = []
    k = 0
    for j in range(n):
        model = register.offenders[int(models[j])]
        while True:
            k += 1
            oid = f"GRW-{k:06d}"
            if oid not in taken:
                break
        lat = float(np.clip(model.home.lat + d_lat[j], *UK_LAT))
        lon = float(np.clip(model.home.lon + d_lon[j], *UK_LON))
        added.append(
            model.model_copy(
                update={"id": oid, "home": Location(lat=round(lat, 6), lon=round(lon, 6))}
            )
        )
    return Register(offenders=register.offenders + tuple(added), officers=register.officers)


def fingerprint(register: Register) -> str:
    """SHA-256 of the register (offenders and officers as JSON): equal fingerprints,
    equal inputs."""
    return hashlib.sha256(register.model_dump_json().encode()).hexdigest()
