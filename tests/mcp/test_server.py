"""keel's MCP tool server over stdio, through the official client: every tool, and its errors."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from keel.world import ensure_world


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mcp-home")
    ensure_world(path)
    return path


async def _calls(home: Path, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "keel", "mcp", "serve"],
        env={**os.environ, "KEEL_HOME": str(home)},
    )  # fmt: skip
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        names = {tool.name for tool in (await session.list_tools()).tools}
        assert names == {"knowledge.search", "knowledge.get", "account.lookup",
                         "transactions.list", "db.query"}  # fmt: skip
        return [await session.call_tool(name, args) for name, args in calls]


def test_every_tool_answers_and_refusals_are_tool_errors(home: Path) -> None:
    customer = ensure_world(home).tickets()[0].customer_id
    results = anyio.run(_calls, home, [
        ("knowledge.search", {"query": "wire transfer cut-off time", "k": 3}),
        ("account.lookup", {"customer_id": customer}),
        ("transactions.list", {"customer_id": customer, "limit": 5}),
        ("db.query", {"sql": "SELECT COUNT(*) AS n FROM transactions"}),
        ("db.query", {"sql": "DELETE FROM transactions"}),
        ("account.lookup", {"customer_id": "nobody"}),
        ("knowledge.search", {"query": "fees", "k": 500}),
    ])  # fmt: skip
    hits = results[0].structured_content["hits"]
    assert len(hits) == 3 and not results[0].is_error
    article = anyio.run(_calls, home, [("knowledge.get", {"id": hits[0]["id"]})])[0]
    assert article.structured_content["body"]
    account = json.dumps(results[1].structured_content)
    assert "****" in account and not results[1].is_error
    assert len(results[2].structured_content["transactions"]) <= 5
    assert results[3].structured_content["rows"][0][0] > 0
    for refused, reason in ((results[4], "SELECT"), (results[5], "nobody"), (results[6], "k")):
        assert refused.is_error, refused
        assert reason.lower() in refused.content[0].text.lower()
