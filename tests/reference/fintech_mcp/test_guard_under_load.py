"""A hostile db.query neither stalls the server nor outlives its deadline (issue 17): two clients
of one `keel mcp serve --transport http`, one sending 2,500 nested parentheses and a runaway
cross join, the other reading meanwhile."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import free_port
from tests.mcp.conftest import MCP_CLI, keel_env
from tests.reference.fintech_mcp.test_server import BOUND_S, _wait_for_port

NESTED = "SELECT " + "(" * 2500 + "1" + ")" * 2500 + " FROM customers"
RUNAWAY = (
    "SELECT count(*) FROM transactions a, transactions b, transactions c, transactions d"
    " WHERE a.amount_usd + b.amount_usd + c.amount_usd + d.amount_usd > 1e12"
)
DEADLINE_S = 1.0


async def _timed(session: ClientSession, tool: str, arguments: dict[str, Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = await session.call_tool(tool, arguments)
    return result, time.perf_counter() - started


async def _two_clients(url: str) -> dict[str, Any]:
    async with (
        streamable_http_client(url) as (read_a, write_a),
        ClientSession(read_a, write_a) as hostile,
        streamable_http_client(url) as (read_b, write_b),
        ClientSession(read_b, write_b) as reader,
    ):
        await hostile.initialize()
        await reader.initialize()
        runaway = asyncio.create_task(_timed(hostile, "db.query", {"sql": RUNAWAY}))
        nested = asyncio.create_task(_timed(hostile, "db.query", {"sql": NESTED}))
        await asyncio.sleep(0.05)  # both hostile calls are in flight
        reads = [
            await _timed(reader, "account.lookup", {"customer_id": "CUS-0016"}) for _ in range(3)
        ]
        return {"runaway": await runaway, "nested": await nested, "reads": reads}


def test_a_hostile_query_is_refused_in_time_while_another_client_is_answered(
    world_home: Path,
) -> None:
    port = free_port()
    argv = [*MCP_CLI, "serve", "--transport", "http", "--port", str(port)]
    argv += ["--timeout-s", str(DEADLINE_S)]
    process = subprocess.Popen(argv, env=os.environ | keel_env(None, world_home))
    try:
        _wait_for_port(port, process)
        out = asyncio.run(asyncio.wait_for(_two_clients(f"http://127.0.0.1:{port}/mcp"), BOUND_S))
    finally:
        process.terminate()
        process.wait(timeout=BOUND_S)
    nested, nested_s = out["nested"]
    assert nested.is_error and "nested" in nested.content[0].text, nested.content
    assert nested_s < DEADLINE_S
    runaway, runaway_s = out["runaway"]
    assert runaway.is_error and "ran past the 1 s limit" in runaway.content[0].text
    assert runaway_s < DEADLINE_S + 1.0
    for read, read_s in out["reads"]:
        assert not read.is_error
        assert read_s < DEADLINE_S  # answered while the runaway query was still running
