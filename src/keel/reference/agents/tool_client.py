"""An MCP tool server as keel's agents use it: started over stdio, every call captured.

The agents never call a tool except through `ToolClient.call`, which wraps the SDK session
with `keel.mcp.session.capture`, so each call lands in the run's recorder whatever its outcome
(result, tool error, timeout, a server that died). In a replay (`gated`), only the tools the
server declares read-only are called; the others answer from the base run's record.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import anyio
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from keel.core.side_effects import ReplayToolPolicy, ToolEffects
from keel.mcp.recorder import Recorder
from keel.mcp.session import capture
from keel.models import ToolSpec

KEEL_SERVER_COMMAND = (sys.executable, "-m", "keel", "mcp", "serve")


@dataclass
class ToolOutcome:
    """What one tool call gave back: decoded data, or the error that stood in its place."""

    name: str
    arguments: dict[str, Any]
    data: Any = None
    error: str | None = None


def _decode(result: Any) -> tuple[Any, str | None]:
    texts = [getattr(block, "text", "") for block in result.content or []]
    if result.is_error:
        return None, " ".join(texts).strip() or "the tool reported an error"
    if result.structured_content is not None:
        return result.structured_content, None
    try:
        return json.loads(texts[0]) if texts else None, None
    except json.JSONDecodeError:
        return {"text": "\n".join(texts)}, None


@dataclass
class ToolClient:
    """An initialised MCP session, the tools it offers and what they declare, and the replay
    gate its calls pass (None outside replays)."""

    session: ClientSession
    tools: dict[str, ToolSpec]
    effects: dict[str, ToolEffects]
    gate: ReplayToolPolicy | None = None
    closed: bool = False

    def gated(self, gate: ReplayToolPolicy | None) -> ToolClient:
        """Return this client with its calls behind `gate` (a replay's or a heal rerun's)."""
        return self if gate is None else replace(self, gate=gate)

    async def call(
        self, recorder: Recorder, name: str, arguments: dict[str, Any], timeout_s: float
    ) -> ToolOutcome:
        """Call tool `name` through capture; errors come back in the outcome, never raised."""
        captured = capture(self.session, recorder, gate=self.gate, effects=self.effects)
        try:
            result = await captured.call_tool(name, arguments, read_timeout_seconds=timeout_s)
        except Exception as exc:
            if isinstance(exc, anyio.ClosedResourceError | anyio.BrokenResourceError) or (
                "connection closed" in str(exc).lower()
            ):
                self.closed = True  # the server is gone; later calls would fail the same way
            return ToolOutcome(name, arguments, error=f"{type(exc).__name__}: {exc}")
        data, error = _decode(result)
        return ToolOutcome(name, arguments, data=data, error=error)


@asynccontextmanager
async def tool_client(
    command: tuple[str, ...] = KEEL_SERVER_COMMAND, env: dict[str, str] | None = None
) -> AsyncIterator[ToolClient]:
    """Start the MCP server `command` over stdio and yield a client of its tools."""
    params = StdioServerParameters(
        command=command[0], args=list(command[1:]), env={**os.environ, **(env or {})}
    )
    with Path(os.devnull).open("w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            listed = await session.list_tools()
            tools = {
                tool.name: ToolSpec(tool.name, tool.description or "", dict(tool.input_schema))
                for tool in listed.tools
            }
            effects = {tool.name: _effects(tool.annotations) for tool in listed.tools}
            yield ToolClient(session, tools, effects)


def _effects(annotations: Any) -> ToolEffects:
    if annotations is None:
        return ToolEffects()
    return ToolEffects(
        annotations.read_only_hint,
        annotations.destructive_hint,
        annotations.idempotent_hint,
        annotations.open_world_hint,
    )
