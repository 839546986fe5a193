"""`bench/replay.py` runs on one ticket and prints the figures docs/benchmarks.md quotes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import keel

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "replay.py"
KEYS = {
    "tickets",
    "replays_per_budget",
    "budget_s_p50",
    "budget_s_p95",
    "budget_cpu_s_mean",
    "share_model",
    "share_outside_model",
    "share_breakdown",
    "embedding",
    "per_ticket",
    "load_average_1m",
}


# About 17 s of CPU, most of it importing torch and loading MiniLM in a fresh process (34 s of
# wall time with load average 5 on 2 cores), hence the marker.
@pytest.mark.slow
def test_replay_bench_on_one_ticket_prints_budget_time_shares_and_throughput() -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(keel.__file__).resolve().parents[1])}
    options = ["--tickets", "1", "--samples", "1", "--embedding-texts", "16"]
    command = [sys.executable, str(SCRIPT), *options]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report.keys() >= KEYS
    assert report["tickets"] == 1 and report["replays_per_budget"] == 4
    ticket = report["per_ticket"][0]
    # The model was really called and timed: two steps (plan, draft) per replay at least.
    assert ticket["model_calls"] >= 2 * 4 and ticket["model_s"] > 0
    assert 0.0 < report["share_model"] < 1.0
    assert 0.0 <= report["share_breakdown"]["rest_agent_steps_engine"] < 1.0
    assert report["embedding"]["embedder_texts_per_s"] > 0
