"""Road travel from a routing server, against a local fake (``fake_routing``): batching
within the table size limit, the cache, every failure a clear error naming the server,
and falling back to the offline model only when allowed."""

from __future__ import annotations

import os
import stat
import warnings
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.policy import Policy
from scheduler.core.roads import (
    DurationCache,
    FallbackTravel,
    OsrmTravel,
    RoutingFallbackWarning,
    RoutingServerError,
    ValhallaTravel,
    server_name,
    table_blocks,
    travel_for,
)
from scheduler.core.travel import GreatCircleTravel
from tests.scheduler.core.fake_routing import FakeRoutingServer


def london(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(51.3, 51.7, n).round(5), rng.uniform(-0.5, 0.2, n).round(5)


def expected(fake: FakeRoutingServer, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    pts = list(zip(lat.tolist(), lon.tolist(), strict=True))
    return np.rint([[fake.seconds(a, b) for b in pts] for a in pts]).astype(np.int64)


@pytest.fixture
def fake():
    with FakeRoutingServer() as server:
        yield server


# -- batching ------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 130), st.integers(2, 60), st.integers(0, 2**32 - 1))
def test_blocks_ask_every_missing_cell_exactly_once_within_the_size_limit(n, size, seed):
    rng = np.random.default_rng(seed)
    missing = rng.random((n, n)) < rng.choice([0.05, 0.5, 1.0])
    asked = np.zeros((n, n), dtype=int)
    for rows, cols in table_blocks(missing, size):
        assert len(rows) > 0 and len(cols) > 0 and len(rows) + len(cols) <= size
        asked[np.ix_(rows, cols)] += 1
    assert (asked[missing] == 1).all()  # every missing cell, once
    assert asked.max(initial=0) <= 1  # blocks never overlap


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 45), st.integers(4, 30))
def test_the_matrix_from_batched_requests_equals_the_direct_computation(n, size):
    lat, lon = london(n, seed=n)
    with FakeRoutingServer(max_table_size=size) as fake:
        m = OsrmTravel(fake.url, max_table_size=size).matrix_s(lat, lon)
        assert (m == expected(fake, lat, lon)).all()
        for r in fake.requests:
            assert len(r.sources) + len(r.destinations) <= size
        pairs = Counter(p for r in fake.requests for p in r.pairs if p[0] != p[1])
        assert len(pairs) == n * (n - 1) and set(pairs.values()) <= {1}


def test_a_100_point_matrix_takes_four_requests_at_the_default_limit(fake):
    # 100 points in chunks of 50: blocks (1,1), (1,2), (2,1), (2,2); none bigger than 100.
    lat, lon = london(100)
    OsrmTravel(fake.url).matrix_s(lat, lon)
    assert len(fake.requests) == 4


def test_an_unbatched_client_is_refused_by_the_size_limit(fake):
    # A limit the server does not have (200 > its 100): one 150-point request, TooBig.
    lat, lon = london(150)
    with pytest.raises(RoutingServerError, match="TooBig.*max_table_size"):
        OsrmTravel(fake.url, max_table_size=400).matrix_s(lat, lon)


def test_duplicate_points_are_asked_once_and_get_zero_between_them(fake):
    lat = np.array([51.5, 51.6, 51.5, 51.500001])  # the third and fourth round to the first
    lon = np.array([-0.1, -0.2, -0.1, -0.1])
    m = OsrmTravel(fake.url).matrix_s(lat, lon)
    assert len(fake.requests[0].points) == 2
    assert m[0, 2] == m[0, 3] == 0 and m[2, 1] == m[0, 1] > 0


# -- the cache ------------------------------------------------------------------------------


def test_a_second_request_for_the_same_points_is_served_from_the_cache(fake):
    lat, lon = london(30)
    client = OsrmTravel(fake.url, max_table_size=20)
    first = client.matrix_s(lat, lon)
    sent = len(fake.requests)
    assert client.stats.cache_hit_rate == 0.0
    again = client.matrix_s(lat[::-1], lon[::-1])  # same points, another order
    assert len(fake.requests) == sent  # nothing sent
    assert (again == first[::-1, ::-1]).all()
    assert client.stats.pairs_from_cache == 30 * 29


def test_a_new_point_asks_only_for_blocks_with_missing_pairs(fake):
    lat, lon = london(60)
    client = OsrmTravel(fake.url, max_table_size=40)
    client.matrix_s(lat[:59], lon[:59])
    before = len(fake.requests)
    m = client.matrix_s(lat, lon)
    new_cells = sum(len(r.sources) * len(r.destinations) for r in fake.requests[before:])
    assert new_cells < 60 * 60 / 2  # far from the whole table again
    assert (m == expected(fake, lat, lon)).all()


def test_a_file_cache_survives_a_new_client_and_is_owner_only(fake, tmp_path):
    path = tmp_path / "travel-cache.sqlite"
    lat, lon = london(25)
    first = OsrmTravel(fake.url, cache=DurationCache(path, f"OSRM {server_name(fake.url)}"))
    m1 = first.matrix_s(lat, lon)
    first.cache.close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    sent = len(fake.requests)
    second = OsrmTravel(fake.url, cache=DurationCache(path, f"OSRM {server_name(fake.url)}"))
    assert (second.matrix_s(lat, lon) == m1).all()
    assert len(fake.requests) == sent and second.stats.cache_hit_rate == 1.0


