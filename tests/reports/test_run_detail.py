"""The run detail report on both databases: one run with everything its page shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from keel.auth.keys import Principal
from keel.core.errors import NotFound
from keel.core.records import EventRecord, RunRecord, ToolCallRecord
from keel.core.sanitize import seal_runs
from keel.govern.review import parse_review, record_review
from keel.reports.run_detail import run_detail_data, run_out
from keel.store.engine import Database
from keel.store.replays import create_replay_set, finish_replay_set
from keel.store.writes import write_runs

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def store_run(database: Database) -> None:
    run = RunRecord(
        "r1",
        "support",
        T0,
        output={"category": "TAX", "answer": "Form 1099-INT."},
        events=[EventRecord(event_type="llm", seq=0, started_at=T0)],
        tool_calls=[
            ToolCallRecord("search", "0" * 64, seq=0, started_at=T0 + timedelta(seconds=1))
        ],
    )
    with database.write() as session:
        write_runs(session, seal_runs([run]))
        record_review(
            session,
            "r1",
            parse_review({"decision": "escalate", "reason": "unsure"}),
            Principal(None, "tester", None),
        )
        create_replay_set(session, "rs-old", "r1", 0, ["P1"], 1, 2)
        finish_replay_set(session, "rs-old", {"stability": {"score": 81.5}})


def test_the_report_holds_the_run_its_decisions_and_replay_sets(database: Database) -> None:
    store_run(database)
    with database.read() as session:
        report = run_detail_data(session, "r1")
    assert [call.tool_name for call in report.detail.tool_calls] == ["search"]
    assert [review.decision for review in report.reviews] == ["escalate"]
    assert [replay_set.set_id for replay_set in report.replay_sets] == ["rs-old"]


def test_json_carries_the_replay_sets_the_page_lists(database: Database) -> None:
    store_run(database)
    with database.read() as session:
        shown = run_out(run_detail_data(session, "r1")).model_dump(mode="json")
    assert shown["output"]["category"] == "TAX"
    assert [event["event_type"] for event in shown["events"]] == ["llm"]
    assert shown["reviews"][0]["reviewer"] == "tester"
    (replay_set,) = shown["replay_sets"]
    assert replay_set["replay_set_id"] == "rs-old" and replay_set["stability"] == 81.5
    assert replay_set["status"] == "completed" and replay_set["total"] == 2


def test_an_unknown_run_is_not_found(database: Database) -> None:
    with database.read() as session, pytest.raises(NotFound, match="nope"):
        run_detail_data(session, "nope")
