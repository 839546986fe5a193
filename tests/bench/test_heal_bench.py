"""`bench/heal.py` finds unstable runs among labelled tickets and heals at least half of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import keel

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "heal.py"
FLOOR = 0.5  # issue 5: self-heal raises stability above threshold on at least half


# A fresh process imports torch and loads MiniLM (about 17 s of CPU) before the 12 tickets.
@pytest.mark.slow
def test_heal_bench_heals_at_least_half_of_the_unstable_runs() -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(keel.__file__).resolve().parents[1])}
    command = [sys.executable, str(SCRIPT), "--tickets", "12", "--group", "ambiguous"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["replayed"] == 12
    assert report["unstable"] >= 2, report  # the calibrated sampler makes ambiguous runs waver
    assert report["healed_share"] >= FLOOR, report
    for run in report["runs"]:
        assert run["before"] < 70.0
        # healed: stable again, and the rerun did what its findings asked (citations included)
        assert run["healed"] == (run["after"] >= 70.0 and not run["unresolved"])
