"""Free-text addresses geocoded through geopy, only when the user configures a geocoder.

Never on by default: an address is sent to the geocoder the user names (a self-hosted
Nominatim, say), and the CLI warns that addresses leave the machine. Requests are rate
limited (geopy's ``RateLimiter``) and results are cached in an owner-only SQLite file keyed
by a hash of the normalised address, so the cache holds no address text and a second run
sends nothing.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scheduler.core.exceptions import RotaError


class GeocoderError(RotaError):
    """A configured geocoder that cannot be reached or answers with an error."""


def address_key(address: str) -> str:
    """A stable hash of the address (case and spacing normalised): the cache never holds
    the address itself."""
    normal = " ".join(address.lower().replace(",", " ").split())
    return hashlib.sha256(normal.encode()).hexdigest()


class GeocodeCache:
    """Results by address hash in one SQLite file, created owner-only (0600)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not self.path.exists():
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        self._db = sqlite3.connect(self.path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS geocode (key TEXT PRIMARY KEY, lat REAL, lon REAL)"
        )

    def get(self, key: str) -> tuple[float, float] | None | bool:
        """The cached point, None for a cached miss, False when not cached."""
        row = self._db.execute("SELECT lat, lon FROM geocode WHERE key = ?", (key,)).fetchone()
        if row is None:
            return False
        return None if row[0] is None else (float(row[0]), float(row[1]))

    def put(self, key: str, point: tuple[float, float] | None) -> None:
        lat, lon = point if point is not None else (None, None)
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO geocode VALUES (?, ?, ?)", (key, lat, lon))

    def close(self) -> None:
        self._db.close()


def _nominatim(url: str, timeout_s: float) -> Any:
    from geopy.geocoders import Nominatim

    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise GeocoderError(f"geocoder URL must be http(s)://HOST[:PORT][/PATH], got {url!r}")
    domain = parts.netloc + parts.path.rstrip("/")
    return Nominatim(
        domain=domain, scheme=parts.scheme, user_agent="rota-planner", timeout=timeout_s
    )


@dataclass
class Geocoder:
    """Addresses to coordinates through a Nominatim-compatible server (opt-in only).

    ``search`` is what is asked (geopy's geocoder by default; tests may pass their own)."""

    url: str
    cache: GeocodeCache | None = None
    min_delay_s: float = 1.0
    timeout_s: float = 10.0
    country: str = "gb"
    requests: int = 0
    hits: int = 0
    _search: Callable[[str], Any] | None = field(default=None, repr=False)

    def _searcher(self) -> Callable[[str], Any]:
        if self._search is None:
            from geopy.extra.rate_limiter import RateLimiter

            geocoder = _nominatim(self.url, self.timeout_s)
            self._search = RateLimiter(
                lambda q: geocoder.geocode(q, country_codes=self.country, exactly_one=True),
                min_delay_seconds=self.min_delay_s,
                max_retries=1,
                swallow_exceptions=False,
            )
        return self._search

    def locate(self, address: str) -> tuple[float, float] | None:
        """The address's point, or None when the geocoder finds nothing. Errors name the
        server, never the address."""
        key = address_key(address)
        if self.cache is not None:
            cached = self.cache.get(key)
            if cached is not False:
                self.hits += 1
                return cached  # type: ignore[return-value]
        from geopy.exc import GeopyError

        self.requests += 1
        try:
            found = self._searcher()(address)
        except GeopyError as exc:
            raise GeocoderError(
                f"geocoder {self.url} failed: {type(exc).__name__}; nothing was planned"
            ) from None
        point = None if found is None else (float(found.latitude), float(found.longitude))
        if self.cache is not None:
            self.cache.put(key, point)
        return point


def default_cache_path() -> Path:
    """``$XDG_CACHE_HOME/rota/geocode.sqlite`` (owner-only)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rota" / "geocode.sqlite"
