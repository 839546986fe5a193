"""Trace runs assemble the same however their spans arrive, on both databases."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import select

from keel.core.pricing import load_prices
from keel.core.records import RunRecord, ToolCallRecord
from keel.core.sanitize import seal_runs
from keel.ingest.otlp import SpanData
from keel.ingest.traces import runs_from_spans
from keel.store.engine import Database
from keel.store.models import Event, Run, ToolCall, utcnow
from keel.store.writes import write_runs

TRACE = "5b8efff798038103d269b633813fc60c"
T0 = 1_790_000_000_000_000_000
MS = 1_000_000
RUN_FIELDS = [
    "workflow_type",
    "created_at",
    "ended_at",
    "latency_ms",
    "model",
    "status",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost_usd",
    "tool_count",
    "error_count",
    "loop_depth",
]


def spans() -> list[SpanData]:
    def make(n: int, parent: int | None, start: int, end: int, status: int = 0, **attrs: Any):
        return SpanData(
            TRACE,
            f"{n:016x}",
            f"{parent:016x}" if parent else None,
            f"span {n}",
            T0 + start * MS,
            T0 + end * MS,
            status,
            "",
            attrs,
            [],
            "svc",
        )

    chat = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 100,
        "gen_ai.usage.output_tokens": 10,
    }
    tool = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"}
    return [
        make(
            1,
            None,
            0,
            100,
            **{"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "support"},
        ),
        make(2, 1, 5, 20, **chat),
        make(3, 1, 21, 30, **tool),
        make(4, 1, 31, 40, status=2, **tool),
        make(5, 1, 41, 60, **chat),
        make(6, 5, 45, 50, **{"db.system": "sqlite"}),
    ]


def store(database: Database, batch: list[SpanData]) -> None:
    with database.write() as session:
        write_runs(session, seal_runs(runs_from_spans(batch, load_prices())))


def stored_run(database: Database) -> dict[str, Any]:
    with database.read() as session:
        run = session.get(Run, TRACE)
        assert run is not None
        names = session.scalars(
            select(Event.name).where(Event.run_id == TRACE).order_by(Event.started_at)
        ).all()
        calls = session.scalars(select(ToolCall.span_id).where(ToolCall.run_id == TRACE)).all()
        fields = {name: getattr(run, name) for name in RUN_FIELDS}
        return {**fields, "events": list(names), "calls": sorted(calls)}


def test_one_request_derives_every_run_field(database: Database) -> None:
    store(database, spans())
    run = stored_run(database)
    assert run["status"] == "COMPLETED"
    assert run["workflow_type"] == "support"
    assert (run["total_tokens"], run["tool_count"], run["error_count"]) == (220, 2, 1)
    assert run["loop_depth"] == 1
    assert run["latency_ms"] == pytest.approx(100.0)
    assert run["events"] == [f"span {n}" for n in range(1, 7)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_spans_split_shuffled_and_resent_give_the_same_run(database: Database, seed: int) -> None:
    store(database, spans())
    whole = stored_run(database)
    with database.write() as session:
        session.query(Run).delete()
    shuffled = spans()
    random.Random(seed).shuffle(shuffled)
    for batch in (shuffled[:2], shuffled[2:4], shuffled[4:], shuffled[1:3]):
        store(database, batch)
    assert stored_run(database) == whole


def test_a_span_repeated_in_one_request_is_stored_once(database: Database) -> None:
    batch = spans()
    store(database, batch + batch[2:4])
    run = stored_run(database)
    assert len(run["events"]) == 6
    assert run["tool_count"] == 2
    assert run["error_count"] == 1


def test_a_failed_tool_call_counts_as_an_error_when_inserted_and_when_appended(
    database: Database,
) -> None:
    def failed(seq: int) -> ToolCallRecord:
        return ToolCallRecord("knowledge.search", "d", seq=seq, error="query: too long")

    run = RunRecord("tool-fails", "support", utcnow(), tool_calls=[failed(0)])
    with database.write() as session:
        write_runs(session, seal_runs([run]))
    again = RunRecord("tool-fails", "support", utcnow(), tool_calls=[failed(1)])
    with database.write() as session:
        write_runs(session, seal_runs([again]))
    with database.read() as session:
        stored = session.get(Run, "tool-fails")
        assert stored is not None and (stored.tool_count, stored.error_count) == (2, 2)
