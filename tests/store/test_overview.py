"""Overview aggregates on both databases: histograms, daily means, tool health with p95."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from keel.core.records import RunRecord, ToolCallRecord
from keel.core.sanitize import seal_runs
from keel.store.engine import Database
from keel.store.overview import (
    loop_depth_histogram,
    newest_run_at,
    stability_histogram,
    stability_over_time,
    tool_health,
)
from keel.store.replays import score_run
from keel.store.writes import write_runs

END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def call(tool: str, at: datetime, latency: float, error: str | None = None) -> ToolCallRecord:
    return ToolCallRecord(
        tool,
        "0" * 64,
        started_at=at,
        ended_at=at + timedelta(milliseconds=latency),
        latency_ms=latency,
        error=error,
    )


def store(database: Database, runs: list[tuple[RunRecord, float | None]]) -> None:
    with database.write() as session:
        write_runs(session, seal_runs([run for run, _ in runs]))
        for run, stability in runs:
            if stability is not None:
                score_run(session, run.run_id, stability, None)


def run(run_id: str, days_ago: float, **fields: object) -> RunRecord:
    return RunRecord(
        run_id, str(fields.pop("workflow", "support")), END - timedelta(days=days_ago), **fields
    )  # type: ignore[arg-type]


def test_empty_database_has_no_window_and_empty_histograms(database: Database) -> None:
    with database.read() as session:
        assert newest_run_at(session) is None
        bins, unscored = stability_histogram(session)
        assert [b.count for b in bins] == [0] * 10 and unscored == 0
        assert loop_depth_histogram(session) == []


def test_stability_histogram_bins_scores_and_counts_the_unscored(database: Database) -> None:
    scores = [5.0, 69.9, 70.0, 89.5, 90.0, 100.0, None]
    store(database, [(run(f"r{i}", 1), s) for i, s in enumerate(scores)])
    with database.read() as session:
        bins, unscored = stability_histogram(session)
        assert newest_run_at(session) == END - timedelta(days=1)
    counts = {(b.low, b.high): b.count for b in bins}
    assert counts[(0, 10)] == 1 and counts[(60, 70)] == 1 and counts[(70, 80)] == 1
    assert counts[(80, 90)] == 1 and counts[(90, 100)] == 2  # 100 is in the last bar
    assert sum(counts.values()) == 6 and unscored == 1


def test_daily_mean_per_workflow_and_model(database: Database) -> None:
    store(
        database,
        [
            (run("a1", 2, model="m1"), 80.0),
            (run("a2", 2, model="m1"), 60.0),
            (run("a3", 2, model="m2"), 90.0),
            (run("a4", 1, model="m1"), 50.0),
            (run("s1", 1, model="m1", workflow="sql"), 100.0),
            (run("old", 40, model="m1"), 10.0),
            (run("none", 1, model="m1"), None),
        ],
    )
    with database.read() as session:
        points = stability_over_time(session, END, days=28)
    got = {(p.day, p.workflow_type, p.model): (round(p.mean, 6), p.runs) for p in points}
    assert got == {
        ("2026-11-18", "support", "m1"): (70.0, 2),
        ("2026-11-18", "support", "m2"): (90.0, 1),
        ("2026-11-19", "support", "m1"): (50.0, 1),
        ("2026-11-19", "sql", "m1"): (100.0, 1),
    }


def test_loop_depth_histogram_counts_original_runs_only(database: Database) -> None:
    store(
        database,
        [
            (run("a", 1, loop_depth=0), None),
            (run("b", 1, loop_depth=2), None),
            (run("c", 1, loop_depth=2), None),
            (run("c-healed", 1, loop_depth=5, parent_run_id="c"), None),
        ],
    )
    with database.read() as session:
        assert [(b.low, b.count) for b in loop_depth_histogram(session)] == [(0, 1), (2, 2)]


def test_tool_health_compares_the_window_with_the_tools_own_history(database: Database) -> None:
    runs = []
    # History (8-30 days ago): 20 search calls at 100..195 ms, one failed.
    for i in range(20):
        at = END - timedelta(days=10 + i)
        runs.append(
            run(
                f"h{i}",
                10 + i,
                tool_calls=[call("search", at, 100.0 + 5 * i, "timeout" if i == 0 else None)],
            )
        )
    # Window (last 7 days): 10 search calls at 400..490 ms, three failed; one lookup.
    for i in range(10):
        at = END - timedelta(days=1, hours=i)
        calls = [call("search", at, 400.0 + 10 * i, "boom" if i < 3 else None)]
        if i == 0:
            calls.append(call("lookup", at, 30.0))
        runs.append(run(f"w{i}", 1 + i / 24, tool_calls=calls))
    store(database, [(r, None) for r in runs])
    with database.read() as session:
        end = newest_run_at(session)
        assert end is not None
        health = {t.tool_name: t for t in tool_health(session, end, 7, 28)}
    search = health["search"]
    assert (search.calls, search.errors, search.history_calls, search.history_errors) == (
        10,
        3,
        20,
        1,
    )
    assert search.error_rate == pytest.approx(0.3)
    assert search.history_error_rate == pytest.approx(0.05)
    # Nearest rank: ceil(0.95 * 10) = 10th of 400..490; ceil(0.95 * 20) = 19th of 100..195.
    assert search.p95_ms == 490.0 and search.history_p95_ms == 190.0
    lookup = health["lookup"]
    assert (lookup.calls, lookup.p95_ms, lookup.history_calls, lookup.history_p95_ms) == (
        1,
        30.0,
        0,
        None,
    )


def test_a_heal_rerun_made_today_is_not_todays_production_stability(database: Database) -> None:
    store(
        database,
        [
            (run("original", 3), 60.0),
            (run("today", 0.1), 80.0),
            (run("original-heal1", 0.1, parent_run_id="original"), 96.0),
        ],
    )
    with database.read() as session:
        days = stability_over_time(session, END)
    assert [(d.mean, d.runs) for d in days] == [(60.0, 1), (80.0, 1)]
