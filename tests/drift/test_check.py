"""Baselines and drift checks over stored runs, through the real CLI, on both databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from keel.drift.simulation import Shift
from keel.store.engine import Database
from tests.drift.seeding import seed


def keel(database_url: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `keel ARGS` in a process of its own, in a terminal 80 columns wide."""
    env = {
        **os.environ,
        "KEEL_DATABASE_URL": database_url,
        "KEEL_HOME": str(home),
        "COLUMNS": "80",
    }
    return subprocess.run(
        [sys.executable, "-m", "keel", *args], env=env, capture_output=True, text=True, timeout=120
    )


class Receiver(BaseHTTPRequestHandler):
    bodies: ClassVar[list[dict[str, object]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["content-length"])
        Receiver.bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def webhook() -> Iterator[str]:
    Receiver.bodies = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/alerts"
    server.shutdown()
    server.server_close()


def test_gate_passes_unchanged_and_fails_on_a_shift(
    database: Database, database_url: str, tmp_path: Path, webhook: str
) -> None:
    seed(database, "base", 150, seed=1, day=0)
    created = keel(
        database_url,
        tmp_path,
        "baseline",
        "create",
        "v1",
        "--workflow",
        "support",
        "--until",
        "2026-10-05",
        "--no-embed",
        "--json",
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["n_runs"] == 150

    seed(database, "same", 150, seed=2, day=10)
    window = ["--since", "2026-10-05", "--until", "2026-10-20"]
    same = keel(
        database_url,
        tmp_path,
        "drift",
        "check",
        "--baseline",
        "v1",
        *window,
        "--json",
        "--webhook",
        webhook,
    )
    assert same.returncode == 0, same.stdout + same.stderr
    assert Receiver.bodies == []

    seed(database, "moved", 150, seed=3, day=30, shift=Shift("category_mix", 1.0))
    args = [
        "drift",
        "check",
        "--baseline",
        "v1",
        "--since",
        "2026-10-25",
        "--json",
        "--webhook",
        webhook,
    ]
    moved = keel(database_url, tmp_path, *args)
    assert moved.returncode == 1, moved.stdout + moved.stderr
    report = json.loads(moved.stdout)
    alerting = [i["name"] for i in report["indicators"] if i["verdict"] == "alert"]
    assert "category_mix" in alerting
    assert len(Receiver.bodies) == len(alerting) == len(report["new_alerts"])
    assert {body["indicator"] for body in Receiver.bodies} == set(alerting)

    again = keel(database_url, tmp_path, *args)
    assert again.returncode == 1
    assert json.loads(again.stdout)["new_alerts"] == []
    assert len(Receiver.bodies) == len(alerting)


def test_unknown_baseline_is_a_clear_error(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    result = keel(database_url, tmp_path, "drift", "check", "--baseline", "nope")
    assert result.returncode == 2
    assert "no baseline named 'nope'" in result.stderr


@pytest.mark.parametrize("wide", [False, True])
def test_indicator_names_come_out_whole_at_80_columns(
    database: Database, database_url: str, tmp_path: Path, wide: bool
) -> None:
    seed(database, "base", 150, seed=1, day=0)
    frozen = ["baseline", "create", "v1", "--workflow", "support", "--until", "2026-10-05"]
    assert keel(database_url, tmp_path, *frozen, "--no-embed").returncode == 0
    seed(database, "moved", 150, seed=3, day=30, shift=Shift("tool_path", 1.0))
    check = ["drift", "check", "--baseline", "v1", "--since", "2026-10-25"]
    report = json.loads(keel(database_url, tmp_path, *check, "--json").stdout)
    names = [indicator["name"] for indicator in report["indicators"]]
    assert max(map(len, names)) > 20  # e.g. tool_error_rate:<tool>

    shown = keel(database_url, tmp_path, *check, *(["--wide"] if wide else []))
    words = shown.stdout.split()
    assert all(name in words for name in names), shown.stdout
    if wide:  # the test and thresholds too, past the terminal's edge rather than cut
        assert all(indicator["test"] in words for indicator in report["indicators"])
    else:
        assert max(len(line) for line in shown.stdout.splitlines()) <= 80
