"""Page D, Stability Overview, and its JSON twin over HTTP on both databases."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from keel.core.records import RunRecord, ToolCallRecord
from keel.core.sanitize import seal_runs
from keel.store.engine import Database
from keel.store.models import Alert
from keel.store.replays import score_run
from keel.store.writes import write_runs
from tests.conftest import ApiClient

HTML = {"accept": "text/html"}
END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def seed_runs(database: Database) -> None:
    """Store ten support runs over ten days, scored, with search calls that slow down lately."""
    runs = []
    for i in range(10):
        at = END - timedelta(days=i)
        latency = 900.0 if i < 3 else 100.0
        calls = [
            ToolCallRecord("search", "0" * 64, started_at=at, latency_ms=latency) for _ in range(3)
        ]
        runs.append(
            RunRecord(f"r{i}", "support", at, model="m1", loop_depth=i % 3, tool_calls=calls)
        )
    with database.write() as session:
        write_runs(session, seal_runs(runs))
        for i in range(10):
            score_run(session, f"r{i}", 50.0 + 5 * i, None)
        session.add(
            Alert(
                dedup_key="k1",
                baseline_name="v1",
                kind="drift",
                indicator="category_share",
                verdict="alert",
                workflow_type="support",
                window_start=END - timedelta(days=7),
                window_end=END,
            )
        )


def test_overview_json_aggregates_every_section(api: ApiClient, database: Database) -> None:
    seed_runs(database)
    body = api.get("/api/v1/overview").json()
    assert body["window_end"].startswith("2026-11-20T12:00")
    assert sum(b["count"] for b in body["stability_histogram"]) == 10
    assert len(body["stability_over_time"]) == 10
    assert [(b["low"], b["count"]) for b in body["loop_depth_histogram"]] == [
        (0, 4),
        (1, 3),
        (2, 3),
    ]
    assert [a["indicator"] for a in body["alerts"]] == ["category_share"]
    (search,) = body["tools"]
    # The window is the 7 days up to the newest run, both ends included: runs 0-7.
    assert search["calls"] == 24 and search["history_calls"] == 6 and search["p95_ms"] == 900.0
    assert search["history_p95_ms"] == 100.0 and search["anomalies"] == ["p95 latency"]


def test_overview_page_draws_its_charts_and_tables(api: ApiClient, database: Database) -> None:
    seed_runs(database)
    page = api.get("/overview", headers=HTML)
    assert page.status_code == 200
    for figure in ("figure-stability", "figure-loop-depth", "figure-over-time"):
        match = re.search(rf'id="{figure}">(.*?)</script>', page.text, re.S)
        assert match is not None and json.loads(match.group(1))["data"]
    assert 'id="drift-alerts"' in page.text and 'data-tool="search"' in page.text
    assert "p95 latency</span>" in page.text
    assert 'href="/overview" aria-current="page"' in page.text


def test_empty_overview_says_what_to_do(api: ApiClient, database: Database) -> None:
    page = api.get("/overview", headers=HTML)
    assert page.status_code == 200 and 'id="overview-empty"' in page.text
    assert "make demo" in page.text and "keel replay" in page.text
    body = api.get("/api/v1/overview").json()
    assert body["window_end"] is None and body["tools"] == [] and body["alerts"] == []
    bad = api.get("/api/v1/overview?days=0")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "days"


def test_a_workflow_missing_a_day_is_not_joined_across_it_and_has_a_legend(
    api: ApiClient, database: Database
) -> None:
    runs = [RunRecord(f"s{i}", "support", END - timedelta(days=i), model="m1") for i in (0, 2)]
    runs.append(RunRecord("q1", "sql", END - timedelta(days=1), model="m2"))
    with database.write() as session:
        write_runs(session, seal_runs(runs))
        for run in runs:
            score_run(session, run.run_id, 80.0, None)
    page = api.get("/overview", headers=HTML)
    match = re.search(r'id="figure-over-time">(.*?)</script>', page.text, re.S)
    assert match is not None
    figure = json.loads(match.group(1))
    assert figure["layout"]["showlegend"] is True
    lines = {trace["name"]: trace for trace in figure["data"]}
    support = lines["support · m1"]
    assert support["y"] == [80.0, None, 80.0] and support["connectgaps"] is False
    assert lines["sql · m2"]["y"] == [None, 80.0, None]
