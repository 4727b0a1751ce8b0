"""`make run`'s door to the dashboard while sign-in is on: local development only.

A browser sends no bearer token, and the dashboard (reporting, 8004) has no browser sign-in yet.
This door listens on 127.0.0.1 only, answers GET `/dashboard` and its script and nothing else,
and forwards them to reporting with a key that may only read reports (`reporting:read`). So
anyone on this machine can see the dashboard without signing in, as before sign-in was on; the
rest of the API stays closed. The key stays in the door: the browser never sees it.
"""

from __future__ import annotations

import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx

PATHS = frozenset({"/dashboard", "/dashboard/plotly.min.js"})
FORWARDED_HEADERS = ("content-type", "cache-control")


class Door(BaseHTTPRequestHandler):
    """Forwards the dashboard's two GETs with the door's key; 404 for anything else."""

    upstream = os.environ.get("VORONKA_DASHBOARD_UPSTREAM", "http://127.0.0.1:8004")
    key_file = Path(os.environ.get("VORONKA_DASHBOARD_KEY_FILE", ".cache/run/dashboard-key"))

    def do_GET(self) -> None:
        """The dashboard page (`?lang=en` passes through) or its plotly script."""
        if urlsplit(self.path).path not in PATHS:
            self.send_error(404, "only /dashboard is served here")
            return
        key = self.key_file.read_text(encoding="ascii").strip()
        try:
            answer = httpx.get(
                self.upstream + self.path, headers={"Authorization": f"Bearer {key}"}, timeout=60
            )
        except httpx.TransportError:
            self.send_error(502, "reporting does not answer")
            return
        self.send_response(answer.status_code)
        for name in FORWARDED_HEADERS:
            if name in answer.headers:
                self.send_header(name, answer.headers[name])
        self.send_header("content-length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, format: str, *args: object) -> None:
        """One line per request on stderr (the door's log file)."""
        sys.stderr.write(f"dashboard door: {format % args}\n")


def main() -> None:
    """Serve until stopped, on 127.0.0.1:VORONKA_DASHBOARD_DOOR_PORT (8014)."""
    port = int(os.environ.get("VORONKA_DASHBOARD_DOOR_PORT", "8014"))
    with ThreadingHTTPServer(("127.0.0.1", port), Door) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
