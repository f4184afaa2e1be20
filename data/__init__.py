"""Bundled reference tables and the seeded synthetic scenario generator.

``london_boroughs.csv`` and ``mappa_areas.csv`` are copied from the project's scenario
facts (sections 3 and 4); each figure there is marked sourced or estimated. Nothing in
this package reads the clock or holds global random state: a scenario is a pure
function of its name, seed, week and scale.
"""

from data.reference import Borough, MappaArea, load_boroughs, load_mappa_areas, slugify
from data.scenarios import (
    DEFAULT_SCENARIO,
    DEFAULT_SEED,
    DEFAULT_WEEK_START,
    SCENARIOS,
    Scenario,
    generate,
    scenario_summary,
)

__all__ = [
    "DEFAULT_SCENARIO",
    "DEFAULT_SEED",
    "DEFAULT_WEEK_START",
    "SCENARIOS",
    "Borough",
    "MappaArea",
    "Scenario",
    "generate",
    "load_boroughs",
    "load_mappa_areas",
    "scenario_summary",
    "slugify",
]
