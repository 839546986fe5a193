"""The `ClientSession` wrapper keel's agents use, against a real MCP server process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from mcp import ClientSession, MCPError, stdio_client

from keel.core.records import RunStatus
from keel.core.redaction import args_digest
from keel.mcp.recorder import ListRecorder, Recorder
from keel.mcp.session import capture
from keel.mcp.store_recorder import StoreRecorder
from keel.store.engine import Database
from keel.store.runs import run_detail
from tests.mcp.conftest import direct


async def _calls(server: Path, recorder: Recorder) -> None:
    async with stdio_client(direct(server)) as (read, write), ClientSession(read, write) as raw:
        await raw.initialize()
        session = capture(raw, recorder)
        await asyncio.gather(
            session.call_tool("slow", {"seconds": 0.3, "label": "a"}),
            session.call_tool("slow", {"seconds": 0.3, "label": "b"}),
        )
        await session.call_tool("fail", {"reason": "boom"})
        with pytest.raises(MCPError):
            await session.call_tool("reject", {"why": "not today"})
        with pytest.raises(MCPError, match="timed out"):
            await session.call_tool("slow", {"seconds": 30, "label": "late"}, 0.3)
        assert (await session.list_tools()).tools  # everything else passes through


def test_captured_session_records_results_tool_errors_and_rpc_errors(tiny_server: Path) -> None:
    recorder = ListRecorder()
    asyncio.run(asyncio.wait_for(_calls(tiny_server, recorder), 60))
    by_label = {call.args_preview: call for call in recorder.calls}
    first = by_label['{"label":"a","seconds":0.3}']
    second = by_label['{"label":"b","seconds":0.3}']
    assert first.started_at < second.ended_at and second.started_at < first.ended_at
    assert first.server == "tiny-slow" and first.error is None
    assert first.args_digest == args_digest({"seconds": 0.3, "label": "a"})
    failed = by_label['{"reason":"boom"}']
    assert failed.result_meta["outcome"] == "tool_error"
    assert failed.error == "Error executing tool fail"
    rejected = by_label['{"why":"not today"}']
    assert rejected.result_meta == {"outcome": "rpc_error", "is_error": True, "error_code": -32602}
    assert rejected.error == "JSON-RPC error -32602: not today"
    late = by_label['{"label":"late","seconds":30}']
    assert late.result_meta["outcome"] == "rpc_error" and late.result_meta["error_code"] == -32001
    assert late.latency_ms is not None and late.latency_ms < 30_000


def test_captured_session_writes_its_calls_to_the_store(
    database: Database, tiny_server: Path
) -> None:
    recorder = StoreRecorder(database, "agent-1", workflow_type="support").open()
    asyncio.run(asyncio.wait_for(_calls(tiny_server, recorder), 60))
    recorder.close(RunStatus.COMPLETED)
    with database.read() as session:
        detail = run_detail(session, "agent-1")
    assert detail is not None
    assert (detail.run.status, detail.run.workflow_type, detail.run.tool_count) == (
        "COMPLETED",
        "support",
        5,
    )
    assert sorted(call.tool_name for call in detail.tool_calls) == [
        "fail",
        "reject",
        "slow",
        "slow",
        "slow",
    ]
