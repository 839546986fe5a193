"""A user's agent that pays through a third-party MCP server behind `keel mcp proxy`.

Neither the agent nor the server is keel's: the server (THIRD_PARTY_BANK) declares `balance`
read-only and says nothing about `transfer`, which appends a line to a ledger file per call.
The agent starts the proxy as a child of its run (`--parent-run-id`) and passes its own
environment on, as the proxy needs its database (and, in a replay, keel's tool gate)."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from mcp import ClientSession, StdioServerParameters, stdio_client

import keel

THIRD_PARTY_BANK = """
import sys
from pathlib import Path
from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

server = MCPServer("tiny-bank")
LEDGER = Path(sys.argv[1])

@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def balance(account: str) -> str:
    return f"{account}: 120.00 USD"

@server.tool()
def transfer(to: str, amount_usd: float) -> str:
    with LEDGER.open("a") as out:
        out.write(f"{to} {amount_usd}\\n")
    return f"sent {amount_usd} USD to {to}"

if __name__ == "__main__":
    server.run()
"""


async def _session(argv: list[str], work: Any) -> Any:
    params = StdioServerParameters(command=argv[0], args=argv[1:], env=dict(os.environ))
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        await session.list_tools()
        return await work(session)


@keel.replayable(workflow_type="byo-mcp-payments", user_input="message")
def pay(message: str, to: str = "ACME", amount_usd: float = 25.0) -> dict[str, Any]:
    """Check the balance, then pay `to` through the proxied server."""
    run = keel.current_run()
    assert run is not None
    server = [sys.executable, os.environ["TINY_BANK_SCRIPT"], os.environ["TINY_BANK_LEDGER"]]
    proxy = [sys.executable, "-m", "keel.cli.mcp", "proxy", "--parent-run-id", run.run_id]

    async def work(session: ClientSession) -> str:
        balance = await session.call_tool("balance", {"account": "main"})
        sent = await session.call_tool("transfer", {"to": to, "amount_usd": amount_usd})
        return f"{balance.content[0].text}; {sent.content[0].text}; error={sent.is_error}"

    text = asyncio.run(_session([*proxy, "--", *server], work))
    return {"answer": f"{message}: {text}"}
