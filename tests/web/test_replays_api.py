"""Replays over HTTP and from the CLI, on a run of the user's own agent, on both databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import keel
from keel.core.records import RunRecord
from keel.core.sanitize import seal_runs
from keel.store.engine import Database
from keel.store.models import utcnow
from keel.store.runs import RunFilters, runs_page
from keel.store.writes import write_runs
from tests.conftest import ApiClient
from tests.replay import user_agent

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def user_run(database: Database) -> Iterator[str]:
    keel.configure(endpoint="", database_url=database.url, flush_interval_s=0.05)
    user_agent.answer("Be concise.", "What fee do I pay at another ATM?", ["fees"], ["search"])
    assert keel.flush(10)
    keel.configure()
    with database.read() as session:
        yield runs_page(session, RunFilters(workflow_type="byo-support")).runs[0].run_id


def test_replay_job_reports_progress_then_its_stability(api: ApiClient, user_run: str) -> None:
    started = api.post(f"/api/v1/runs/{user_run}/replays", json={"samples": 1, "seed": 4})
    assert started.status_code == 202, started.text
    location = started.headers["location"]
    deadline = time.monotonic() + 120
    while True:
        body = api.get(location).json()
        if body["status"] in ("completed", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert body["status"] == "completed", body
    assert body["progress"] == {"done": 4, "total": 4}
    assert [r["perturbation"] for r in body["replays"]] == ["seed", "P1", "P2", "P3"]
    assert 0 <= body["result"]["stability"]["score"] <= 100
    run = api.get(f"/api/v1/runs/{user_run}").json()
    assert run["stability"] == pytest.approx(body["result"]["stability"]["score"])
    listed = api.get(f"/api/v1/runs/{user_run}/replays").json()
    assert [item["replay_set_id"] for item in listed] == [body["replay_set_id"]]


def test_a_run_keel_cannot_re_execute_is_a_409(api: ApiClient, database: Database) -> None:
    with database.write() as session:
        record = RunRecord(run_id="ext-1", workflow_type="otel", created_at=utcnow(), source="otlp")
        write_runs(session, seal_runs([record]))
    response = api.post("/api/v1/runs/ext-1/replays", json={})
    assert response.status_code == 409
    assert "cannot be replayed" in response.json()["error"]["message"]
    assert api.post("/api/v1/runs/nope/replays", json={}).status_code == 404
    assert api.get("/api/v1/replays/nope").status_code == 404


def test_cli_replay_prints_the_breakdown_as_json(
    database_url: str, user_run: str, tmp_path: Path
) -> None:
    env = {**os.environ, "KEEL_DATABASE_URL": database_url, "KEEL_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "keel", "replay", user_run, "--samples", "1", "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["run_id"] == user_run
    assert set(summary["components"]) >= {"semantic", "structural", "trajectory"}
    assert [row["perturbation"] for row in summary["sensitivity"]] == ["seed", "P1", "P2", "P3"]
