"""SDK fixtures: a clean SDK per test, and a scripted HTTP server for failures keel never makes.

keel's own server (the `live_server` fixture) is used wherever it can show the behaviour; the
scripted server stands in for it only to answer 503 on demand or to hold a request open.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import keel.sdk
from keel.store.engine import Database
from keel.store.runs import RunDetail, run_detail
from tests.conftest import free_port


@pytest.fixture(autouse=True)
def isolated_sdk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No KEEL_* from the outside, a private KEEL_HOME, and a fresh SDK client after the test."""
    for name in ("KEEL_ENDPOINT", "KEEL_API_KEY", "KEEL_DATABASE_URL", "KEEL_PRICES_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KEEL_HOME", str(tmp_path / "sdk-home"))
    yield
    keel.sdk.shutdown(timeout_s=5)
    keel.sdk.configure()


def closed_port_url() -> str:
    """Return the URL of a 127.0.0.1 port nothing listens on (connections are refused)."""
    return f"http://127.0.0.1:{free_port()}"


def stored(database: Database, run_id: str) -> RunDetail:
    """Return the stored run `run_id` with its events and tool calls (it must exist)."""
    with database.read() as session:
        detail = run_detail(session, run_id)
    assert detail is not None, f"run {run_id} was not stored"
    return detail


class ScriptedServer:
    """An HTTP server that answers batches with scripted statuses, optionally held at a gate."""

    def __init__(self, statuses: list[int] | None = None, hold: bool = False) -> None:
        self.statuses = list(statuses or [])
        self.bodies: list[dict[str, Any]] = []
        self.received = threading.Event()  # set when the first request arrives
        self.gate = threading.Event()  # requests wait here until released (when `hold`)
        if not hold:
            self.gate.set()
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                if self.headers.get("content-encoding") == "gzip":
                    body = gzip.decompress(body)
                scripted.bodies.append(json.loads(body))
                scripted.received.set()
                scripted.gate.wait(timeout=30)
                status = scripted.statuses.pop(0) if scripted.statuses else 200
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"error": {"code": "x", "message": "scripted"}}')

            def log_message(self, *_args: Any) -> None:
                pass

        return Handler

    def run_count(self) -> int:
        """Return how many runs arrived, counting re-sent ones each time."""
        return sum(len(body["runs"]) for body in self.bodies)

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()
