"""The bundled reference tables: London boroughs and MAPPA areas."""

from __future__ import annotations

from data import load_boroughs, load_mappa_areas


def test_reference_tables() -> None:
    boroughs = load_boroughs()
    assert len(boroughs) == 33
    assert sum(b.population for b in boroughs) == 9_002_488
    assert sum(b.is_met for b in boroughs) == 32
    areas = load_mappa_areas()
    assert len(areas) == 42
    assert len({a.slug for a in areas}) == 42
    assert sum(a.is_london for a in areas) == 1
