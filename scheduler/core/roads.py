"""Road travel times from a routing server the unit runs itself (opt-in only).

Two providers speak the :class:`~scheduler.core.travel.TravelModel` protocol:
:class:`OsrmTravel` (OSRM's ``/table/v1`` service) and :class:`ValhallaTravel`
(Valhalla's ``/sources_to_targets``). Both

- split the N x N matrix into blocks whose sources plus destinations fit the server's
  table size limit (:func:`table_blocks`), since a server refuses anything bigger;
- round coordinates (5 decimals, about a metre, by default) and keep every duration in a
  :class:`DurationCache`, in memory or in an owner-only SQLite file, so the same points
  asked again send nothing;
- turn timeouts, HTTP errors, error codes, unroutable pairs and malformed answers into a
  :class:`RoutingServerError` naming the server, never a coordinate (coordinates are
  offenders' home locations).

:class:`FallbackTravel` uses the offline model when the server fails, only when the user
allowed it (``[travel] allow_fallback``), and reports each fallback. :func:`travel_for`
builds the policy's provider. Only the standard library talks to the server.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from models.policy import Policy, TravelSettings
from scheduler.core.exceptions import RotaError
from scheduler.core.travel import GreatCircleTravel, TravelModel

#: Annotation names as the providers return them: duration in seconds, distance in metres.
DURATION = "duration"
DISTANCE = "distance"


class RoutingServerError(RotaError):
    """A routing server did not give a usable table: unreachable, too slow, an HTTP error,
    an error code, an unroutable pair or an answer that is not a table. The message names
    the server and the cause, never a coordinate."""


class RoutingFallbackWarning(UserWarning):
    """The routing server failed and the offline estimate was used instead (only when the
    user allowed it)."""


def server_name(url: str) -> str:
    """``scheme://host[:port][/path]`` of ``url``: what messages call the server, without
    credentials a URL may carry."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path.rstrip('/')}"


_NUMBER = re.compile(r"-?\d+\.\d{3,}")


def _scrub(text: str, limit: int = 200) -> str:
    """A server's own message, shortened, with anything that looks like a coordinate
    replaced: messages are printed and may be logged."""
    return _NUMBER.sub("<number>", " ".join(str(text).split()))[:limit]


