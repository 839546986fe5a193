"""Native ingestion and the runs API, over HTTP on both databases."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from keel.core.settings import Settings
from keel.store.engine import Database
from keel.store.models import Event, Run, ToolCall
from tests.conftest import ApiClient, api_client


def make_run(run_id: str, **overrides: Any) -> dict[str, Any]:
    run = {
        "run_id": run_id,
        "workflow_type": "support",
        "model": "offline-sampler",
        "created_at": "2026-11-01T10:00:00Z",
        "events": [
            {
                "seq": 0,
                "event_type": "llm",
                "name": "planner",
                "input_tokens": 50,
                "output_tokens": 10,
                "cost_usd": 0.001,
                "started_at": "2026-11-01T10:00:00Z",
            },
            {
                "seq": 1,
                "event_type": "llm",
                "name": "draft",
                "input_tokens": 70,
                "output_tokens": 30,
                "cost_usd": 0.002,
                "started_at": "2026-11-01T10:00:01Z",
            },
        ],
        "tool_calls": [
            {
                "seq": 0,
                "tool_name": "knowledge.search",
                "args": {"query": "wire cut-off", "k": 3},
                "latency_ms": 12.5,
                "result_meta": {"size": 300},
            },
        ],
    }
    run.update(overrides)
    return run


def count(database: Database, table: Any) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_batch_stores_runs_with_totals(api: ApiClient, database: Database) -> None:
    response = api.post("/api/v1/runs:batch", json={"runs": [make_run("r1"), make_run("r2")]})
    assert response.status_code == 200, response.text
    assert response.json()["runs"] == {"inserted": 2, "duplicate": 0}
    run = api.get("/api/v1/runs/r1").json()
    assert run["total_tokens"] == 160
    assert run["tool_count"] == 1
    assert run["cost_usd"] == pytest.approx(0.003)
    assert [event["name"] for event in run["events"]] == ["planner", "draft"]
    assert run["tool_calls"][0]["args_digest"] and len(run["tool_calls"][0]["args_digest"]) == 64


def test_resending_a_batch_stores_it_once(api: ApiClient, database: Database) -> None:
    batch = {"runs": [make_run("r1")]}
    api.post("/api/v1/runs:batch", json=batch).raise_for_status()
    again = api.post("/api/v1/runs:batch", json=batch).json()
    assert again["runs"] == {"inserted": 0, "duplicate": 1}
    assert again["events"] == {"inserted": 0, "duplicate": 2}
    assert again["tool_calls"] == {"inserted": 0, "duplicate": 1}
    assert count(database, Event) == 2
    assert count(database, ToolCall) == 1


def test_batch_with_one_bad_run_stores_nothing(api: ApiClient, database: Database) -> None:
    bad = make_run("r4")
    bad["events"][0]["seq"] = "first"
    runs = [make_run("r1"), make_run("r2"), make_run("r3"), bad]
    response = api.post("/api/v1/runs:batch", json={"runs": runs})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "runs[3].events[0].seq"
    assert error["code"] == "invalid_input"
    assert count(database, Run) == 0


def test_repeated_seq_in_a_run_is_refused(api: ApiClient, database: Database) -> None:
    run = make_run("r1")
    run["events"][1]["seq"] = 0
    response = api.post("/api/v1/runs:batch", json={"runs": [run]})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "runs[0]"
    assert count(database, Run) == 0


def test_secrets_in_args_never_reach_the_database(api: ApiClient, database: Database) -> None:
    run = make_run("r1")
    run["tool_calls"][0]["args"] = {"card": "4111 1111 1111 1111", "password": "hunter2"}
    api.post("/api/v1/runs:batch", json={"runs": [run]}).raise_for_status()
    with database.read() as session:
        preview = session.scalar(select(ToolCall.args_preview))
    assert preview is not None
    assert "4111 1111 1111 1111" not in preview and "hunter2" not in preview
    assert "****1111" in preview


def test_body_over_the_limit_is_413(settings: Settings, database: Database) -> None:
    small = settings.model_copy(update={"max_request_bytes": 2_000})
    with api_client(small, database) as api:
        runs = [make_run(f"r{i}") for i in range(20)]
        response = api.post("/api/v1/runs:batch", json={"runs": runs})
        assert response.status_code == 413
        zipped = gzip.compress(json.dumps({"runs": runs}).encode())
        assert len(zipped) < 2_000
        response = api.post(
            "/api/v1/runs:batch",
            content=zipped,
            headers={"content-encoding": "gzip", "content-type": "application/json"},
        )
        assert response.status_code == 413
    assert count(database, Run) == 0


def test_writes_need_the_bearer_key_when_one_is_set(settings: Settings, database: Database) -> None:
    locked = Settings(home=settings.home, database_url=settings.database_url, api_key="s3cret-key")
    with api_client(locked, database) as api:
        url = "/api/v1/runs:batch"
        batch = {"runs": [make_run("r1")]}
        assert api.post(url, json=batch).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert api.post(url, json=batch, headers=wrong).status_code == 401
        right = {"Authorization": "Bearer s3cret-key"}
        assert api.post(url, json=batch, headers=right).status_code == 200


def test_list_sorts_filters_and_paginates(api: ApiClient, database: Database) -> None:
    runs = [
        make_run(
            f"r{i:02d}",
            workflow_type="sql" if i % 3 == 0 else "support",
            created_at=f"2026-11-{i + 1:02d}T00:00:00Z",
            events=[{"seq": 0, "event_type": "llm", "input_tokens": i * 10}],
        )
        for i in range(12)
    ]
    api.post("/api/v1/runs:batch", json={"runs": runs}).raise_for_status()
    url = "/api/v1/runs"
    sql = api.get(url, params={"workflow_type": "sql"}).json()["runs"]
    assert sorted(run["run_id"] for run in sql) == ["r00", "r03", "r06", "r09"]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"sort": "total_tokens", "order": "asc", "limit": 5}
        if cursor:
            params["cursor"] = cursor
        page = api.get(url, params=params).json()
        seen += [run["run_id"] for run in page["runs"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"r{i:02d}" for i in range(12)]


def test_unknown_run_is_a_json_404(api: ApiClient) -> None:
    response = api.get("/api/v1/runs/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_healthz_answers(api: ApiClient, dialect: str) -> None:
    body = api.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"] == dialect
