"""Registers benchmark: the postcode index at national size, and reading a unit's export.

Run::

    python -m benchmarks.registers [--postcodes 1000000] [--lookups 70000] [--seed 20261130]
        [--skip-register]

* **Index build.** ``--postcodes`` synthetic postcodes in the UK format (outward code:
  one of :data:`AREAS` and a district number; inward code: a sector digit and two unit
  letters from Royal Mail's 20), unique, in random order, with random centroids inside
  the UK bounding box and 2% terminated, written as an ONSPD-layout CSV (``pcds``,
  ``dointr``, ``doterm``, ``lat``, ``long``) to a temporary folder. Wall time
  (``time.perf_counter``) of :func:`scheduler.io.postcodes.build_index` on that file
  (read, parse, index), and separately of ``PostcodeIndex.from_centroids`` on the
  centroids already in memory; then ``save`` and ``load`` of the ``.npz`` and its size.
* **Look-ups.** ``--lookups`` postcodes drawn from the index (printed with a space,
  some in lower case) looked up at once with ``PostcodeIndex.lookup``: best of 3.
* **Reading a national export.** The bundled national scenario
  (``data.scenarios.generate("national", seed)``) written as a unit's spreadsheet export
  with postcodes (:func:`scheduler.io.spreadsheet.spreadsheet_files`) against a synthetic
  postcode grid at about 1 km spacing over the UK bounding box, kept to the cells that
  hold a home or a base (the whole grid is ~700,000 postcodes, and ``nearest_postcodes``
  compares every home with every centroid). Wall time of
  :func:`scheduler.io.loaders.read_register` on the two files with
  ``Locator(index=...)``, and rows (offenders + officers) a second.

Each figure is printed beside its target. Targets marked [ESTIMATE] are this script's
own bounds for a 2-core machine (a one-off import may take a minute; a plan's start-up
should not); the look-up target is issue 28's. The script takes about two minutes.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from scheduler.io.postcodes import Centroid, PostcodeIndex, build_index, read_centroids

#: Postcode areas used for the synthetic outward codes (real ones; any 1-2 letters pass).
_AREA_CODES = (
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN "
    "DT DY E EC EH EN EX FK FY G GL GU HA HD HG HP HR HS HU HX IG IP IV KA KT KW KY L LA LD "
    "LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE "
    "SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS "
    "WV YO ZE"
)
AREAS = tuple(_AREA_CODES.split())
#: Inward-code unit letters: Royal Mail never uses C, I, K, M, O or V there.
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
UK_LAT = (49.9, 60.9)
UK_LON = (-8.2, 1.8)
GRID_KM = 1.0

TARGET_BUILD_S = 60.0  # [ESTIMATE] one-off `rota postcodes import` of the whole ONSPD
TARGET_FROM_CENTROIDS_S = 10.0  # [ESTIMATE]
TARGET_SAVE_S = 2.0  # [ESTIMATE]
TARGET_LOAD_S = 0.5  # [ESTIMATE] paid by every command that reads postcodes
TARGET_SIZE_MB = 50.0  # [ESTIMATE]
TARGET_LOOKUP_S = 1.0  # issue 28: 70,000 look-ups within a second
TARGET_READ_S = 30.0  # [ESTIMATE] a national register with postcodes read and checked


def synthetic_postcodes(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` distinct postcodes as ONSPD prints them (``'AB1 0AA'``), in random order."""
    per_district = 10 * len(UNIT_LETTERS) ** 2  # 4,000 inward codes per outward code
    districts = [f"{a}{d}" for d in range(1, 100) for a in AREAS]
    if n > per_district * len(districts):
        raise SystemExit(f"at most {per_district * len(districts)} synthetic postcodes")
    picked = rng.choice(per_district * len(districts), size=n, replace=False)
    district, inward = np.divmod(picked, per_district)
    sector, unit = np.divmod(inward, len(UNIT_LETTERS) ** 2)
    first, second = np.divmod(unit, len(UNIT_LETTERS))
    letters = np.array(list(UNIT_LETTERS))
    outward = np.array(districts)[district]
    return list(
        np.char.add(
            np.char.add(np.char.add(outward, " "), sector.astype(str)),
            np.char.add(letters[first], letters[second]),
        )
    )


def write_onspd(path: Path, postcodes: Sequence[str], rng: np.random.Generator) -> None:
    n = len(postcodes)
    lat = rng.uniform(*UK_LAT, n)
    lon = rng.uniform(*UK_LON, n)
    terminated = np.where(rng.random(n) < 0.02, rng.integers(2000, 2026, n) * 100 + 6, 0)
    with path.open("w", newline="") as fh:
        fh.write("pcds,dointr,doterm,lat,long\r\n")
        for pc, la, lo, t in zip(postcodes, lat, lon, terminated, strict=True):
            fh.write(f"{pc},198001,{t or ''},{la:.6f},{lo:.6f}\r\n")


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def line(label: str, value: str, target: str, ok: bool) -> None:
    print(f"{label:<44}{value:>16}   target {target:<14}{'meets' if ok else 'MISSES'}")


