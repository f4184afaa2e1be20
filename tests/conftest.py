"""Fixtures shared by the whole suite: the hand-made input files in ``tests/data/inputs``.

Every file there gets a session-scoped fixture named after it, the dot replaced by an
underscore: ``offenders.csv`` -> ``offenders_csv``, ``offenders_bad_json.json`` ->
``offenders_bad_json_json``, ``policy_unknown_key.toml`` -> ``policy_unknown_key_toml``.
Each returns the file's :class:`~pathlib.Path`. The valid files describe one small team
(3 officers, 8 offenders) planned for the week of :data:`WEEK`; every other file is a copy
with the defect its name describes. Tests only read these files; anything written goes
to ``tmp_path``.

The whole suite runs behind a socket guard (:func:`no_network`): a connection or name
look-up anywhere but this machine fails at once, so no test can send an offender's
coordinates anywhere, and a routing server or geocoder under test must be a local fake.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from models import Register
from scheduler.io.loaders import load_register

INPUTS = Path(__file__).resolve().parent / "data" / "inputs"
#: The Monday the fixture register is planned for; every last visit is before it.
WEEK = date(2026, 11, 30)


def fixture_name(file_name: str) -> str:
    """``offenders_bad_json.json`` -> ``offenders_bad_json_json``."""
    return file_name.replace(".", "_")


def _path_fixture(path: Path, name: str) -> Callable[[], Path]:
    @pytest.fixture(scope="session", name=name)
    def _fixture() -> Path:
        assert path.is_file(), f"fixture file {path} is missing"
        return path

    return _fixture


for _path in sorted(INPUTS.iterdir()):
    if _path.is_file():
        globals()[fixture_name(_path.name)] = _path_fixture(_path, fixture_name(_path.name))


@pytest.fixture(scope="session")
def inputs_dir() -> Path:
    return INPUTS


@pytest.fixture(scope="session")
def input_path() -> Callable[[str], Path]:
    """``input_path("offenders_bad_date.csv")``: a fixture file by name, for tables."""

    def find(name: str) -> Path:
        path = INPUTS / name
        assert path.is_file(), f"fixture file {path} is missing"
        return path

    return find


@pytest.fixture(scope="session")
def valid_register(offenders_csv: Path, officers_csv: Path) -> Register:
    """The valid fixture files, loaded as of :data:`WEEK`."""
    return load_register(offenders_csv, officers_csv, as_of=WEEK)


class NetworkBlockedError(ConnectionRefusedError):
    """A test tried to reach a host other than this machine (the socket guard refused it
    before anything was sent). An ``OSError``, so code under test handles it as it would
    an unreachable network."""


_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_local_host(host: Any) -> bool:
    """True for a loopback address (127.0.0.0/8, ::1) or a name for this machine."""
    if host is None or host == "" or host == b"":
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").split("%")[0].lower()
    if name in _LOCAL_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _allowed(sock: socket.socket, address: Any) -> bool:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return True  # unix sockets (and other local families)
    return isinstance(address, tuple) and is_local_host(address[0])


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _allowed(self, address):
        raise NetworkBlockedError(f"test suite socket guard: no connection to {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _allowed(self, address):
        raise NetworkBlockedError(f"test suite socket guard: no connection to {address!r}")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if not is_local_host(host):
        raise NetworkBlockedError(f"test suite socket guard: no name look-up of {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def no_network() -> Iterator[None]:
    """No network call from any test: ``connect``, ``connect_ex`` and ``getaddrinfo`` to
    anything but loopback or a unix socket raise :class:`NetworkBlockedError` before a
    packet leaves. Child processes (``spawn`` workers, ``lint-imports``) and C libraries
    that open their own sockets (libpq for the PostgreSQL tests, which connect to
    127.0.0.1) are outside it."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", _guarded_connect)
        mp.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
        mp.setattr(socket, "getaddrinfo", _guarded_getaddrinfo)
        yield
