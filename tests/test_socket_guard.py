"""The suite's socket guard (``tests/conftest.py``) refuses the network and lets loopback
through."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import NetworkBlockedError, is_local_host


def test_a_connection_to_a_non_loopback_address_is_refused_before_anything_is_sent():
    # 192.0.2.1 is TEST-NET-1 (RFC 5737), never routed: a real connect would hang until
    # its timeout. The guard refuses at once and the socket never connected (no SYN).
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        start = time.perf_counter()
        with pytest.raises(NetworkBlockedError, match="192.0.2.1"):
            sock.connect(("192.0.2.1", 80))
        with pytest.raises(NetworkBlockedError):
            sock.connect_ex(("192.0.2.1", 80))
        assert time.perf_counter() - start < 0.5
        with pytest.raises(OSError):
            sock.getpeername()  # not connected


def test_name_look_ups_of_other_hosts_are_refused():
    with pytest.raises(NetworkBlockedError, match="router.project-osrm.org"):
        socket.getaddrinfo("router.project-osrm.org", 443)
    with pytest.raises(urllib.error.URLError):  # how a client under test sees it
        urllib.request.urlopen("http://router.project-osrm.org/", timeout=1)


def test_an_ipv6_connection_elsewhere_is_refused():
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    with (
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock,
        pytest.raises(NetworkBlockedError),
    ):
        sock.connect(("2001:db8::1", 80, 0, 0))


def test_loopback_and_unix_sockets_are_allowed(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(("localhost", server.getsockname()[1]), timeout=5):
            pass
    path = str(tmp_path / "s")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen(1)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(path)


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        (None, True),
        ("10.0.0.5", False),
        ("192.0.2.1", False),
        ("example.org", False),
        ("localhost.example.org", False),
    ],
)
def test_what_counts_as_this_machine(host, local):
    assert is_local_host(host) is local