def bench_index(n: int, lookups: int, seed: int, folder: Path) -> None:
    rng = np.random.default_rng(seed)
    postcodes = synthetic_postcodes(n, rng)
    csv_path = folder / "ONSPD_synthetic.csv"
    write_onspd(csv_path, postcodes, rng)
    size_csv = csv_path.stat().st_size / 1e6
    print(f"ONSPD-layout CSV: {n:,} postcodes, {size_csv:.0f} MB")

    t_build, built = timed(lambda: build_index([csv_path]))
    index = built if isinstance(built, PostcodeIndex) else None
    assert index is not None and len(index) == n
    line(f"build_index, {n:,} postcodes", f"{t_build:.2f} s", f"<= {TARGET_BUILD_S:g} s",
         t_build <= TARGET_BUILD_S)  # fmt: skip
    centroids: list[Centroid] = list(read_centroids(csv_path))
    t_from, _ = timed(lambda: PostcodeIndex.from_centroids(centroids))
    centroids.clear()
    line("  of which PostcodeIndex.from_centroids", f"{t_from:.2f} s",
         f"<= {TARGET_FROM_CENTROIDS_S:g} s", t_from <= TARGET_FROM_CENTROIDS_S)  # fmt: skip

    npz = folder / "postcodes.npz"
    t_save, _ = timed(lambda: index.save(npz))
    t_load, loaded = timed(lambda: PostcodeIndex.load(npz))
    assert isinstance(loaded, PostcodeIndex) and len(loaded) == n
    size_mb = npz.stat().st_size / 1e6
    line("save (.npz)", f"{t_save:.2f} s", f"<= {TARGET_SAVE_S:g} s", t_save <= TARGET_SAVE_S)
    line("load (.npz)", f"{t_load:.3f} s", f"<= {TARGET_LOAD_S:g} s", t_load <= TARGET_LOAD_S)
    line("index file size", f"{size_mb:.1f} MB", f"<= {TARGET_SIZE_MB:g} MB",
         size_mb <= TARGET_SIZE_MB)  # fmt: skip

    asked = list(rng.choice(np.array(postcodes), lookups))
    asked = [p.lower() if i % 10 == 0 else p for i, p in enumerate(asked)]
    best = float("inf")
    for _ in range(3):
        t, result = timed(lambda: loaded.lookup(asked))
        best = min(best, t)
    assert len(result.found) == lookups  # type: ignore[attr-defined]
    line(f"lookup of {lookups:,} (best of 3)", f"{best:.3f} s", f"<= {TARGET_LOOKUP_S:g} s",
         best <= TARGET_LOOKUP_S)  # fmt: skip


def grid_index(lat: np.ndarray, lon: np.ndarray, rng: np.random.Generator) -> PostcodeIndex:
    """A postcode at the centre of every ~1 km cell of the UK grid that holds a point."""
    step_lat = GRID_KM / 111.2
    step_lon = GRID_KM / (111.2 * np.cos(np.radians(np.mean(UK_LAT))))
    row = np.floor((lat - UK_LAT[0]) / step_lat).astype(np.int64)
    col = np.floor((lon - UK_LON[0]) / step_lon).astype(np.int64)
    cells = np.unique(np.stack([row, col], axis=1), axis=0)
    keys = [p.replace(" ", "") for p in synthetic_postcodes(len(cells), rng)]
    return PostcodeIndex(
        np.array(keys, dtype="S7"),
        UK_LAT[0] + (cells[:, 0] + 0.5) * step_lat,
        UK_LON[0] + (cells[:, 1] + 0.5) * step_lon,
        np.zeros(len(cells), dtype=np.int32),
        {"sources": ["synthetic 1 km grid"]},
    )


def bench_register(seed: int, folder: Path) -> None:
    from data.scenarios import generate
    from scheduler.io.loaders import read_register
    from scheduler.io.locate import Locator
    from scheduler.io.spreadsheet import spreadsheet_files

    scenario = generate("national", seed)
    reg = scenario.register
    lat = np.array([o.home.lat for o in reg.offenders] + [o.base.lat for o in reg.officers])
    lon = np.array([o.home.lon for o in reg.offenders] + [o.base.lon for o in reg.officers])
    index = grid_index(lat, lon, np.random.default_rng(seed + 1))
    t_write, files = timed(lambda: spreadsheet_files(reg, index))
    assert isinstance(files, dict)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    print(
        f"national export: {len(reg.offenders):,} offenders, {len(reg.officers):,} officers, "
        f"{len(index):,} grid postcodes (written in {t_write:.1f} s, not timed below)"
    )
    rows = len(reg.offenders) + len(reg.officers)
    t_read, result = timed(
        lambda: read_register(
            folder / "offenders.csv",
            folder / "officers.csv",
            scenario.week_start,
            Locator(index=index),
        )
    )
    problems = result.problems  # type: ignore[attr-defined]
    assert not problems, problems[:3]
    assert len(result.register.offenders) == len(reg.offenders)  # type: ignore[attr-defined]
    line(f"read_register, {rows:,} rows with postcodes", f"{t_read:.2f} s",
         f"<= {TARGET_READ_S:g} s", t_read <= TARGET_READ_S)  # fmt: skip
    line("  rows a second", f"{rows / t_read:,.0f}", f">= {rows / TARGET_READ_S:,.0f}",
         rows / t_read >= rows / TARGET_READ_S)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.registers", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("--postcodes", type=int, default=1_000_000)
    ap.add_argument("--lookups", type=int, default=70_000)
    ap.add_argument("--seed", type=int, default=20261130)
    ap.add_argument("--skip-register", action="store_true", help="Only the postcode index.")
    args = ap.parse_args(argv)
    print(f"cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="rota-bench-") as tmp:
        bench_index(args.postcodes, args.lookups, args.seed, Path(tmp))
        if not args.skip_register:
            (Path(tmp) / "export").mkdir()
            bench_register(args.seed, Path(tmp) / "export")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
