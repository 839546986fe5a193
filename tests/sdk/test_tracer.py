"""trace_run through a real keel server and in-process, on both databases."""

from __future__ import annotations

import asyncio
import threading

import pytest

import keel
import keel.sdk
from keel.core.pricing import load_prices
from keel.core.redaction import args_digest
from keel.store.engine import Database
from tests.conftest import LiveServer
from tests.sdk.conftest import stored


class HostError(Exception):
    """An exception of the host program, which the SDK must pass through untouched."""


def test_traced_run_lands_with_its_events_tool_calls_and_totals(
    live_server: LiveServer, database: Database
) -> None:
    keel.configure(endpoint=live_server.url)
    args = {"query": "wire cut-off", "k": 3, "api_key": "sk-abcdefghijklmnop"}
    with keel.trace_run(
        workflow_type="support", model="gpt-4o-mini", inputs={"ticket": "When do wires cut off?"}
    ) as run:
        run.llm_call(name="plan", input_tokens=120, output_tokens=30, cost_usd=0.002)
        run.event("retrieval", name="kb", payload={"ids": ["kb-1", "kb-7"]})
        run.tool_call("knowledge.search", args, result={"ids": ["kb-1"]}, latency_ms=12.5)
        run.llm_call(name="answer", input_tokens=200, output_tokens=80, cost_usd=0.004)
        run.set_output({"answer": "16:00 ET"})
    assert keel.flush(timeout_s=30)
    assert keel.sdk.stats().sent == 1

    detail = stored(database, run.run_id)
    assert detail.run.status == "COMPLETED" and detail.run.source == "sdk"
    assert (detail.run.input_tokens, detail.run.output_tokens) == (320, 110)
    assert detail.run.total_tokens == 430
    assert detail.run.cost_usd == pytest.approx(0.006)
    assert (detail.run.tool_count, detail.run.loop_depth) == (1, 1)
    assert detail.run.model == "gpt-4o-mini" and detail.run.latency_ms is not None
    assert detail.run.inputs == {"ticket": "When do wires cut off?"}
    assert detail.run.output == {"answer": "16:00 ET"}
    assert [(e.event_type, e.name) for e in detail.events] == [
        ("llm", "plan"),
        ("retrieval", "kb"),
        ("llm", "answer"),
    ]
    assert detail.events[0].model == "gpt-4o-mini" and detail.events[0].started_at is not None
    call = detail.tool_calls[0]
    assert call.tool_name == "knowledge.search" and call.latency_ms == pytest.approx(12.5)
    assert call.args_digest == args_digest(args)
    assert "wire cut-off" in call.args_preview and "sk-abcdefghijklmnop" not in call.args_preview
    assert call.result_meta["type"] == "dict"


def test_llm_cost_comes_from_the_price_table_unless_given(
    live_server: LiveServer, database: Database
) -> None:
    keel.configure(endpoint=live_server.url)
    with keel.trace_run(workflow_type="support", model="gpt-4o-mini", run_id="priced") as run:
        run.llm_call(input_tokens=1_000_000, output_tokens=200_000)
        run.llm_call(model="in-house-7b", input_tokens=500)
        run.llm_call(input_tokens=10, cost_usd=0.5)
    assert keel.flush(timeout_s=30)
    expected = load_prices().cost_usd("gpt-4o-mini", 1_000_000, 200_000)
    assert expected is not None and expected > 0
    events = stored(database, "priced").events
    assert events[0].cost_usd == pytest.approx(expected)
    assert events[0].payload["cost_source"] == "price_table"
    assert events[1].cost_usd == 0 and "cost_source" not in events[1].payload
    assert events[2].cost_usd == 0.5 and events[2].payload["cost_source"] == "provided"
    assert stored(database, "priced").run.cost_usd == pytest.approx(expected + 0.5)


def test_exception_inside_trace_run_propagates_unchanged_and_run_is_failed(
    live_server: LiveServer, database: Database
) -> None:
    keel.configure(endpoint=live_server.url)
    error = HostError("ledger unavailable")

    def agent() -> None:
        with keel.trace_run(workflow_type="support", run_id="host-fails") as run:
            run.llm_call(input_tokens=10, output_tokens=2)
            raise error

    with pytest.raises(HostError) as caught:
        agent()
    assert caught.value is error
    assert caught.traceback[-1].name == "agent"
    assert keel.flush(timeout_s=30)
    detail = stored(database, "host-fails")
    assert detail.run.status == "FAILED"
    assert detail.run.error == "HostError: ledger unavailable"
    assert detail.run.total_tokens == 12


