"""The offline travel model agrees with geopy and behaves like a travel-time matrix."""

from __future__ import annotations

import numpy as np
from geopy.distance import great_circle
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.core.travel import GreatCircleTravel, distance_matrix_m, great_circle_m

uk_points = st.tuples(st.floats(49.9, 60.9), st.floats(-8.6, 1.7))


@settings(max_examples=200)
@given(uk_points, uk_points)
def test_haversine_matches_geopy_great_circle(a, b):
    ours = float(great_circle_m(np.array(a[0]), np.array(a[1]), np.array(b[0]), np.array(b[1])))
    assert abs(ours - great_circle(a, b).m) < 0.05  # same sphere, well under a metre


@given(st.lists(uk_points, min_size=1, max_size=12))
def test_travel_matrix_is_symmetric_nonnegative_with_zero_diagonal(points):
    lat, lon = np.array(points).T
    m = GreatCircleTravel().matrix_s(lat, lon)
    assert m.dtype == np.int64 and m.shape == (len(points), len(points))
    assert (np.diag(m) == 0).all() and (m >= 0).all() and (m == m.T).all()


def test_travel_time_is_circuity_times_distance_over_speed():
    # 10 km straight line north, x1.5 circuity, at 30 km/h: 15 km takes 30 min = 1800 s.
    lat = np.array([51.5, 51.5 + 10_000 / 111_195.0])
    lon = np.array([-0.1, -0.1])
    d = distance_matrix_m(lat, lon)[0, 1]
    assert abs(d - 10_000) < 5
    assert abs(GreatCircleTravel(speed_kmh=30, circuity=1.5).matrix_s(lat, lon)[0, 1] - 1800) <= 1


def test_osrm_seam_reads_a_table_from_a_local_server():
    # A stand-in OSRM on loopback: answers every table request with durations 0/100 s.
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from scheduler.core.travel import OsrmTravel

    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            seen.append(self.path)
            n = self.path.split("/driving/")[1].split("?")[0].count(";") + 1
            table = [[0 if i == j else 100 for j in range(n)] for i in range(n)]
            body = json.dumps({"code": "Ok", "durations": table}).encode()
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        m = OsrmTravel(f"http://127.0.0.1:{server.server_port}").matrix_s(
            np.array([51.5, 51.6]), np.array([-0.1, -0.2])
        )
    finally:
        thread.join(5)
        server.server_close()
    assert m.tolist() == [[0, 100], [100, 0]]
    assert "-0.10000,51.50000;-0.20000,51.60000" in seen[0]  # lon,lat, 5 decimals


def test_speed_for_picks_the_band_of_the_time_of_day_else_the_base_speed():
    # 07:00-10:00 at 15 km/h, 16:00-19:00 at 18 km/h, 25 km/h otherwise.
    model = GreatCircleTravel(
        25.0, 1.35, ((7 * 3600, 10 * 3600, 15.0), (16 * 3600, 19 * 3600, 18.0))
    )
    assert model.speed_for(7 * 3600) == 15.0  # start inclusive
    assert model.speed_for(10 * 3600) == 25.0  # end exclusive
    assert model.speed_for(17 * 3600 + 59) == 18.0
    assert model.speed_for(3 * 3600) == 25.0
    assert model.at(8 * 3600) == GreatCircleTravel(15.0, 1.35)


def test_matrix_at_a_slower_time_scales_with_the_speed_and_matrix_s_ignores_bands():
    lat = np.array([51.5, 51.5 + 10_000 / 111_195.0])
    lon = np.array([-0.1, -0.1])
    banded = GreatCircleTravel(30.0, 1.5, ((8 * 3600, 9 * 3600, 15.0),))
    assert (banded.matrix_s(lat, lon) == GreatCircleTravel(30.0, 1.5).matrix_s(lat, lon)).all()
    # 15 km of road at 15 km/h: one hour.
    assert abs(banded.matrix_at_s(lat, lon, 8 * 3600 + 1800)[0, 1] - 3600) <= 1


def test_speeds_kmh_is_speed_for_of_each_time_and_the_base_speed_for_none():
    model = GreatCircleTravel(25.0, 1.35, ((17 * 3600, 21 * 3600, 12.5),))
    times = [0, 17 * 3600, 21 * 3600 - 1, 21 * 3600, -1, 86_400 + 18 * 3600]
    assert model.speeds_kmh(np.array(times)).tolist() == [25.0, 12.5, 12.5, 25.0, 25.0, 12.5]


def test_matrix_by_arrival_goes_at_the_destinations_time_and_home_at_the_origins():
    # A base (no time: -1), a home 10 km north reached at 18:00, one 10 km further at
    # 10:00. 30 km/h, x1.5: 15 km of road takes 30 min; 15 km/h in the evening, an hour.
    step = 10_000 / 111_195.0
    lat = np.array([51.5, 51.5 + step, 51.5 + 2 * step])
    lon = np.array([-0.1, -0.1, -0.1])
    model = GreatCircleTravel(30.0, 1.5, ((17 * 3600, 21 * 3600, 15.0),))
    m = model.matrix_by_arrival_s(lat, lon, np.array([-1, 18 * 3600, 10 * 3600]))
    assert abs(m[0, 1] - 3600) <= 2  # to the evening visit: the evening speed
    assert abs(m[2, 1] - 3600) <= 2
    assert abs(m[1, 2] - 1800) <= 1  # to the morning visit: the day speed
    assert abs(m[0, 2] - 3600) <= 2  # 30 km of road at 30 km/h
    assert abs(m[1, 0] - 3600) <= 2  # home from the evening visit: its speed
    assert abs(m[2, 0] - 3600) <= 2  # home from the morning visit, 30 km at 30 km/h
    assert (np.diag(m) == 0).all()


def test_matrix_by_arrival_without_bands_is_matrix_s_exactly():
    lat, lon = np.array([51.5, 51.52, 51.47]), np.array([-0.1, -0.13, -0.05])
    model = GreatCircleTravel(25.0, 1.35)
    times = np.array([-1, 18 * 3600, 9 * 3600])
    assert (model.matrix_by_arrival_s(lat, lon, times) == model.matrix_s(lat, lon)).all()
    # bands at the base speed change nothing either: the same arithmetic
    same = GreatCircleTravel(25.0, 1.35, ((17 * 3600, 21 * 3600, 25.0),))
    assert (same.matrix_by_arrival_s(lat, lon, times) == model.matrix_s(lat, lon)).all()
