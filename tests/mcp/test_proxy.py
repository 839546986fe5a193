"""`keel mcp proxy` between real clients and real MCP server processes, on both databases."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, MCPError, stdio_client

from keel.core.records import RunRecord
from keel.core.redaction import args_digest
from keel.core.sanitize import seal_runs
from keel.store.engine import Database
from keel.store.runs import RunDetail, run_detail
from keel.store.writes import write_runs
from tests.mcp.conftest import KEEL_CLI, keel_env, proxied, proxy_command

BOUND_S = 60  # every scenario must finish well within this, or it hangs


def _detail(database: Database, run_id: str) -> RunDetail:
    with database.read() as session:
        detail = run_detail(session, run_id)
    assert detail is not None, f"run {run_id} was not recorded"
    return detail


def _run(scenario: Any) -> Any:
    return asyncio.run(asyncio.wait_for(scenario, BOUND_S))


def test_proxy_records_every_tools_call_of_an_sdk_client(
    database: Database, database_url: str, tiny_server: Path, tmp_path: Path
) -> None:
    card_args = {"seconds": 0, "label": "card 4111 1111 1111 1111"}

    async def scenario() -> list[Any]:
        params = proxied([sys.executable, str(tiny_server)], database_url, tmp_path, "run-sdk")
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            results = [
                await session.call_tool("slow", card_args),
                await session.call_tool("fail", {"reason": "boom"}),
                await session.call_tool("nope", {}),
            ]
            with pytest.raises(MCPError, match="timed out"):
                slow = {"seconds": 30, "label": "late"}
                await session.call_tool("slow", slow, read_timeout_seconds=0.5)
            return results

    ok, failed, unknown = _run(scenario())
    assert ok.content[0].text == "done card 4111 1111 1111 1111"  # the client sees it unchanged
    detail = _detail(database, "run-sdk")
    assert detail.run.status == "COMPLETED"
    assert detail.run.workflow_type == "mcp"
    assert detail.run.tool_count == 4
    calls = detail.tool_calls
    assert [call.tool_name for call in calls] == ["slow", "fail", "nope", "slow"]
    assert {call.server for call in calls} == {"tiny-slow"}
    assert calls[0].args_digest == args_digest(card_args)
    assert "4111 1111" not in calls[0].args_preview and "****1111" in calls[0].args_preview
    assert calls[0].error is None
    assert calls[0].result_meta["content_types"] == ["text"]
    assert calls[0].result_meta["size_bytes"] > 0
    assert calls[0].ended_at >= calls[0].started_at
    assert failed.is_error and calls[1].result_meta["is_error"] is True
    assert calls[1].error == failed.content[0].text
    assert unknown.is_error and "Unknown tool" in (calls[2].error or "")
    # the client gave up after 0.5 s and told the server so: the call ends there, cancelled
    assert calls[3].result_meta["outcome"] == "cancelled"
    assert calls[3].latency_ms < 30_000


def test_parallel_calls_through_the_proxy_keep_their_overlap(
    database: Database, database_url: str, tiny_server: Path, tmp_path: Path
) -> None:
    async def scenario() -> None:
        params = proxied([sys.executable, str(tiny_server)], database_url, tmp_path, "run-parallel")
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            await asyncio.gather(
                session.call_tool("slow", {"seconds": 0.6, "label": "a"}),
                session.call_tool("slow", {"seconds": 0.6, "label": "b"}),
            )

    _run(scenario())
    first, second = _detail(database, "run-parallel").tool_calls
    assert first.started_at < second.ended_at and second.started_at < first.ended_at
    assert min(first.latency_ms, second.latency_ms) >= 600


def test_server_killed_mid_call_is_recorded_as_an_error_without_a_hang(
    database: Database, database_url: str, tiny_server: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "server.pid"

    async def scenario() -> MCPError:
        params = proxied([sys.executable, str(tiny_server)], database_url, tmp_path, "run-killed")
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            call = asyncio.create_task(session.call_tool("hang", {"marker": str(marker)}))
            while not (marker.exists() and marker.read_text()):
                await asyncio.sleep(0.02)
            os.kill(int(marker.read_text()), signal.SIGKILL)
            with pytest.raises(MCPError) as raised:
                await call
            return raised.value

    error = _run(scenario())
    assert "exited with code -9" in error.error.message
    detail = _detail(database, "run-killed")
    assert detail.run.status == "FAILED"
    (call,) = detail.tool_calls
    assert call.tool_name == "hang"
    assert call.error == "MCP server exited with code -9 before answering"
    assert call.result_meta["outcome"] == "server_exited"


REQUESTS = [
    b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}\n',
    b'{"method":"notifications/initialized","jsonrpc":"2.0"}\n',
    b'{ "id" : "a-7", "method":"tools/call", "jsonrpc":"2.0",'
    b' "params":{"name":"echo","arguments":{"text":"h\\u00e9 \xc3\xa9 \\"q\\""}}}\n',
    b'{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"echo"}}\n',
]


def _proxy_process(
    args: list[str], database_url: str, home: Path, stdin: bytes
) -> subprocess.CompletedProcess[bytes]:
    env = os.environ | keel_env(database_url, home)
    return subprocess.run(args, input=stdin, capture_output=True, env=env, timeout=BOUND_S)


def test_proxy_forwards_json_rpc_bytes_unchanged_both_ways(
    database: Database, database_url: str, raw_server: Path, tmp_path: Path
) -> None:
    stdin = b"".join(REQUESTS)
    direct = subprocess.run(
        [sys.executable, str(raw_server), str(tmp_path / "direct.log")],
        input=stdin,
        capture_output=True,
        timeout=BOUND_S,
    )
    proxy_log = tmp_path / "proxy.log"
    argv = proxy_command(
        sys.executable, str(raw_server), str(proxy_log), run_id="run-raw", cli=KEEL_CLI
    )
    proxied_run = _proxy_process(argv, database_url, tmp_path, stdin)
    assert proxied_run.returncode == 0, proxied_run.stderr.decode()
    assert proxy_log.read_bytes() == stdin
    assert proxied_run.stdout == direct.stdout
    calls = _detail(database, "run-raw").tool_calls
    assert [(call.tool_name, call.call_id) for call in calls] == [("echo", '"a-7"'), ("echo", "8")]
    assert calls[0].args_digest == args_digest({"text": 'hé é "q"'})
    assert calls[1].args_digest == args_digest({})
    assert calls[0].server == Path(sys.executable).name


def test_server_exit_mid_call_answers_the_client_and_propagates_the_exit_code(
    database: Database, database_url: str, raw_server: Path, tmp_path: Path
) -> None:
    stdin = (
        b'{"jsonrpc":"2.0","id":"x","method":"tools/call",'
        b'"params":{"name":"exit_now","arguments":{"code":7}}}\n'
    )
    argv = proxy_command(
        sys.executable, str(raw_server), str(tmp_path / "log"), run_id="run-exit", server_name="raw"
    )
    result = _proxy_process(argv, database_url, tmp_path, stdin)
    assert result.returncode == 7
    answer = json.loads(result.stdout.splitlines()[-1])
    assert answer["id"] == "x" and answer["error"]["code"] == -32000
    assert "exited with code 7" in answer["error"]["message"]
    detail = _detail(database, "run-exit")
    assert detail.run.status == "FAILED"
    assert [(call.server, call.result_meta["outcome"]) for call in detail.tool_calls] == [
        ("raw", "server_exited")
    ]


def test_proxy_appends_to_an_existing_run_and_keeps_its_status(
    database: Database, database_url: str, raw_server: Path, tmp_path: Path
) -> None:
    with database.write() as session:
        write_runs(session, seal_runs([RunRecord("agent-run", "support", datetime.now(UTC))]))
    argv = proxy_command(sys.executable, str(raw_server), str(tmp_path / "log"), run_id="agent-run")
    result = _proxy_process(argv, database_url, tmp_path, REQUESTS[2])
    assert result.returncode == 0, result.stderr.decode()
    detail = _detail(database, "agent-run")
    assert (detail.run.status, detail.run.workflow_type, detail.run.tool_count) == (
        "COMPLETED",
        "support",
        1,
    )
