"""A fake Nominatim server on 127.0.0.1, in a thread, for the geocoding tests: it answers
``/search?q=...&format=json`` with a JSON list as Nominatim does and counts the requests
(and keeps their queries), so a test can tell what left the machine."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

#: The addresses the fake knows, with their points (in the borough scenario's area).
PLACES: dict[str, tuple[float, float]] = {
    "12 acacia avenue, croydon": (51.3762, -0.0982),
    "3 laburnum grove, thornton heath": (51.3985, -0.1048),
    "1 rue de rivoli, paris": (48.8566, 2.3522),
}


class FakeNominatim:
    """``with FakeNominatim() as geo:`` serves on ``geo.url``; ``geo.requests`` counts."""

    def __init__(self, places: dict[str, tuple[float, float]] | None = None):
        self.places = {k.lower(): v for k, v in (places or PLACES).items()}
        self.queries: list[str] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                q = query.get("q", [""])[0]
                with fake._lock:
                    fake.queries.append(q)
                if parts.path != "/search" or query.get("format") != ["json"]:
                    self.send_error(404)
                    return
                point = fake.places.get(q.lower())
                body = (
                    []
                    if point is None
                    else [{"lat": str(point[0]), "lon": str(point[1]), "display_name": q}]
                )
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass  # keep test output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> int:
        with self._lock:
            return len(self.queries)

    def __enter__(self) -> FakeNominatim:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
