"""The runs list report on both databases: rows as every surface shows them, page by page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from keel.core.records import RunRecord
from keel.core.sanitize import seal_runs
from keel.reports.runs import runs_data
from keel.store.engine import Database
from keel.store.runs import RunFilters
from keel.store.writes import write_runs

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def store_runs(database: Database, n: int) -> None:
    runs = [
        RunRecord(f"r{i}", "support" if i % 2 else "sql", T0 + timedelta(hours=i), model="m1")
        for i in range(n)
    ]
    with database.write() as session:
        write_runs(session, seal_runs(runs))


def test_pages_walk_every_matching_run_newest_first(database: Database) -> None:
    store_runs(database, 7)
    seen, cursor = [], None
    with database.read() as session:
        while True:
            page = runs_data(session, RunFilters(workflow_type="support"), cursor=cursor, limit=2)
            seen += [run.run_id for run in page.runs]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert seen == ["r5", "r3", "r1"]


def test_json_rows_carry_the_summary_columns(database: Database) -> None:
    store_runs(database, 1)
    with database.read() as session:
        shown = runs_data(session, RunFilters()).model_dump(mode="json")
    (row,) = shown["runs"]
    assert row["run_id"] == "r0" and row["workflow_type"] == "sql" and row["model"] == "m1"
    assert row["created_at"].startswith("2026-11-01T00:00:00")
    assert {"tool_count", "total_tokens", "cost_usd", "stability", "risk", "status"} <= set(row)
    assert shown["next_cursor"] is None
