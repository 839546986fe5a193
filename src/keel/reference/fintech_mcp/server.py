"""keel's fintech MCP server (`keel mcp serve`): the tools of `FintechTools` over MCP.

Arguments are declared with types and bounds, so the SDK checks them against the published
input schema and a malformed call comes back as a tool error (`isError`) naming the field; an
unknown tool is a tool error too. Every refusal of keel's own (an unknown customer, a query the
guard or SQLite refuses, a query past its time limit) is a tool error that says why.

Every tool declares MCP's annotations: the readers are read-only, idempotent and closed-world;
`payments.transfer` moves money (not read-only, not idempotent), so a replay never runs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, InputRequiredResult, ToolAnnotations
from pydantic import Field

from keel.core.errors import KeelError
from keel.core.version import VERSION
from keel.reference.fintech_mcp.tools import (
    ArticleOut,
    CustomerOut,
    FintechTools,
    QueryOut,
    SearchOut,
    TransactionsOut,
    TransferOut,
)

SERVER_NAME = "keel-fintech"
INSTRUCTIONS = (
    "Tools of Larkspur Bank's support desk: search and read policy articles, look up a customer's "
    "accounts and transactions (identifiers are masked), and run read-only SELECT queries over "
    "the tables customers, accounts and transactions."
)

READS = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
MOVES_MONEY = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=False
)

CustomerId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Customer id, e.g. CUS-0001.",
    ),
]


@contextmanager
def _as_tool_error() -> Iterator[None]:
    """Turn keel's refusals into MCP tool errors whose text names the field and the reason."""
    try:
        yield
    except KeelError as exc:
        where = f"{exc.field}: " if exc.field else ""
        raise ToolError(f"{where}{exc.message}") from exc


class StrictMCPServer(MCPServer):
    """An MCPServer that refuses arguments its tools do not declare, instead of dropping them."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        """Call tool `name`; an argument outside its input schema is a tool error naming it."""
        tool = next((t for t in await self.list_tools() if t.name == name), None)
        if tool is not None:
            declared = list(tool.input_schema.get("properties", {}))
            unknown = sorted(set(arguments) - set(declared))
            if unknown:
                raise ToolError(
                    f"Error executing tool {name}: unexpected argument(s) {', '.join(unknown)};"
                    f" it takes {', '.join(declared)}"
                )
        return await super().call_tool(name, arguments, context)


def build_server(tools: FintechTools) -> MCPServer:
    """Return an MCP server exposing `tools` as knowledge.*, account.*, transactions.*, db.*."""
    server = StrictMCPServer(
        SERVER_NAME, instructions=INSTRUCTIONS, version=VERSION, log_level="WARNING"
    )

    @server.tool(name="knowledge.search", annotations=READS)
    def knowledge_search(
        query: Annotated[str, Field(min_length=1, max_length=1000, description="What to find.")],
        k: Annotated[int, Field(ge=1, le=20, description="How many articles.")] = 5,
    ) -> SearchOut:
        """Search the bank's policy articles; best first, with id, title, snippet and score."""
        with _as_tool_error():
            return tools.search_knowledge(query, k)

    @server.tool(name="knowledge.get", annotations=READS)
    def knowledge_get(
        id: Annotated[str, Field(min_length=1, max_length=128, description="Article id.")],
    ) -> ArticleOut:
        """Read one policy article in full: body and steps."""
        with _as_tool_error():
            return tools.get_article(id)

    @server.tool(name="account.lookup", annotations=READS)
    def account_lookup(customer_id: CustomerId) -> CustomerOut:
        """Look up a customer and their accounts; contact details and numbers are masked."""
        with _as_tool_error():
            return tools.lookup_account(customer_id)

    @server.tool(name="transactions.list", annotations=READS)
    def transactions_list(
        customer_id: CustomerId,
        since: Annotated[date | None, Field(description="Only on or after this day.")] = None,
        limit: Annotated[int, Field(ge=1, le=200, description="How many, newest first.")] = 20,
    ) -> TransactionsOut:
        """List a customer's transactions, newest first."""
        with _as_tool_error():
            return tools.list_transactions(customer_id, since, limit)

    @server.tool(name="db.query", annotations=READS)
    def db_query(
        sql: Annotated[str, Field(min_length=1, max_length=10_000, description="One SELECT.")],
    ) -> QueryOut:
        """Run one read-only SELECT over customers, accounts and transactions (rows capped)."""
        with _as_tool_error():
            return tools.query(sql)

    @server.tool(name="payments.transfer", annotations=MOVES_MONEY)
    def payments_transfer(
        customer_id: CustomerId,
        to_account: Annotated[
            str,
            Field(min_length=4, max_length=34, pattern=r"^[A-Za-z0-9* ]+$", description="Payee."),
        ],
        amount_usd: Annotated[float, Field(gt=0, le=10_000, description="Amount in USD.")],
    ) -> TransferOut:
        """Send money from the customer's account to `to_account` (it really moves money)."""
        with _as_tool_error():
            return tools.transfer(customer_id, to_account, amount_usd)

    return server
