"""A local stand-in for a routing server, on 127.0.0.1 in a thread: OSRM's
``/table/v1/{profile}/{lon,lat;...}`` and Valhalla's ``/sources_to_targets``.

Durations are computed from the coordinates (great circle x ``circuity`` at
``speed_kmh``), so a test knows the exact answer and a calibration knows what it should
recover. Like ``osrm-routed`` it refuses tables over its size limit with code
``TooBig`` (sources x destinations above ``max_table_size`` squared); it also records
every request so tests can count them and check the batching. ``mode`` makes it
misbehave: ``"http500"``, ``"invalid_query"``, ``"sleep"`` (answers after
``sleep_s``), ``"unroutable"`` (null for the first destination), ``"garbage"`` (not
JSON), ``"not_ok"`` (HTTP 200 with an error code).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np

from scheduler.core.travel import great_circle_m


@dataclass
class TableRequest:
    """One request as the server saw it: its points and the (source, destination) pairs
    of points it asked for."""

    points: list[tuple[float, float]]
    sources: list[int]
    destinations: list[int]

    @property
    def pairs(self) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        return [(self.points[s], self.points[d]) for s in self.sources for d in self.destinations]


@dataclass
class FakeRoutingServer:
    circuity: float = 1.4
    speed_kmh: float = 30.0
    max_table_size: int = 100
    mode: str = "ok"
    sleep_s: float = 2.0
    requests: list[TableRequest] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start the server first"
        return f"http://127.0.0.1:{self._server.server_port}"

    def seconds(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        """What the server answers between (lat, lon) points ``a`` and ``b``."""
        return self.metres(a, b) / (self.speed_kmh / 3.6)

    def metres(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        d = great_circle_m(np.array(a[0]), np.array(a[1]), np.array(b[0]), np.array(b[1]))
        return float(d) * self.circuity

    def __enter__(self) -> FakeRoutingServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                fake._osrm(self)

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                fake._valhalla(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    # -- the two APIs ------------------------------------------------------------------

    def _misbehave(self, handler: BaseHTTPRequestHandler) -> bool:
        if self.mode == "sleep":
            time.sleep(self.sleep_s)
        if self.mode == "http500":
            self._send(handler, 500, b"Internal Server Error", "text/plain")
        elif self.mode == "garbage":
            self._send(handler, 200, b"<html>not a routing server</html>", "text/html")
        elif self.mode == "invalid_query":
            body = {"code": "InvalidQuery", "message": "Query string malformed close to 12"}
            self._send(handler, 400, json.dumps(body).encode())
        else:
            return False
        return True

    def _osrm(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        if not parts.path.startswith("/table/v1/driving/"):
            self._send(handler, 400, json.dumps({"code": "InvalidUrl"}).encode())
            return
        coords = parts.path.removeprefix("/table/v1/driving/").split(";")
        points = [(float(c.split(",")[1]), float(c.split(",")[0])) for c in coords]
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        n = len(points)
        sources = [int(x) for x in query["sources"].split(";")] if "sources" in query else []
        dests = (
            [int(x) for x in query["destinations"].split(";")] if "destinations" in query else []
        )
        sources, dests = sources or list(range(n)), dests or list(range(n))
        request = TableRequest(points, sources, dests)
        self.requests.append(request)
        if self._misbehave(handler):
            return
        if len(sources) * len(dests) > self.max_table_size**2:
            body = {"code": "TooBig", "message": "Too many table coordinates"}
            self._send(handler, 400, json.dumps(body).encode())
            return
        annotations = query.get("annotations", "duration").split(",")
        out: dict[str, Any] = {"code": "Ok" if self.mode != "not_ok" else "NoTable"}
        lat, lon = np.array(points).T
        road_m = self.circuity * great_circle_m(
            lat[sources][:, None], lon[sources][:, None], lat[dests][None, :], lon[dests][None, :]
        )
        for a in annotations:
            values = road_m if a == "distance" else road_m / (self.speed_kmh / 3.6)
            table: list[list[float | None]] = values.tolist()
            if self.mode == "unroutable":
                for row in table:
                    row[0] = None
            out[f"{a}s"] = table
        self._send(handler, 200, json.dumps(out).encode())

    def _valhalla(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length", 0))
        body = json.loads(handler.rfile.read(length))
        src = [(p["lat"], p["lon"]) for p in body["sources"]]
        dst = [(p["lat"], p["lon"]) for p in body["targets"]]
        points = src + dst
        self.requests.append(
            TableRequest(points, list(range(len(src))), list(range(len(src), len(points))))
        )
        if self._misbehave(handler):
            return
        if len(src) + len(dst) > self.max_table_size:
            err = {"error_code": 154, "error": "Exceeded max locations", "status_code": 400}
            self._send(handler, 400, json.dumps(err).encode())
            return
        table = [
            [
                {
                    "from_index": i,
                    "to_index": j,
                    "time": None if self.mode == "unroutable" and j == 0 else self.seconds(a, b),
                    "distance": self.metres(a, b) / 1000.0,
                }
                for j, b in enumerate(dst)
            ]
            for i, a in enumerate(src)
        ]
        self._send(handler, 200, json.dumps({"sources_to_targets": table}).encode())

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler, status: int, body: bytes, kind: str = "application/json"
    ) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", kind)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)
