"""`keel mcp serve` as a real process: every tool over stdio and HTTP, and every refusal."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from keel.store.engine import Database
from keel.store.runs import run_detail
from tests.conftest import free_port
from tests.mcp.conftest import KEEL_CLI, MCP_CLI, keel_env, proxied
from tests.reference.fintech_mcp.conftest import keel_server

# A bound against hangs, not a speed test: the server loads its embedder before the handshake,
# which takes tens of seconds on a loaded 2-core machine.
BOUND_S = 150
Scenario = Callable[[ClientSession], Awaitable[Any]]


def _over_stdio(params: StdioServerParameters, scenario: Scenario) -> Any:
    async def run() -> Any:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            return await scenario(session)

    return asyncio.run(asyncio.wait_for(run(), BOUND_S))


async def _structured(session: ClientSession, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await session.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict)
    return result.structured_content


SEGMENTS_SQL = "SELECT segment, count(*) AS n FROM customers GROUP BY segment ORDER BY n DESC"


async def _every_tool(session: ClientSession) -> dict[str, Any]:
    listed = (await session.list_tools()).tools
    names = [tool.name for tool in listed]
    return {
        "names": names,
        "read_only": {
            tool.name: bool(tool.annotations and tool.annotations.read_only_hint) for tool in listed
        },
        "search": await _structured(session, "knowledge.search", query="wire cut-off time", k=3),
        "article": await _structured(session, "knowledge.get", id="KB-101"),
        "customer": await _structured(session, "account.lookup", customer_id="CUS-0016"),
        "recent": await _structured(
            session, "transactions.list", customer_id="CUS-0016", since="2025-06-01", limit=5
        ),
        "query": await _structured(session, "db.query", sql=SEGMENTS_SQL),
    }


def test_every_tool_answers_over_stdio(world_home: Path) -> None:
    out = _over_stdio(keel_server(world_home), _every_tool)
    assert sorted(out["names"]) == [
        "account.lookup",
        "db.query",
        "knowledge.get",
        "knowledge.search",
        "payments.transfer",
        "transactions.list",
    ]
    assert out["read_only"] == {name: name != "payments.transfer" for name in out["names"]}
    hits = out["search"]["hits"]
    assert len(hits) == 3 and {"id", "title", "snippet", "score"} <= set(hits[0])
    assert [hit["score"] for hit in hits] == sorted((hit["score"] for hit in hits), reverse=True)
    assert any("wire" in hit["title"].lower() for hit in hits)
    assert out["article"]["id"] == "KB-101" and out["article"]["body"]
    customer = out["customer"]
    assert customer["customer_id"] == "CUS-0016" and customer["accounts"]
    assert all(re.fullmatch(r"\*{4}\d{4}", a["account_mask"]) for a in customer["accounts"])
    assert "@" in customer["email_masked"] and "***" in customer["email_masked"]
    recent = out["recent"]["transactions"]
    assert 1 <= len(recent) <= 5
    assert all(t["posted_at"] >= "2025-06-01" for t in recent)
    assert [t["posted_at"] for t in recent] == sorted(
        (t["posted_at"] for t in recent), reverse=True
    )
    query = out["query"]
    assert query["columns"] == ["segment", "n"] and query["row_count"] == len(query["rows"]) >= 2
    assert query["truncated"] is False


BAD_CALLS = [
    ("knowledge.search", {"query": "limits", "k": 99}, "k"),
    ("knowledge.search", {"k": 3}, "query"),
    ("knowledge.search", {"query": "limits", "colour": "red"}, "unexpected argument(s) colour"),
    ("knowledge.get", {"id": "KB-999"}, "id: no article with id 'KB-999'"),
    ("account.lookup", {}, "customer_id"),
    ("account.lookup", {"customer_id": "CUS-0001; DROP TABLE customers"}, "customer_id"),
    ("account.lookup", {"customer_id": "CUS-9999"}, "customer_id: no customer with id 'CUS-9999'"),
    ("transactions.list", {"customer_id": "CUS-0016", "since": "last week"}, "since"),
    ("transactions.list", {"customer_id": "CUS-0016", "limit": 0}, "limit"),
    ("db.query", {"sql": "DELETE FROM customers"}, "sql: query refused: only SELECT"),
    ("db.query", {"sql": "SELECT 1; DROP TABLE accounts"}, "sql: query refused: 2 statements"),
    ("db.query", {"sql": "ATTACH DATABASE 'x.db' AS x"}, "sql: query refused: only SELECT"),
    ("db.query", {"sql": "SELECT * FROM sqlite_master"}, "table sqlite_master is not allowed"),
    (
        "db.query",
        {
            "sql": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
            "SELECT max(n) FROM r"
        },
        "sql: query stopped: it ran past the 2 s limit",
    ),
    ("db.query", {"sql": 42}, "sql"),
    ("no.such.tool", {}, "Unknown tool: no.such.tool"),
]


def test_bad_input_comes_back_as_tool_errors_that_name_the_reason(world_home: Path) -> None:
    async def scenario(session: ClientSession) -> list[tuple[bool, str]]:
        results = [await session.call_tool(tool, args) for tool, args, _ in BAD_CALLS]
        results.append(await session.call_tool("knowledge.search", {"query": "fees", "k": 1}))
        return [(r.is_error, r.content[0].text if r.content else "") for r in results]

    outcomes = _over_stdio(keel_server(world_home), scenario)
    for (tool, args, reason), (is_error, text) in zip(BAD_CALLS, outcomes, strict=False):
        assert is_error, (tool, args, text)
        assert reason in text, (tool, args, text)
    assert outcomes[-1][0] is False  # the server is still fine after all that


def test_keel_server_behind_the_proxy_records_its_calls(
    database: Database, database_url: str, world_home: Path
) -> None:
    server = [*MCP_CLI, "serve"]

    async def scenario(session: ClientSession) -> None:
        await _structured(session, "knowledge.search", query="overdraft fee", k=2)
        await _structured(session, "account.lookup", customer_id="CUS-0001")
        await session.call_tool("db.query", {"sql": "DROP TABLE customers"})

    _over_stdio(proxied(server, database_url, world_home, "run-keel"), scenario)
    with database.read() as session:
        detail = run_detail(session, "run-keel")
    assert detail is not None and detail.run.status == "COMPLETED"
    calls = detail.tool_calls
    assert [call.tool_name for call in calls] == ["knowledge.search", "account.lookup", "db.query"]
    assert {call.server for call in calls} == {"keel-fintech"}
    assert calls[0].result_meta["structured"] is True and calls[0].error is None
    assert calls[2].result_meta["outcome"] == "tool_error"
    assert "only SELECT statements are allowed, not DROP" in (calls[2].error or "")


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + BOUND_S
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("keel mcp serve --transport http did not start")


def test_every_tool_answers_over_streamable_http(world_home: Path) -> None:
    port = free_port()
    argv = [*KEEL_CLI, "serve", "--transport", "http", "--port", str(port)]
    process = subprocess.Popen(argv, env=os.environ | keel_env(None, world_home))
    try:
        _wait_for_port(port, process)

        async def run() -> dict[str, Any]:
            url = f"http://127.0.0.1:{port}/mcp"
            async with (
                streamable_http_client(url) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                return await _every_tool(session)

        out = asyncio.run(asyncio.wait_for(run(), BOUND_S))
    finally:
        process.terminate()
        process.wait(timeout=BOUND_S)
    assert len(out["names"]) == 6
    assert out["customer"]["customer_id"] == "CUS-0016"
    assert out["query"]["row_count"] >= 2
