"""The bundled reference tables: London boroughs (facts section 3) and MAPPA areas
(section 4), read once from the package's CSV files."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Borough:
    """One row of ``london_boroughs.csv`` (facts §3)."""

    name: str
    lat: float
    lon: float
    area_km2: float
    population: int
    bcu: str

    @property
    def slug(self) -> str:
        return slugify(self.name)

    @property
    def is_met(self) -> bool:
        """The City of London is policed by the City of London Police, not the Met."""
        return self.name != "City of London"


@dataclass(frozen=True)
class MappaArea:
    """One row of ``mappa_areas.csv`` (facts §4). Centres and populations are rough."""

    name: str
    lat: float
    lon: float
    pop_millions: float
    rso_estimate_2024: int
    rso_sourced: int | None
    rso_sourced_year: int | None
    source_key: str

    @property
    def slug(self) -> str:
        """``"Cleveland (Teesside MAPPA)"`` -> ``"cleveland"``."""
        return slugify(re.sub(r"\(.*?\)", "", self.name))

    @property
    def is_london(self) -> bool:
        return self.name.startswith("London")


def slugify(text: str) -> str:
    """Lower-case, ``-``-separated, letters and digits only (a valid team name)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _read_csv(filename: str) -> list[dict[str, str]]:
    text = resources.files("data").joinpath(filename).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@lru_cache(maxsize=1)
def load_boroughs() -> tuple[Borough, ...]:
    """The 33 London boroughs (incl. City of London), in file order."""
    return tuple(
        Borough(
            name=r["borough"],
            lat=float(r["lat"]),
            lon=float(r["lon"]),
            area_km2=float(r["area_km2"]),
            population=int(r["population_mid2020"]),
            bcu=r["bcu"],
        )
        for r in _read_csv("london_boroughs.csv")
    )


@lru_cache(maxsize=1)
def load_mappa_areas() -> tuple[MappaArea, ...]:
    """The 42 MAPPA areas of England and Wales, in file order."""
    return tuple(
        MappaArea(
            name=r["mappa_area"],
            lat=float(r["approx_lat"]),
            lon=float(r["approx_lon"]),
            pop_millions=float(r["approx_pop_millions"]),
            rso_estimate_2024=int(r["rso_estimate_2024"]),
            rso_sourced=int(r["rso_sourced"]) if r["rso_sourced"] else None,
            rso_sourced_year=int(r["rso_sourced_year"]) if r["rso_sourced_year"] else None,
            source_key=r["source_key"],
        )
        for r in _read_csv("mappa_areas.csv")
    )
