"""keel's fintech MCP tool server (the official SDK's MCPServer), over stdio or streamable HTTP.

Tools: `knowledge.search`, `knowledge.get`, `account.lookup`, `transactions.list`, `db.query`.
They read the synthetic world (`keel.world`) through `keel.mcp.fintech_tools`; anything they
refuse (an unknown customer, SQL the guard rejects, a query past its time) comes back as a tool
error (`is_error`) whose text names the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from keel.errors import KeelError
from keel.mcp.fintech_tools import (
    ArticleOut,
    CustomerOut,
    FintechTools,
    QueryOut,
    SearchOut,
    TransactionsOut,
)

T = TypeVar("T")
MAX_K = 20
MAX_TRANSACTIONS = 500


def _tool_errors(fn: Callable[..., T]) -> Callable[..., T]:
    """Turn keel's domain errors into MCP tool errors that name the reason and the field."""

    @wraps(fn)
    def call(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except KeelError as exc:
            where = f" ({exc.field})" if exc.field else ""
            raise ToolError(f"{exc.message}{where}") from None

    return call


def _bounded(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise ToolError(f"{name} must be between {low} and {high}, got {value}")
    return value


def build_server(tools: FintechTools) -> MCPServer:
    """Return the MCP server exposing `tools`."""
    server = MCPServer("keel-fintech")

    @server.tool(name="knowledge.search")
    @_tool_errors
    def search(query: str, k: int = 5) -> SearchOut:
        """Search the bank's policy articles; the k best matches with title, snippet and score."""
        return tools.search_knowledge(query, _bounded("k", k, 1, MAX_K))

    @server.tool(name="knowledge.get")
    @_tool_errors
    def get(id: str) -> ArticleOut:
        """Read one policy article in full: body and steps."""
        return tools.get_article(id)

    @server.tool(name="account.lookup")
    @_tool_errors
    def lookup(customer_id: str) -> CustomerOut:
        """Look a customer up with their accounts; identifiers are masked."""
        return tools.lookup_account(customer_id)

    @server.tool(name="transactions.list")
    @_tool_errors
    def transactions(
        customer_id: str, since: date | None = None, limit: int = 20
    ) -> TransactionsOut:
        """List a customer's newest transactions posted on or after `since` (YYYY-MM-DD)."""
        return tools.list_transactions(
            customer_id, since, _bounded("limit", limit, 1, MAX_TRANSACTIONS)
        )

    @server.tool(name="db.query")
    @_tool_errors
    def query(sql: str) -> QueryOut:
        """Run one read-only SELECT over customers, accounts and transactions (row-limited)."""
        return tools.query(sql)

    return server
