"""`bench/validity.py` runs end to end on a few tickets and prints every figure docs quote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import keel
from tests.conftest import free_port

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "validity.py"
PREDICTORS = ("stability", "semantic", "structural", "trajectory", "mean_cosine", "answer_length")
# The score with S_traj recomputed from the same budget (docs/metrics.md): experiments only.
VARIANTS = ("stability_unconstrained", "stability_names", "stability_names_unconstrained")


def _run(*options: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(keel.__file__).resolve().parents[1])}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def _in_unit(value: float | None) -> bool:
    return value is None or 0.0 <= value <= 1.0


# A fresh process imports torch and loads MiniLM before the 6 tickets (about 20 s here).
@pytest.mark.slow
def test_validity_bench_prints_ceiling_calibration_intervals_and_reliability(
    tmp_path: Path,
) -> None:
    rows, diagram = tmp_path / "rows.jsonl", tmp_path / "d.svg"
    options = ["--tickets-limit", "6", "--reruns", "4", "--samples", "1", "--json"]
    done = _run(*options, "--rows", str(rows), "--diagram", str(diagram))
    report = json.loads(done.stdout)
    assert report["tickets"] == 6 and report["replays_per_budget"] == 4
    assert report["fit_half_tickets"] + report["report_half_tickets"] == 6
    for name in (*PREDICTORS, "ceiling"):
        figures = report["predictors"][name]
        if figures["rho_ci95"] is not None:
            low, high = figures["rho_ci95"]
            assert -1.0 <= low <= high <= 1.0
        assert _in_unit(figures["auroc_flip"])
    for name in ("stability", "structural", "ceiling"):
        raw = report["predictors"][name]["calibration"]["raw"]
        assert _in_unit(raw["ece"]) and _in_unit(raw["brier"])
    assert sum(b["count"] for b in report["reliability_bins"]["raw_score"]) == 6
    assert report["test_retest_icc"]["icc3_1"] <= 1.0
    assert diagram.read_text().startswith("<svg")
    written = [json.loads(line) for line in rows.read_text().splitlines()]
    for row in written:
        assert len(row["decisions_ceiling"]) == 5 and len(row["decisions_reference"]) == 4
        assert row["runs"] == 1 + 2 * 4 + 5 + 4
        assert all(0.0 <= row[name] <= 100.0 for name in VARIANTS)
    assert [r["ticket_id"] for r in written] == [f"T-{n:04d}" for n in (1, 69, 137, 205, 273, 341)]
    again = _run("--from-rows", str(rows), "--json", timeout=120)
    assert json.loads(again.stdout)["predictors"] == report["predictors"]


@pytest.mark.slow
def test_validity_bench_reads_a_users_tickets(tmp_path: Path) -> None:
    tickets = tmp_path / "mine.jsonl"
    lines = [
        {"ticket_id": "mine-1", "text": "How do I raise my ATM withdrawal limit?"},
        {"ticket_text": "Someone used my card abroad, I did not make these payments."},
    ]
    tickets.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    rows = tmp_path / "rows.jsonl"
    options = ["--tickets", str(tickets), "--reruns", "2", "--samples", "1", "--rows", str(rows)]
    done = _run(*options)
    assert "2 tickets" in done.stdout and "| stability |" in done.stdout
    written = [json.loads(line) for line in rows.read_text().splitlines()]
    assert [r["ticket_id"] for r in written] == ["mine-1", "line-2"]
    assert all(r["source"] == str(tickets) for r in written)
    # --resume keeps what the rows file holds and measures only the ticket added since
    with tickets.open("a") as more:
        more.write(json.dumps({"ticket_id": "mine-3", "text": "Why was I charged a fee?"}) + "\n")
    resumed = _run(*options, "--resume", "--json")
    lines_after = rows.read_text().splitlines()
    assert lines_after[:2] == [json.dumps(row) for row in written]
    assert [json.loads(line)["ticket_id"] for line in lines_after] == ["mine-1", "line-2", "mine-3"]
    assert json.loads(resumed.stdout)["tickets"] == 3
    assert "mine-1" not in resumed.stderr and "mine-3" in resumed.stderr
    # a different design (budget sizes) never mixes into the same rows
    other = subprocess.run(
        [sys.executable, str(SCRIPT), *options[:2], "--reruns", "3", *options[4:], "--resume"],
        env={**os.environ, "PYTHONPATH": str(Path(keel.__file__).resolve().parents[1])},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert other.returncode != 0 and "measured as" in other.stderr


def test_a_model_that_does_not_answer_stops_the_study_and_writes_no_row(tmp_path: Path) -> None:
    """Every run of an unreachable model fails alike: scored, that would read as perfect
    agreement (it once filled 38 rows). The study must stop instead, naming the failure."""
    rows = tmp_path / "rows.jsonl"
    model = f"openai:any@http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    env = {**os.environ, "PYTHONPATH": str(Path(keel.__file__).resolve().parents[1])}
    options = ["--model", model, "--tickets-limit", "2", "--reruns", "2", "--samples", "1"]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *options, "--rows", str(rows)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode != 0
    assert "the base run FAILED" in done.stderr, done.stderr[-2000:]
    assert not rows.exists() or rows.read_text() == ""
