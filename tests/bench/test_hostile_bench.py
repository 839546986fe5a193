"""`bench/hostile.py --quick` on SQLite: no secret in the raw file, JSON arguments parse, no 5xx,
no good run or span lost next to a bad one (the full run, on both databases, is in
docs/security.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import keel

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_hostile_bench_finds_no_secret_no_5xx_and_loses_nothing() -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(keel.__file__).resolve().parents[1])}
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "hostile.py"), "--database", "sqlite", "--quick"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (report,) = json.loads(done.stdout)
    redaction = report["redaction"]
    assert redaction["found_in_clear"] == []
    assert set(redaction["stored_runs"]) >= {"hostile-sdk", "hostile-batch", "hostile-otlp", "mcp"}
    assert report["json_arguments"]["checked"] > 50 and report["json_arguments"]["unparseable"] == 0
    hostile = report["hostile_inputs"]
    assert hostile["cases"] >= 50 and hostile["server_errors"] == []
    assert hostile["companions_lost"] == []
    assert report["cpu_4mb_answer"]["inside_write_tx_s"] < 0.5
    assert report["sql_guard"]["nested_2500_refused_s"] < 0.5
