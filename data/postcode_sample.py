"""The bundled postcode sample: synthetic postcodes in the ONS Postcode Directory (ONSPD)
CSV layout, covering the ``borough`` scenario's area (Croydon), for tests and the demo.

The postcodes and their centroids are made up (seeded, reproducible): they show the
layout and let a register with postcodes be planned offline without the real 2.7 million
row directory. Run ``python -m data.postcode_sample`` to write ``postcodes_sample.csv``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

SAMPLE = Path(__file__).with_name("postcodes_sample.csv")
#: ONSPD columns the importer reads, among a few others a real file has.
HEADER = ("pcd", "pcd2", "pcds", "dointr", "doterm", "oslaua", "osgrdind", "lat", "long")
#: Outward codes of the area, each with a rough centre (lat, lon).
DISTRICTS = {
    "CR0": (51.375, -0.085),
    "CR2": (51.350, -0.080),
    "CR4": (51.400, -0.160),
    "CR5": (51.320, -0.140),
    "CR7": (51.395, -0.110),
    "CR8": (51.330, -0.110),
    "SE25": (51.397, -0.070),
    "SE19": (51.415, -0.085),
    "SW16": (51.410, -0.125),
    "BR3": (51.400, -0.040),
}
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # Royal Mail's inward-code letters (no CIKMOV)
GRID = 24  # GRID x GRID centroids over the area


def sample_rows(seed: int = 20261207) -> list[dict[str, str]]:
    """The sample's rows: a grid of centroids over the scenario area, each given the
    postcode of its nearest district; three are terminated and one has no grid reference,
    as in the real directory."""
    rng = np.random.default_rng(seed)
    lats = np.linspace(51.30, 51.42, GRID)
    lons = np.linspace(-0.18, -0.02, GRID)
    names = list(DISTRICTS)
    centres = np.array([DISTRICTS[n] for n in names])
    rows: list[dict[str, str]] = []
    used: set[str] = set()
    for lat in lats:
        for lon in lons:
            jitter = rng.uniform(-0.002, 0.002, size=2)
            la, lo = lat + jitter[0], lon + jitter[1]
            district = names[int(np.argmin(((centres - (la, lo)) ** 2).sum(axis=1)))]
            while True:
                inward = f"{rng.integers(1, 10)}{''.join(rng.choice(list(_UNIT_LETTERS), 2))}"
                if district + inward not in used:
                    used.add(district + inward)
                    break
            rows.append(_row(district, inward, f"{la:.6f}", f"{lo:.6f}", ""))
    for i in (5, 50, 300):
        rows[i]["doterm"] = "201906"
    rows[77].update(lat="99.999999", long="0.000000", osgrdind="9")
    return rows


def _row(district: str, inward: str, lat: str, lon: str, doterm: str) -> dict[str, str]:
    return {
        "pcd": f"{district:<4}{inward}",
        "pcd2": f"{district:<5}{inward}"[:8],
        "pcds": f"{district} {inward}",
        "dointr": "198001",
        "doterm": doterm,
        "oslaua": "E09000008",
        "osgrdind": "1",
        "lat": lat,
        "long": lon,
    }


def sample_text(seed: int = 20261207) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(sample_rows(seed))
    return buf.getvalue()


if __name__ == "__main__":
    SAMPLE.write_text(sample_text())
    print(f"wrote {SAMPLE}")
