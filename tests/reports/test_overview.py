"""The Stability Overview report on both databases, and its tool-anomaly rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from keel.core.records import RunRecord, ToolCallRecord
from keel.core.sanitize import seal_runs
from keel.reports.overview import MIN_WINDOW_CALLS, anomalies, overview_data, overview_json
from keel.store.engine import Database
from keel.store.models import Alert
from keel.store.overview import ToolHealth
from keel.store.replays import score_run
from keel.store.writes import write_runs

END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def health(calls: int, errors: int, p95_ms: float, history_p95_ms: float) -> ToolHealth:
    return ToolHealth("search", calls, errors, p95_ms, 100, 0, history_p95_ms)


def test_a_tool_is_anomalous_when_it_fails_or_slows_beyond_its_history() -> None:
    assert anomalies(health(20, 0, 100.0, 100.0)) == []
    assert anomalies(health(20, 4, 100.0, 100.0)) == ["error rate"]
    assert anomalies(health(20, 0, 200.0, 100.0)) == ["p95 latency"]
    assert anomalies(health(20, 4, 200.0, 100.0)) == ["error rate", "p95 latency"]


@given(st.integers(0, MIN_WINDOW_CALLS - 1))
def test_too_few_calls_in_the_window_are_never_anomalous(calls: int) -> None:
    assert anomalies(health(calls, calls, 1_000.0, 1.0)) == []


def seed_runs(database: Database) -> None:
    """Store twelve daily support runs, four scored; search fails in the three newest."""
    runs = []
    for i in range(12):
        at = END - timedelta(days=i)
        calls = [
            ToolCallRecord(
                "search", "0" * 64, seq=0, started_at=at, error="boom" if i < 3 else None
            ),
            ToolCallRecord("lookup", "1" * 64, seq=1, started_at=at, latency_ms=100.0),
        ]
        runs.append(RunRecord(f"r{i}", "support", at, model="m1", tool_calls=calls))
    with database.write() as session:
        write_runs(session, seal_runs(runs))
        for i in range(4):
            score_run(session, f"r{i}", 60.0 + 10 * i, None)
        session.add(
            Alert(
                dedup_key="k1",
                baseline_name="v1",
                kind="regression",
                indicator="stability",
                verdict="regression",
                workflow_type="support",
                window_end=END,
            )
        )


def test_the_overview_ends_at_the_newest_run_and_flags_the_failing_tool(
    database: Database,
) -> None:
    seed_runs(database)
    with database.read() as session:
        overview = overview_data(session, days=28, window_days=7)
    assert overview.window_end == END
    assert sum(b.count for b in overview.stability_histogram) == 4
    assert overview.unscored_runs == 8
    assert [(b.low, b.count) for b in overview.loop_depth_histogram] == [(0, 12)]
    # The window is the 7 days up to the newest run, both ends included: runs 0-7.
    assert [(t.health.tool_name, t.health.calls, t.anomalies) for t in overview.tools] == [
        ("lookup", 8, []),
        ("search", 8, ["error rate"]),
    ]
    assert [alert.indicator for alert in overview.alerts] == ["stability"]


def test_json_flattens_each_tool_with_its_rates_and_anomalies(database: Database) -> None:
    seed_runs(database)
    with database.read() as session:
        shown = overview_json(overview_data(session))
    assert shown["window_end"] == END.isoformat()
    lookup, search = shown["tools"]
    assert search["errors"] == 3 and search["error_rate"] == 3 / 8
    assert search["history_error_rate"] == 0.0 and search["anomalies"] == ["error rate"]
    assert lookup["p95_ms"] == 100.0 and lookup["anomalies"] == []
    (alert,) = shown["alerts"]
    assert alert["baseline"] == "v1" and alert["window_start"] is None
    assert alert["window_end"] == END.isoformat()
    assert [point["mean"] for point in shown["stability_over_time"]] == [90.0, 80.0, 70.0, 60.0]


def test_without_runs_every_section_is_empty(database: Database) -> None:
    with database.read() as session:
        shown = overview_json(overview_data(session))
    assert shown["window_end"] is None and shown["unscored_runs"] == 0
    assert shown["tools"] == shown["alerts"] == shown["stability_over_time"] == []