def test_a_cache_file_readable_by_others_is_tightened(tmp_path):
    path = tmp_path / "cache.sqlite"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    DurationCache(path, "OSRM x").close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_durations_of_another_server_are_not_reused(fake, tmp_path):
    path = tmp_path / "cache.sqlite"
    lat, lon = london(5)
    OsrmTravel(fake.url, cache=DurationCache(path, "OSRM http://a")).matrix_s(lat, lon)
    sent = len(fake.requests)
    OsrmTravel(fake.url, cache=DurationCache(path, "OSRM http://b")).matrix_s(lat, lon)
    assert len(fake.requests) > sent


# -- failures are clear errors, never coordinates ------------------------------------------

FAILURES = [
    ("http500", "answered HTTP 500"),
    ("invalid_query", "HTTP 400: InvalidQuery"),
    ("garbage", "did not answer JSON"),
    ("not_ok", "refused the table: NoTable"),
    ("unroutable", "no road route for 3 pair"),
]


@pytest.mark.parametrize(("mode", "message"), FAILURES)
def test_server_failures_are_clear_errors_naming_the_server(mode, message):
    lat, lon = london(3)
    with (
        FakeRoutingServer(mode=mode) as fake,
        pytest.raises(RoutingServerError, match=message) as err,
    ):
        OsrmTravel(fake.url).matrix_s(lat, lon)
    text = str(err.value)
    assert f"OSRM server at {fake.url}" in text
    assert not any(f"{x:.3f}"[:-1] in text for x in (*lat, *lon))  # no coordinate


def test_a_server_that_does_not_answer_in_time_is_a_timeout_error():
    lat, lon = london(3)
    with (
        FakeRoutingServer(mode="sleep", sleep_s=1.5) as fake,
        pytest.raises(RoutingServerError, match=r"no answer within 0.2 s"),
    ):
        OsrmTravel(fake.url, timeout_s=0.2).matrix_s(lat, lon)


def test_a_server_that_is_not_running_is_a_connection_error():
    with FakeRoutingServer() as fake:
        url = fake.url  # a port nothing listens on once the server has stopped
    with pytest.raises(RoutingServerError, match=r"cannot connect"):
        OsrmTravel(url).matrix_s(*london(3))


def test_credentials_in_the_url_never_reach_a_message():
    assert server_name("http://user:secret@10.0.0.5:5000/osrm/") == "http://10.0.0.5:5000/osrm"


# -- fallback only when allowed ----------------------------------------------------------------


def _policy(url: str, **travel) -> Policy:
    return Policy.model_validate({"travel": {"provider": "osrm", "url": url, **travel}})


def test_without_permission_a_failing_server_fails_the_plan():
    with FakeRoutingServer(mode="http500") as fake:
        travel = travel_for(_policy(fake.url))
        assert isinstance(travel, OsrmTravel)
        with pytest.raises(RoutingServerError):
            travel.matrix_s(*london(4))


def test_with_permission_a_failing_server_falls_back_to_offline_with_a_warning():
    lat, lon = london(4)
    with FakeRoutingServer(mode="http500") as fake:
        travel = travel_for(_policy(fake.url, allow_fallback=True))
        assert isinstance(travel, FallbackTravel)
        with pytest.warns(RoutingFallbackWarning, match="HTTP 500.*; using the offline estimate"):
            m = travel.matrix_s(lat, lon)
    assert (m == GreatCircleTravel().matrix_s(lat, lon)).all() and travel.fallbacks == 1


def test_a_working_server_is_used_even_when_fallback_is_allowed(fake):
    lat, lon = london(4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = travel_for(_policy(fake.url, allow_fallback=True)).matrix_s(lat, lon)
    assert (m == expected(fake, lat, lon)).all()


def test_the_offline_policy_builds_the_planners_default_model():
    assert travel_for(Policy()) == GreatCircleTravel(Policy().speed_kmh, Policy().circuity)


def test_policy_speed_bands_reach_the_offline_model():
    policy = Policy.model_validate(
        {"travel": {"speeds": [{"from": "07:00", "to": "10:00", "speed_kmh": 15}]}}
    )
    model = travel_for(policy)
    assert isinstance(model, GreatCircleTravel)
    assert model.speed_for(8 * 3600) == 15 and model.speed_for(12 * 3600) == 25


def test_policy_file_cache_is_used(fake, tmp_path):
    travel = travel_for(_policy(fake.url, cache=str(tmp_path / "c.sqlite")))
    travel.matrix_s(*london(4))
    assert stat.S_IMODE(os.stat(tmp_path / "c.sqlite").st_mode) == 0o600


# -- Valhalla ----------------------------------------------------------------------------------


def test_valhalla_matrix_is_batched_and_equals_the_direct_computation(fake):
    lat, lon = london(23)
    client = ValhallaTravel(fake.url, max_table_size=10)
    assert (client.matrix_s(lat, lon) == expected(fake, lat, lon)).all()
    assert all(len(r.points) <= 10 for r in fake.requests)
    assert client.table(lat, lon)["distance"][0, 1] == pytest.approx(
        fake.metres((lat[0], lon[0]), (lat[1], lon[1])), abs=1e-3
    )


@pytest.mark.parametrize(("mode", "message"), [("http500", "HTTP 500"), ("unroutable", "no road")])
def test_valhalla_failures_are_clear_errors(mode, message):
    with (
        FakeRoutingServer(mode=mode) as fake,
        pytest.raises(RoutingServerError, match=f"Valhalla server at .*{message}"),
    ):
        ValhallaTravel(fake.url).matrix_s(*london(3))
