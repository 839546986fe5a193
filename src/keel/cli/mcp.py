"""`keel mcp proxy|serve`: capture any MCP server's tool calls; serve keel's fintech tools."""

from __future__ import annotations

import enum
import re
import uuid

import typer

from keel.cli.context import cli_settings
from keel.cli.database import connect_database
from keel.cli.output import err_console, keel_errors
from keel.core.errors import InvalidInput

app = typer.Typer(help="MCP tool server and tool-call capture.", no_args_is_help=True)


@app.command(
    "proxy",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
def proxy(
    command: list[str] = typer.Argument(..., help="The MCP server to run, after `--`."),
    run_id: str | None = typer.Option(
        None, "--run-id", help="Record into this run (default: new)."
    ),
    server_name: str | None = typer.Option(
        None, "--server-name", help="Server name to record (default: the one it reports)."
    ),
    grace_s: float = typer.Option(
        5.0, "--grace-s", min=0.0, help="Seconds the server gets to exit after the client leaves."
    ),
    parent_run_id: str | None = typer.Option(
        None, "--parent-run-id", help="The run this session belongs to (e.g. the agent's)."
    ),
) -> None:
    """Run an MCP server over stdio, forwarding traffic unchanged and recording every tools/call.

    Under a replay (KEEL_REPLAY_TOOLS_FILE, set by keel replay/heal for the processes the
    replayed agent starts), calls of tools the server does not declare read-only are answered
    by the proxy and never reach the server.

    Example: keel mcp proxy --run-id demo -- npx -y @modelcontextprotocol/server-everything
    """
    from keel.core.records import RUN_ID_PATTERN
    from keel.core.side_effects import ReplayToolPolicy
    from keel.mcp.proxy import proxy_and_record

    run_id = run_id or f"mcp-{uuid.uuid4().hex[:16]}"
    settings = cli_settings()
    with keel_errors():
        for name, value in (("run_id", run_id), ("parent_run_id", parent_run_id)):
            if value is not None and not re.fullmatch(RUN_ID_PATTERN, value):
                raise InvalidInput(f"{name} must be 1-128 of A-Z a-z 0-9 . _ : -", field=name)
        gate = None
        if settings.replay_tools_file is not None:
            gate = ReplayToolPolicy.from_json(settings.replay_tools_file.read_text())
        replaying = f" (replay of {gate.base_run_id})" if gate else ""
        err_console.print(f"keel mcp proxy: recording tool calls into run {run_id}{replaying}")
        code = proxy_and_record(
            command,
            lambda: connect_database(settings),  # on the recorder's thread, off the start
            run_id=run_id,
            server_name=server_name,
            grace_s=grace_s,
            parent_run_id=parent_run_id,
            gate=gate,
        )
    raise typer.Exit(code=code)


class Retrieval(enum.StrEnum):
    hybrid = "hybrid"
    bm25 = "bm25"


class ServerTransport(enum.StrEnum):
    stdio = "stdio"
    http = "http"


@app.command("serve")
def serve(
    transport: ServerTransport = typer.Option(
        ServerTransport.stdio, help="stdio, or streamable HTTP."
    ),
    host: str = typer.Option("127.0.0.1", help="Interface to bind (http)."),
    port: int = typer.Option(8200, help="TCP port (http); the endpoint is /mcp."),
    row_limit: int = typer.Option(200, min=1, max=10_000, help="Most rows db.query returns."),
    timeout_s: float = typer.Option(2.0, min=0.01, help="Seconds before db.query is stopped."),
    retrieval: Retrieval = typer.Option(
        Retrieval.hybrid, help="knowledge.search: bm25 fused with dense vectors, or bm25 alone."
    ),
) -> None:
    """Serve keel's fintech tools: knowledge.search/get, account.lookup, transactions.list,
    db.query (read-only), on the synthetic world in KEEL_HOME (built on first use)."""
    # Imported here: the MCP server stack is heavy, and `keel mcp proxy` must start fast.
    from keel.reference.fintech_mcp.server import build_server
    from keel.reference.fintech_mcp.tools import FintechTools, ToolLimits
    from keel.reference.world import ensure_world

    settings = cli_settings()
    with keel_errors():
        world = ensure_world(settings.home)
    limits = ToolLimits(query_row_limit=row_limit, query_timeout_s=timeout_s)
    searcher = None
    if retrieval is Retrieval.hybrid:
        from keel.models.embeddings import embedder
        from keel.reference.world.retrieval import HybridSearch

        searcher = HybridSearch(world.knowledge, embedder(settings.embedder))
        # Before the handshake: loading the embedder takes seconds (tens on a busy machine),
        # which a client's session start waits for, while its first knowledge.search would
        # time out (the support agent allows a tool call 20 s).
        searcher.warm()
    server = build_server(FintechTools(world, limits, searcher))
    if transport is ServerTransport.stdio:
        server.run("stdio")
    else:
        err_console.print(f"keel mcp serve: streamable HTTP on http://{host}:{port}/mcp")
        server.run("streamable-http", host=host, port=port)


if __name__ == "__main__":
    # `python -m keel.cli.mcp proxy -- CMD` starts without importing every other command.
    app()
