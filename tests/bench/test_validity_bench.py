"""`bench/validity.py` runs end to end on a few tickets and prints every figure docs quote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import keel

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "validity.py"
PREDICTORS = ("stability", "semantic", "structural", "trajectory", "mean_cosine", "answer_length")
# The score with S_traj recomputed from the same budget (docs/metrics.md): experiments only.
VARIANTS = ("stability_unconstrained", "stability_names", "stability_names_unconstrained")


# A fresh process imports torch and loads MiniLM before the 6 tickets (about 20 s here).
@pytest.mark.slow
def test_validity_bench_prints_correlations_intervals_and_reliability(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(keel.__file__).resolve().parents[1])}
    rows = tmp_path / "rows.jsonl"
    options = ["--tickets", "6", "--reruns", "4", "--samples", "1", "--rows", str(rows)]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["tickets"] == 6 and report["replays_per_budget"] == 4
    for name in PREDICTORS:
        low, high = report[name]["rho_ci95"]
        assert -1.0 <= low <= high <= 1.0
        assert 0.0 <= report[name]["auroc_flip"] <= 1.0
    assert report["test_retest_icc"]["icc3_1"] <= 1.0
    written = [json.loads(line) for line in rows.read_text().splitlines()]
    for name in VARIANTS:
        assert 0.0 <= report[name]["auroc_flip"] <= 1.0
        assert all(0.0 <= r[name] <= 100.0 for r in written)
    assert [r["ticket_id"] for r in written] == [f"T-{n:04d}" for n in (1, 69, 137, 205, 273, 341)]
    again = subprocess.run(
        [sys.executable, str(SCRIPT), "--from-rows", str(rows), "--reruns", "4", "--samples", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads(again.stdout)["stability"] == report["stability"]
