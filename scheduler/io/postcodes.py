"""UK postcodes located offline, from a postcode centroid file the user supplies once.

A unit's register export has postcodes, not coordinates. ``rota postcodes import FILE``
reads the public ONS Postcode Directory (ONSPD) or Ordnance Survey Code-Point Open CSVs
into a compact local index (sorted fixed-width keys and float32 centroids in one ``.npz``,
owner-only), so a plan looks up tens of thousands of postcodes with one vectorised
binary search and no network. Nothing is guessed: a postcode that is malformed, not in
the index, terminated or without a grid reference is reported as such.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np

from scheduler.core.exceptions import InputFileError, InputProblem, RotaError

#: Outward code (area, district, optional sub-district letter) and inward code (sector
#: digit and two unit letters), as Royal Mail defines them; GIR 0AA is the one exception.
_POSTCODE = re.compile(r"^(?:([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})|(GIR)(0AA))$")
_KEY_WIDTH = 7  # longest postcode without its space
INDEX_VERSION = 1


class PostcodeError(RotaError):
    """A postcode index that cannot be read or built."""


class Layout(StrEnum):
    """Centroid file layouts the importer reads."""

    ONSPD = "onspd"
    CODEPOINT = "codepoint"


class Found(StrEnum):
    """What a look-up found for one postcode."""

    OK = "ok"
    MALFORMED = "malformed"
    UNKNOWN = "unknown"
    TERMINATED = "terminated"
    NO_LOCATION = "no_location"


def postcode_key(text: str) -> str | None:
    """The postcode without spaces, upper case (``'sw1a1aa'`` -> ``'SW1A1AA'``), or None
    when it is not in the UK format."""
    compact = re.sub(r"\s+", "", text).upper()
    return compact if _POSTCODE.match(compact) else None


def normalise_postcode(text: str) -> str | None:
    """The postcode as Royal Mail prints it (``' sw1a1aa'`` -> ``'SW1A 1AA'``), or None
    when it is not in the UK format."""
    key = postcode_key(text)
    return None if key is None else f"{key[:-3]} {key[-3:]}"


@dataclass(frozen=True)
class Centroid:
    """One postcode of a centroid file: its key, centroid (NaN when the file gives no grid
    reference) and termination month as YYYYMM (0 while the postcode is live)."""

    key: str
    lat: float
    lon: float
    terminated: int = 0


@dataclass(frozen=True)
class Lookup:
    """Look-up results, one entry per postcode asked for, in order."""

    lat: np.ndarray
    lon: np.ndarray
    found: tuple[Found, ...]
    terminated: np.ndarray  # YYYYMM, 0 when live or not found


def problem_text(found: Found, postcode: str, terminated: int = 0) -> str:
    """Plain words for a postcode that cannot be located, saying what to change."""
    if found is Found.MALFORMED:
        return (
            f"{postcode!r} is not a UK postcode (expected e.g. 'CR0 2RY': outward code, "
            "space, digit and two letters)"
        )
    if found is Found.UNKNOWN:
        return (
            f"{postcode} is not in the postcode index; check it, or give lat and lon "
            "(an index from an older directory may lack new postcodes)"
        )
    if found is Found.TERMINATED:
        month = f"{terminated // 100}-{terminated % 100:02d}"
        return f"{postcode} was terminated in {month}; confirm the current address"
    return f"{postcode} has no grid reference in the postcode directory; give lat and lon"


class PostcodeIndex:
    """Sorted postcode keys with their centroids, searched with :func:`numpy.searchsorted`."""

    def __init__(
        self,
        keys: np.ndarray,
        lat: np.ndarray,
        lon: np.ndarray,
        terminated: np.ndarray,
        meta: dict[str, object] | None = None,
    ):
        order = np.argsort(keys, kind="stable")
        self.keys = np.asarray(keys, dtype=f"S{_KEY_WIDTH}")[order]
        self.lat = np.asarray(lat, dtype=np.float32)[order]
        self.lon = np.asarray(lon, dtype=np.float32)[order]
        self.terminated = np.asarray(terminated, dtype=np.int32)[order]
        self.meta = dict(meta or {})

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def from_centroids(
        cls, centroids: Iterable[Centroid], meta: dict[str, object] | None = None
    ) -> PostcodeIndex:
        """An index of the centroids; a postcode given twice keeps its live entry, else
        its last one (directories list each postcode once; this guards merged files)."""
        by_key: dict[str, Centroid] = {}
        for c in centroids:
            old = by_key.get(c.key)
            if old is None or not (old.terminated == 0 and c.terminated != 0):
                by_key[c.key] = c
        items = sorted(by_key.values(), key=lambda c: c.key)
        return cls(
            np.array([c.key for c in items], dtype=f"S{_KEY_WIDTH}"),
            np.array([c.lat for c in items], dtype=np.float32),
            np.array([c.lon for c in items], dtype=np.float32),
            np.array([c.terminated for c in items], dtype=np.int32),
            meta,
        )

    def lookup(self, postcodes: Sequence[str]) -> Lookup:
        """Locate every postcode at once (malformed ones included, as ``MALFORMED``)."""
        n = len(postcodes)
        keys = [postcode_key(p) for p in postcodes]
        wanted = np.array([k or "" for k in keys], dtype=f"S{_KEY_WIDTH}")
        lat = np.full(n, np.nan)
        lon = np.full(n, np.nan)
        term = np.zeros(n, dtype=np.int32)
        if len(self.keys):
            at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
            hit = self.keys[at] == wanted
        else:
            at = np.zeros(n, dtype=np.int64)
            hit = np.zeros(n, dtype=bool)
        lat[hit] = self.lat[at[hit]]
        lon[hit] = self.lon[at[hit]]
        term[hit] = self.terminated[at[hit]]
        found = []
        for i, key in enumerate(keys):
            if key is None:
                found.append(Found.MALFORMED)
            elif not hit[i]:
                found.append(Found.UNKNOWN)
            elif term[i]:
                found.append(Found.TERMINATED)
            elif not (np.isfinite(lat[i]) and np.isfinite(lon[i])):
                found.append(Found.NO_LOCATION)
            else:
                found.append(Found.OK)
        return Lookup(lat=lat, lon=lon, found=tuple(found), terminated=term)

    def save(self, path: Path) -> None:
        """Write the index atomically, readable only by its owner (0600; new folders 0700)."""
        path = Path(path)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        meta = json.dumps({**self.meta, "version": INDEX_VERSION, "postcodes": len(self)})
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".postcodes-", suffix=".npz")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as fh:
                np.savez(
                    fh,
                    keys=self.keys,
                    lat=self.lat,
                    lon=self.lon,
                    terminated=self.terminated,
                    meta=np.array(meta),
                )
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> PostcodeIndex:
        """Read an index that :meth:`save` wrote; a missing or foreign file is a clear error."""
        path = Path(path)
        if not path.is_file():
            raise PostcodeError(
                f"{path}: no postcode index here; build one with "
                "'rota postcodes import ONSPD.csv' (or give lat and lon)"
            )
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                keys, lat, lon, term = z["keys"], z["lat"], z["lon"], z["terminated"]
        except (OSError, ValueError, KeyError) as exc:
            raise PostcodeError(f"{path}: not a postcode index ({exc})") from None
        if meta.get("version") != INDEX_VERSION:
            raise PostcodeError(
                f"{path}: postcode index version {meta.get('version')}, expected "
                f"{INDEX_VERSION}; import the directory again"
            )
        index = cls.__new__(cls)
        index.keys, index.lat, index.lon, index.terminated = keys, lat, lon, term
        index.meta = meta
        return index


def default_index_path() -> Path:
    """Where the index lives unless a command is told otherwise: ``$ROTA_POSTCODES``, else
    the user's data folder (``$XDG_DATA_HOME/rota/postcodes.npz``)."""
    if os.environ.get("ROTA_POSTCODES"):
        return Path(os.environ["ROTA_POSTCODES"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "rota" / "postcodes.npz"


# ---------------------------------------------------------------- reading directories


def _csv_rows(path: Path) -> Iterator[list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # ONSPD and Code-Point Open are ASCII; be lenient
    yield from csv.reader(io.StringIO(text, newline=""))


def detect_layout(first_row: Sequence[str]) -> Layout | None:
    """ONSPD files start with a header naming ``pcds`` (or ``pcd``), ``lat`` and ``long``;
    Code-Point Open files have no header: a postcode, a quality code, eastings, northings."""
    names = {c.strip().lower() for c in first_row}
    if {"lat", "long"} <= names and names & {"pcds", "pcd", "pcd2", "pcd7", "pcd8"}:
        return Layout.ONSPD
    if (
        len(first_row) >= 4
        and postcode_key(first_row[0]) is not None
        and all(c.strip().lstrip("-").isdigit() for c in first_row[1:4])
    ):
        return Layout.CODEPOINT
    return None


def _onspd(rows: Iterator[list[str]], header: list[str], path: Path) -> Iterator[Centroid]:
    names = [c.strip().lower() for c in header]
    pc = next(names.index(n) for n in ("pcds", "pcd", "pcd2", "pcd7", "pcd8") if n in names)
    lat_i, lon_i = names.index("lat"), names.index("long")
    term_i = next((names.index(n) for n in ("doterm",) if n in names), None)
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        try:
            key = postcode_key(row[pc])
            lat, lon = float(row[lat_i]), float(row[lon_i])
            term = row[term_i].strip() if term_i is not None else ""
        except (IndexError, ValueError):
            raise PostcodeError(f"{path}, row {line}: not an ONSPD row") from None
        if key is None:
            continue  # ONSPD lists a few non-geographic codes; they locate no one
        # ONSPD gives 99.999999 / 0.000000 where a postcode has no grid reference
        if lat > 90:
            lat = lon = float("nan")
        yield Centroid(key, lat, lon, int(term) if term.isdigit() else 0)


def _codepoint(rows: Iterable[list[str]], path: Path) -> Iterator[Centroid]:
    from pyproj import Transformer  # OSGB36 national grid -> WGS84, PROJ's own transform

    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    keys: list[str] = []
    east: list[float] = []
    north: list[float] = []
    for line, row in enumerate(rows, start=1):
        if not row:
            continue
        try:
            key, quality = postcode_key(row[0]), int(row[1])
            e, n = float(row[2]), float(row[3])
        except (IndexError, ValueError):
            raise PostcodeError(f"{path}, row {line}: not a Code-Point Open row") from None
        if key is None:
            continue
        keys.append(key)
        # quality 90: no coordinates (Code-Point Open gives 0, 0)
        east.append(float("nan") if quality == 90 else e)
        north.append(float("nan") if quality == 90 else n)
    lon, lat = to_wgs84.transform(np.array(east), np.array(north))
    # PROJ maps a missing (NaN) grid reference to infinity; keep it "no location"
    lat = np.where(np.isfinite(lat), lat, np.nan)
    lon = np.where(np.isfinite(lon), lon, np.nan)
    for key, la, lo in zip(keys, np.atleast_1d(lat), np.atleast_1d(lon), strict=True):
        yield Centroid(key, float(la), float(lo))


def read_centroids(path: Path, layout: Layout | None = None) -> Iterator[Centroid]:
    """Every postcode of one centroid CSV, its layout detected from the first row unless
    named. Raises :class:`PostcodeError` naming the file for anything it cannot read."""
    path = Path(path)
    if not path.is_file():
        raise PostcodeError(f"{path}: file not found")
    rows = _csv_rows(path)
    first = next(rows, None)
    if first is None:
        raise PostcodeError(f"{path}: the file is empty")
    layout = layout or detect_layout(first)
    if layout is Layout.ONSPD:
        if detect_layout(first) is not Layout.ONSPD:
            raise PostcodeError(f"{path}: no ONSPD header (pcds, lat, long) on row 1")
        yield from _onspd(rows, first, path)
    elif layout is Layout.CODEPOINT:
        yield from _codepoint(_prepend(first, rows), path)
    else:
        raise PostcodeError(
            f"{path}: not an ONSPD or Code-Point Open CSV (ONSPD: a header with pcds, lat "
            "and long; Code-Point Open: postcode, quality, eastings, northings); name the "
            "layout with --layout if it is one of them"
        )


def _prepend(first: list[str], rows: Iterator[list[str]]) -> Iterator[list[str]]:
    yield first
    yield from rows


def centroid_files(paths: Sequence[Path]) -> list[Path]:
    """The CSVs to import: each file given, and every ``*.csv`` in a folder given (a
    Code-Point Open download is one file per postcode area)."""
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(sorted(p.glob("*.csv")) if p.is_dir() else [p])
    if not files:
        raise PostcodeError("no centroid CSV files given (or the folder holds none)")
    return files


def build_index(paths: Sequence[Path], layout: Layout | None = None) -> PostcodeIndex:
    """One index over every centroid file given."""
    files = centroid_files(paths)
    centroids = [c for f in files for c in read_centroids(f, layout)]
    if not centroids:
        raise PostcodeError(f"{', '.join(map(str, files))}: no postcodes found")
    return PostcodeIndex.from_centroids(centroids, {"sources": [f.name for f in files]})


def locate_rows(
    index: PostcodeIndex, postcodes: Sequence[tuple[str, int, str, str | None]]
) -> tuple[dict[int, tuple[float, float]], list[InputProblem]]:
    """Locate ``(file, row, postcode, record_id)`` entries: the centroid of each row found,
    and one problem per row that is not, naming the file, row and ``field``."""
    result = index.lookup([p for _, _, p, _ in postcodes])
    located: dict[int, tuple[float, float]] = {}
    problems: list[InputProblem] = []
    for i, (file, row, text, rid) in enumerate(postcodes):
        found = result.found[i]
        if found is Found.OK:
            located[row] = (float(result.lat[i]), float(result.lon[i]))
        else:
            shown = normalise_postcode(text) or text
            msg = problem_text(found, shown, int(result.terminated[i]))
            problems.append(InputProblem(file, row, "postcode", msg, rid))
    return located, problems


def require_index(path: Path | None) -> PostcodeIndex:
    """The index at ``path`` (or the default place), or an error saying how to build it."""
    return PostcodeIndex.load(path or default_index_path())


def index_problem(file: str, field: str, exc: PostcodeError) -> InputFileError:
    """A register that gives postcodes but no index could be read: one clear problem."""
    return InputFileError([InputProblem(file, None, field, str(exc))])


def nearest_postcodes(index: PostcodeIndex, lat: np.ndarray, lon: np.ndarray) -> list[str]:
    """The live postcode whose centroid is nearest each point (equirectangular distance,
    fine at postcode scale): how a synthetic register is given postcodes for the demo."""
    usable = (index.terminated == 0) & np.isfinite(index.lat) & np.isfinite(index.lon)
    if not usable.any():
        raise PostcodeError("the postcode index has no live postcode with a centroid")
    keys = index.keys[usable]
    c_lat = index.lat[usable].astype(float)
    c_lon = index.lon[usable].astype(float)
    scale = np.cos(np.radians(np.mean(c_lat)))
    out: list[str] = []
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    for start in range(0, len(lat), 2048):  # bounded memory on national registers
        dl = lat[start : start + 2048, None] - c_lat[None, :]
        dn = (lon[start : start + 2048, None] - c_lon[None, :]) * scale
        nearest = np.argmin(dl * dl + dn * dn, axis=1)
        out += [normalise_postcode(k.decode()) or k.decode() for k in keys[nearest]]
    return out
