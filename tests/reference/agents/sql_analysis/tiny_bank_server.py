"""A tiny MCP server written for the tests: `db.query` over the SQLite file in $TINY_BANK_DB.

It runs keel's guarded read-only query path (`keel.reference.fintech_mcp.tools.query_bank`), so
refusals come back as MCP tool errors that name the reason, as from `keel mcp serve`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer

from keel.reference.fintech_mcp.tools import ToolLimits, query_bank

server = MCPServer("tiny-bank")


@server.tool(name="db.query")
def query(sql: str) -> dict[str, Any]:
    """Run one read-only SELECT over customers, accounts and transactions."""
    result = query_bank(Path(os.environ["TINY_BANK_DB"]), sql, ToolLimits())
    return result.model_dump(mode="json")


if __name__ == "__main__":
    server.run()