def test_run_inside_a_run_names_it_as_parent(live_server: LiveServer, database: Database) -> None:
    keel.configure(endpoint=live_server.url)
    with keel.trace_run(workflow_type="router", run_id="outer"):
        with keel.trace_run(workflow_type="support", run_id="inner") as inner:
            assert keel.current_run() is inner
        assert keel.current_run() is not None and keel.current_run().run_id == "outer"
    assert keel.current_run() is None
    assert keel.flush(timeout_s=30)
    assert stored(database, "inner").run.parent_run_id == "outer"
    assert stored(database, "outer").run.parent_run_id is None


def test_concurrent_runs_in_threads_and_tasks_keep_their_own_steps(
    live_server: LiveServer, database: Database
) -> None:
    keel.configure(endpoint=live_server.url)

    @keel.tool
    def lookup(key: str) -> str:
        return key.upper()

    async def task_run(index: int) -> None:
        async with keel.trace_run(workflow_type="support", run_id=f"task-{index}") as run:
            for step in range(3):
                await asyncio.sleep(0)  # let the other tasks interleave
                run.llm_call(input_tokens=index)
                lookup(f"task-{index}-{step}")

    def thread_run(index: int) -> None:
        with keel.trace_run(workflow_type="support", run_id=f"thread-{index}") as run:
            for step in range(3):
                run.llm_call(input_tokens=index)
                lookup(f"thread-{index}-{step}")

    async def main() -> None:
        await asyncio.gather(*(task_run(index) for index in range(1, 5)))

    threads = [threading.Thread(target=thread_run, args=(index,)) for index in range(1, 5)]
    for thread in threads:
        thread.start()
    asyncio.run(main())
    for thread in threads:
        thread.join()
    assert keel.flush(timeout_s=30)
    for kind in ("task", "thread"):
        for index in range(1, 5):
            detail = stored(database, f"{kind}-{index}")
            assert detail.run.input_tokens == 3 * index
            previews = [call.args_preview for call in detail.tool_calls]
            assert previews == [f'{{"key":"{kind}-{index}-{step}"}}' for step in range(3)]


def test_in_process_mode_writes_straight_to_the_database(database: Database) -> None:
    keel.configure(endpoint="", database_url=database.url)
    with keel.trace_run(workflow_type="sql_analysis", model="offline", run_id="local-1") as run:
        run.llm_call(input_tokens=40, output_tokens=10, cost_usd=0.001)
        run.tool_call("db.query", {"sql": "select 1"}, error="timeout", latency_ms=3.0)
    assert keel.flush(timeout_s=30)
    detail = stored(database, "local-1")
    assert detail.run.source == "sdk" and detail.run.total_tokens == 50
    assert detail.tool_calls[0].error == "timeout"
    assert keel.sdk.stats().sent == 1


def test_a_run_the_server_refuses_does_not_sink_its_batch(
    live_server: LiveServer, database: Database
) -> None:
    keel.configure(endpoint=live_server.url, flush_interval_s=60)
    for run_id, workflow in (("ok-1", "support"), ("bad", "w" * 100), ("ok-2", "support")):
        with keel.trace_run(workflow_type=workflow, run_id=run_id) as run:
            run.llm_call(input_tokens=1)
    assert keel.flush(timeout_s=30)
    stats = keel.sdk.stats()
    assert (stats.sent, stats.failed, stats.retries) == (2, 1, 0)
    assert stored(database, "ok-1").run.total_tokens == 1
    assert stored(database, "ok-2").run.total_tokens == 1


def test_a_recording_mistake_is_warned_once_and_never_raised(
    live_server: LiveServer, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    keel.configure(endpoint=live_server.url)
    with keel.trace_run(workflow_type="support", run_id="sloppy") as run:
        run.event("llm", input_tokens="many")  # type: ignore[arg-type]
        run.event("llm", input_tokens=object())  # type: ignore[arg-type]
        run.llm_call(input_tokens=5)
    assert keel.flush(timeout_s=30)
    assert stored(database, "sloppy").run.input_tokens == 5
    warnings = [r.getMessage() for r in caplog.records if r.name == "keel.sdk"]
    assert len(warnings) == 1 and "could not record event" in warnings[0]


def test_a_run_that_cannot_be_serialised_is_dropped_not_raised() -> None:
    keel.configure(endpoint="http://127.0.0.1:9")
    circular: dict[str, object] = {}
    circular["self"] = circular
    with keel.trace_run(workflow_type="support") as run:
        run.set_output(circular)
    assert keel.sdk.stats().dropped == 1
    assert keel.sdk.stats().accepted == 0
