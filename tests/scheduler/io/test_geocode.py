"""Addresses geocoded only through a configured Nominatim server: located through a fake one
on 127.0.0.1, cached owner-only by address hash (no address text on disk) so a second run
sends nothing, and failures that name the server, never the address."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.io.geocode import (
    GeocodeCache,
    Geocoder,
    GeocoderError,
    address_key,
    default_cache_path,
)
from tests.scheduler.fake_geocoder import PLACES, FakeNominatim

ADDRESS = "12 Acacia Avenue, Croydon"


@pytest.fixture
def nominatim() -> Iterator[FakeNominatim]:
    with FakeNominatim() as server:
        yield server


def test_address_key_ignores_case_commas_and_spacing() -> None:
    assert address_key(ADDRESS) == address_key("12  ACACIA AVENUE croydon ")
    assert address_key(ADDRESS) != address_key("14 Acacia Avenue, Croydon")
    assert len(address_key(ADDRESS)) == 64 and "acacia" not in address_key(ADDRESS)


def test_geocoder_locates_through_the_server(nominatim: FakeNominatim, tmp_path: Path) -> None:
    geocoder = Geocoder(nominatim.url, cache=GeocodeCache(tmp_path / "g.sqlite"), min_delay_s=0)
    assert geocoder.locate(ADDRESS) == pytest.approx(PLACES[ADDRESS.lower()])
    assert geocoder.locate("Nowhere Lane") is None  # the server found nothing
    assert (geocoder.requests, geocoder.hits) == (2, 0)
    assert nominatim.queries == [ADDRESS, "Nowhere Lane"]


def test_second_run_is_served_from_the_cache(nominatim: FakeNominatim, tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    first = Geocoder(nominatim.url, cache=GeocodeCache(path), min_delay_s=0)
    point = first.locate(ADDRESS)
    assert first.locate("Nowhere Lane") is None
    first.cache.close()
    sent = nominatim.requests

    again = Geocoder(nominatim.url, cache=GeocodeCache(path), min_delay_s=0)
    assert again.locate(ADDRESS.upper()) == point  # the same address however typed
    assert again.locate("Nowhere Lane") is None  # a miss is cached too
    assert nominatim.requests == sent  # nothing sent the second time
    assert (again.requests, again.hits) == (0, 2)


def test_cache_is_owner_only_and_holds_no_address(nominatim: FakeNominatim, tmp_path: Path) -> None:
    path = tmp_path / "cache" / "rota" / "geocode.sqlite"
    old = os.umask(0)  # the modes must come from the code, not the environment
    try:
        cache = GeocodeCache(path)
    finally:
        os.umask(old)
    geocoder = Geocoder(nominatim.url, cache=cache, min_delay_s=0)
    for address in PLACES:
        geocoder.locate(address.title())
    cache.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    on_disk = b"".join(p.read_bytes() for p in path.parent.iterdir()).lower()
    assert ADDRESS.lower().encode() not in on_disk
    for address in PLACES:
        for word in address.replace(",", " ").split():
            if len(word) >= 5:  # shorter ones occur by chance in the hashes' hex digits
                assert word.encode() not in on_disk, word


def test_geocoder_without_a_cache_asks_every_time(nominatim: FakeNominatim) -> None:
    geocoder = Geocoder(nominatim.url, min_delay_s=0)
    geocoder.locate(ADDRESS)
    geocoder.locate(ADDRESS)
    assert nominatim.requests == 2


def test_failure_names_the_server_not_the_address(tmp_path: Path) -> None:
    from geopy.exc import GeocoderUnavailable

    def unreachable(_query: str) -> None:
        raise GeocoderUnavailable("connection refused")

    geocoder = Geocoder("http://127.0.0.1:9", min_delay_s=0, _search=unreachable)
    with pytest.raises(GeocoderError) as info:
        geocoder.locate(ADDRESS)
    assert str(info.value) == (
        "geocoder http://127.0.0.1:9 failed: GeocoderUnavailable; nothing was planned"
    )
    assert "acacia" not in str(info.value).lower()


@pytest.mark.parametrize("url", ["ftp://example.org", "127.0.0.1:8080", "http://"])
def test_geocoder_url_must_be_http(url: str) -> None:
    with pytest.raises(GeocoderError, match="geocoder URL must be http"):
        Geocoder(url, min_delay_s=0).locate(ADDRESS)


def test_default_cache_path_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_path() == tmp_path / "rota" / "geocode.sqlite"
