"""`bench/review.py` runs the agent and prints a confusion of needs_human_review against gold."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import keel

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "review.py"


# A fresh process imports torch and loads MiniLM before the 11 tickets.
@pytest.mark.slow
def test_review_bench_counts_every_ticket_once() -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(keel.__file__).resolve().parents[1])}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--every", "40"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["tickets"] == 11
    assert report["tp"] + report["fp"] + report["tn"] + report["fn"] == 11
    assert report["said_true"] == report["tp"] + report["fp"]
    assert 0.0 <= report["agreement"] <= 1.0
