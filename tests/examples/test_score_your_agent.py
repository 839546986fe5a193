"""The README's "score your own agent" quickstart, run as written: serve, run, replay."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quickstart_runs_and_replays_an_agent_keel_did_not_write(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "KEEL_HOME": str(tmp_path / ".keel"),
        "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
    }
    keel = [sys.executable, "-m", "keel"]
    model = subprocess.Popen([*keel, "model", "serve", "--port", str(port)], env=env, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1).raise_for_status()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and model.poll() is None
                time.sleep(0.3)
        ran = subprocess.run(
            [sys.executable, str(REPO / "examples" / "score_your_agent.py")],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert ran.returncode == 0, ran.stderr
        run_id = ran.stdout.strip().splitlines()[-1].split()[2]
        replayed = subprocess.run(
            [*keel, "replay", run_id, "--samples", "1", "--json"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert replayed.returncode == 0, replayed.stderr
        summary = json.loads(replayed.stdout)
        assert summary["run_id"] == run_id and 0 <= summary["stability"] <= 100
        assert summary["generations"] == 5
    finally:
        model.terminate()
        model.wait(timeout=30)