def table_blocks(missing: np.ndarray, max_table_size: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Requests that together ask for every ``True`` cell of ``missing`` exactly once.

    The points are cut into chunks of ``max_table_size // 2``; the block of two chunks
    (sources from one, destinations from the other) asks only for the rows and columns
    with a missing cell. So each request has at most ``max_table_size`` sources plus
    destinations (OSRM's limit is looser: sources x destinations at most its square) and
    the blocks partition the matrix, so no cell is asked twice.

    Returns
    -------
    list of (rows, cols)
        Index arrays into the points: a request for the table rows x cols.
    """
    n = missing.shape[0]
    half = max(1, max_table_size // 2)
    chunks = [np.arange(s, min(s + half, n)) for s in range(0, n, half)]
    blocks = []
    for rows in chunks:
        for cols in chunks:
            sub = missing[np.ix_(rows, cols)]
            if sub.any():
                blocks.append((rows[sub.any(axis=1)], cols[sub.any(axis=0)]))
    return blocks


@dataclass
class TravelStats:
    """What a provider did: server requests, pairs of distinct points it needed, and how
    many of those came from the cache."""

    requests: int = 0
    pairs_needed: int = 0
    pairs_from_cache: int = 0
    cells_requested: int = 0

    @property
    def cache_hit_rate(self) -> float:
        return self.pairs_from_cache / self.pairs_needed if self.pairs_needed else 1.0


class DurationCache:
    """Durations between rounded points, keyed by the server, kept in memory and, with a
    ``path``, in a SQLite file.

    The file holds rounded home coordinates, so it is created owner-only (0600) and an
    existing one readable by others is tightened to 0600 (SQLite gives its journal the
    database file's permissions).
    """

    def __init__(self, path: Path | None = None, server: str = "") -> None:
        self.path = path
        self.server = server
        self._durations: dict[tuple[int, int, int, int], float] = {}
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._db = self._open(path)
            rows = self._db.execute(
                "SELECT a_lat, a_lon, b_lat, b_lon, seconds FROM durations WHERE server = ?",
                (server,),
            )
            self._durations = {(a, b, c, d): s for a, b, c, d, s in rows}

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
            if stat.S_IMODE(os.stat(path).st_mode) & 0o077:
                os.chmod(path, 0o600)
            db = sqlite3.connect(path)
            db.execute(
                "CREATE TABLE IF NOT EXISTS durations (server TEXT NOT NULL, "
                "a_lat INTEGER NOT NULL, a_lon INTEGER NOT NULL, "
                "b_lat INTEGER NOT NULL, b_lon INTEGER NOT NULL, seconds REAL NOT NULL, "
                "PRIMARY KEY (server, a_lat, a_lon, b_lat, b_lon)) WITHOUT ROWID"
            )
            db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise RoutingServerError(f"travel cache {path}: cannot open it ({exc})") from None
        return db

    @property
    def size(self) -> int:
        """Number of cached durations."""
        return len(self._durations)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Seconds between every pair of ``keys`` (rows of rounded integer lat, lon), NaN
        where not cached, zero on the diagonal."""
        n = len(keys)
        out = np.full((n, n), np.nan)
        np.fill_diagonal(out, 0.0)
        if not self._durations:
            return out
        pts = [(int(k[0]), int(k[1])) for k in keys]
        get = self._durations.get
        for i, (a_lat, a_lon) in enumerate(pts):
            row = out[i]
            for j, (b_lat, b_lon) in enumerate(pts):
                if i != j:
                    value = get((a_lat, a_lon, b_lat, b_lon))
                    if value is not None:
                        row[j] = value
        return out

    def store(self, keys: np.ndarray, rows: np.ndarray, cols: np.ndarray, seconds: np.ndarray):
        """Keep ``seconds[r, c]`` between ``keys[rows[r]]`` and ``keys[cols[c]]``."""
        new = []
        for r, i in enumerate(rows):
            for c, j in enumerate(cols):
                if i != j and np.isfinite(seconds[r, c]):
                    key = (int(keys[i, 0]), int(keys[i, 1]), int(keys[j, 0]), int(keys[j, 1]))
                    self._durations[key] = float(seconds[r, c])
                    new.append((self.server, *key, float(seconds[r, c])))
        if self._db is not None and new:
            try:
                with self._db:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO durations VALUES (?, ?, ?, ?, ?, ?)", new
                    )
            except sqlite3.Error as exc:
                raise RoutingServerError(
                    f"travel cache {self.path}: cannot write ({exc})"
                ) from None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class RoadServerTravel:
    """Shared by the providers: rounding, the cache, batching and the error handling of
    one HTTP request. Subclasses say how to ask for one block (:meth:`_block`)."""

    #: How messages call the provider.
    provider = "routing"

    def __init__(
        self,
        url: str,
        *,
        max_table_size: int = 100,
        timeout_s: float = 30.0,
        cache: DurationCache | None = None,
        coordinate_decimals: int = 5,
    ) -> None:
        if max_table_size < 2:
            raise ValueError("max_table_size must be at least 2")
        self.url = url.rstrip("/")
        self.name = f"{self.provider} server at {server_name(url)}"
        self.max_table_size = max_table_size
        self.timeout_s = timeout_s
        self.cache = cache if cache is not None else DurationCache(server=self.cache_key)
        self.decimals = coordinate_decimals
        self.stats = TravelStats()

    @property
    def cache_key(self) -> str:
        """What cached durations are filed under: the provider and the server."""
        return f"{self.provider} {server_name(self.url)}"

    # -- the TravelModel protocol ------------------------------------------------------

    def matrix_s(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Square int64 matrix of road seconds, zero diagonal; cached pairs are not asked
        again."""
        keys, inverse = self._keys(lat, lon)
        seconds = self.cache.lookup(keys)
        missing = np.isnan(seconds)
        m = len(keys)
        self.stats.pairs_needed += m * (m - 1)
        self.stats.pairs_from_cache += m * (m - 1) - int(missing.sum())
        for rows, cols in table_blocks(missing, self.max_table_size):
            block = self._ask(keys, rows, cols, (DURATION,))[DURATION]
            self._check_routable(block)
            seconds[np.ix_(rows, cols)] = block
            self.cache.store(keys, rows, cols, block)
        np.fill_diagonal(seconds, 0.0)
        return np.rint(seconds[np.ix_(inverse, inverse)]).astype(np.int64)

    # -- uncached tables (calibration) ---------------------------------------------------

    def table(
        self, lat: np.ndarray, lon: np.ndarray, annotations: Sequence[str] = (DURATION, DISTANCE)
    ) -> dict[str, np.ndarray]:
        """Full float tables (seconds, metres) between the points, NaN where unroutable,
        straight from the server (the cache is neither read nor written)."""
        keys, inverse = self._keys(lat, lon)
        m = len(keys)
        out = {a: np.zeros((m, m)) for a in annotations}
        missing = ~np.eye(m, dtype=bool)
        for rows, cols in table_blocks(missing, self.max_table_size):
            for a, block in self._ask(keys, rows, cols, tuple(annotations)).items():
                out[a][np.ix_(rows, cols)] = block
        for a in annotations:
            np.fill_diagonal(out[a], 0.0)
            out[a] = out[a][np.ix_(inverse, inverse)]
        return out

    # -- helpers -----------------------------------------------------------------------

    def _keys(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scale = 10.0**self.decimals
        raw = np.column_stack(
            [np.rint(np.asarray(lat, float) * scale), np.rint(np.asarray(lon, float) * scale)]
        ).astype(np.int64)
        if len(raw) == 0:
            return raw.reshape(0, 2), np.zeros(0, dtype=np.int64)
        keys, inverse = np.unique(raw, axis=0, return_inverse=True)
        return keys, inverse.reshape(-1)

    def _coords(self, keys: np.ndarray) -> list[tuple[str, str]]:
        """(lat, lon) as text with the cache's decimals: what is sent is what is cached."""
        d, scale = self.decimals, 10.0**self.decimals
        return [(f"{k[0] / scale:.{d}f}", f"{k[1] / scale:.{d}f}") for k in keys]

    def _ask(
        self, keys: np.ndarray, rows: np.ndarray, cols: np.ndarray, annotations: tuple[str, ...]
    ) -> dict[str, np.ndarray]:
        self.stats.requests += 1
        self.stats.cells_requested += len(rows) * len(cols)
        tables = self._block(keys, rows, cols, annotations)
        for a in annotations:
            if tables[a].shape != (len(rows), len(cols)):
                raise RoutingServerError(
                    f"{self.name} answered a {a} table of shape {tables[a].shape}, "
                    f"not the {len(rows)} x {len(cols)} asked for"
                )
        return tables

    def _check_routable(self, block: np.ndarray) -> None:
        bad = int(np.isnan(block).sum())
        if bad:
            raise RoutingServerError(
                f"{self.name} found no road route for {bad} pair(s) of points (a home off "
                "its road network, or a map that does not cover the area?)"
            )

    def _block(
        self, keys: np.ndarray, rows: np.ndarray, cols: np.ndarray, annotations: tuple[str, ...]
    ) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _request_json(self, request: urllib.request.Request) -> Any:
        """Send one request; every failure becomes a :class:`RoutingServerError`."""
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as resp:  # noqa: S310
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            detail = self._error_detail(exc)
            raise RoutingServerError(
                f"{self.name} answered HTTP {exc.code}{': ' + detail if detail else ''}"
            ) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise self._timeout() from None
            reason = exc.reason.strerror if isinstance(exc.reason, OSError) else exc.reason
            raise RoutingServerError(f"{self.name}: cannot connect ({reason})") from None
        except TimeoutError:
            raise self._timeout() from None
        except OSError as exc:
            raise RoutingServerError(f"{self.name}: connection failed ({exc.strerror})") from None
        try:
            return json.loads(raw)
        except ValueError:
            raise RoutingServerError(
                f"{self.name} did not answer JSON (is it a {self.provider} server?)"
            ) from None

    def _timeout(self) -> RoutingServerError:
        return RoutingServerError(
            f"{self.name} gave no answer within {self.timeout_s:g} s (raise travel.timeout_s "
            "or lower travel.max_table_size)"
        )

    def _error_detail(self, exc: urllib.error.HTTPError) -> str:
        try:
            body = json.loads(exc.read())
        except (ValueError, OSError):
            return _scrub(exc.reason or "")
        return self._describe_error(body) if isinstance(body, dict) else ""

    def _describe_error(self, body: dict[str, Any]) -> str:
        return _scrub(str(body))


class OsrmTravel(RoadServerTravel):
    """Road travel times from an OSRM server's ``table`` service (``osrm-routed``, car
    profile), batched to its ``--max-table-size`` (default 100) and cached.

    Coordinates are sent to ``url``, so use a server the unit runs itself; the planner
    never calls one unless the user names it. Durations come back in seconds.
    """

    provider = "OSRM"

    def __init__(self, url: str, *, profile: str = "driving", **kwargs: Any) -> None:
        self.profile = profile
        super().__init__(url, **kwargs)

    def _block(
        self, keys: np.ndarray, rows: np.ndarray, cols: np.ndarray, annotations: tuple[str, ...]
    ) -> dict[str, np.ndarray]:
        points = np.unique(np.concatenate([rows, cols]))
        where = {int(p): k for k, p in enumerate(points)}
        coords = ";".join(f"{lon},{lat}" for lat, lon in self._coords(keys[points]))
        query = [f"annotations={','.join(annotations)}"]
        if len(rows) < len(points) or len(cols) < len(points):
            query.insert(0, "sources=" + ";".join(str(where[int(r)]) for r in rows))
            query.insert(1, "destinations=" + ";".join(str(where[int(c)]) for c in cols))
        url = f"{self.url}/table/v1/{self.profile}/{coords}?{'&'.join(query)}"
        body = self._request_json(urllib.request.Request(url, headers={"User-Agent": "rota"}))
        if not isinstance(body, dict):
            raise RoutingServerError(f"{self.name} did not answer a table")
        if body.get("code") != "Ok":
            raise RoutingServerError(f"{self.name} refused the table: {self._describe_error(body)}")
        out = {}
        for a in annotations:
            name = f"{a}s"
            if name not in body:
                raise RoutingServerError(f"{self.name} answered without '{name}'")
            out[a] = _float_table(body[name], self.name)
        return out

    def _describe_error(self, body: dict[str, Any]) -> str:
        code = _scrub(str(body.get("code", "no code")), 40)
        message = _scrub(str(body.get("message", "")))
        hint = ""
        if code == "TooBig":
            hint = " (set travel.max_table_size to the server's --max-table-size)"
        return f"{code}{': ' + message if message else ''}{hint}"


class ValhallaTravel(RoadServerTravel):
    """Road travel times from a Valhalla server's ``sources_to_targets`` matrix (``auto``
    costing), batched so sources plus targets stay within ``max_table_size`` (set it to
    the server's ``max_matrix_location_pairs`` bound) and cached."""

    provider = "Valhalla"

    def __init__(self, url: str, *, costing: str = "auto", **kwargs: Any) -> None:
        self.costing = costing
        super().__init__(url, **kwargs)

    def _block(
        self, keys: np.ndarray, rows: np.ndarray, cols: np.ndarray, annotations: tuple[str, ...]
    ) -> dict[str, np.ndarray]:
        coords = self._coords(keys)

        def locations(idx: np.ndarray) -> list[dict[str, float]]:
            return [{"lat": float(coords[i][0]), "lon": float(coords[i][1])} for i in idx]

        payload = {
            "sources": locations(rows),
            "targets": locations(cols),
            "costing": self.costing,
            "units": "kilometers",
        }
        request = urllib.request.Request(
            f"{self.url}/sources_to_targets",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "User-Agent": "rota"},
            method="POST",
        )
        body = self._request_json(request)
        table = body.get("sources_to_targets") if isinstance(body, dict) else None
        if table is None:
            raise RoutingServerError(f"{self.name} answered without 'sources_to_targets'")
        try:
            if isinstance(table, dict):  # the concise form ("verbose": false)
                seconds = table["durations"]
                km = table["distances"]
            else:
                seconds = [[cell.get("time") for cell in row] for row in table]
                km = [[cell.get("distance") for cell in row] for row in table]
        except (AttributeError, KeyError, TypeError):
            raise RoutingServerError(f"{self.name} answered a malformed matrix") from None
        out = {DURATION: _float_table(seconds, self.name)}
        out[DISTANCE] = _float_table(km, self.name) * 1000.0
        return {a: out[a] for a in annotations}

    def _describe_error(self, body: dict[str, Any]) -> str:
        code = body.get("error_code", "")
        return _scrub(f"{code} {body.get('error', '')}".strip())


def _float_table(values: Any, name: str) -> np.ndarray:
    """A JSON table as floats, ``null`` (unroutable) as NaN."""
    try:
        table = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise RoutingServerError(f"{name} answered a table that is not numbers") from None
    if table.ndim != 2:
        raise RoutingServerError(f"{name} answered a table that is not two-dimensional")
    return table


def _warn(message: str) -> None:
    warnings.warn(message, RoutingFallbackWarning, stacklevel=3)


@dataclass
class FallbackTravel:
    """``primary`` (a routing server) unless it fails, then ``fallback`` (the offline
    model) for that matrix, telling ``on_fallback`` why. Only built when the user allowed
    falling back."""

    primary: TravelModel
    fallback: TravelModel
    on_fallback: Callable[[str], None] = _warn
    fallbacks: int = field(default=0)

    def matrix_s(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        try:
            return self.primary.matrix_s(lat, lon)
        except RoutingServerError as exc:
            self.fallbacks += 1
            self.on_fallback(f"{exc}; using the offline estimate for {len(lat)} point(s)")
            return self.fallback.matrix_s(lat, lon)


def offline_travel(policy: Policy) -> GreatCircleTravel:
    """The policy's offline model: its circuity and speed, and its speeds by time of day."""
    bands = tuple(
        (
            b.start.hour * 3600 + b.start.minute * 60 + b.start.second,
            b.end.hour * 3600 + b.end.minute * 60 + b.end.second,
            b.speed_kmh,
        )
        for b in sorted(policy.travel.speeds, key=lambda b: b.start)
    )
    return GreatCircleTravel(policy.speed_kmh, policy.circuity, bands)


def road_server(settings: TravelSettings) -> RoadServerTravel:
    """The routing-server client ``settings`` name (provider osrm or valhalla)."""
    if settings.provider == "offline" or settings.url is None:
        raise ValueError("the offline provider has no server")
    cls = OsrmTravel if settings.provider == "osrm" else ValhallaTravel
    client = cls(
        settings.url,
        max_table_size=settings.max_table_size,
        timeout_s=settings.timeout_s,
        coordinate_decimals=settings.coordinate_decimals,
    )
    if settings.cache is not None:
        client.cache = DurationCache(settings.cache, client.cache_key)
    return client


def travel_for(policy: Policy, *, on_fallback: Callable[[str], None] | None = None) -> TravelModel:
    """The travel model the policy's ``[travel]`` table asks for.

    The offline model is the one ``plan_week`` builds by default (so an offline policy
    plans exactly as without this call); a server provider is wrapped in
    :class:`FallbackTravel` only if ``allow_fallback`` is set.
    """
    offline = offline_travel(policy)
    if policy.travel.provider == "offline":
        return offline
    server = road_server(policy.travel)
    if not policy.travel.allow_fallback:
        return server
    return FallbackTravel(server, offline, on_fallback or _warn)
