"""Capture for keel's own agents: a `ClientSession` whose `call_tool` records every call.

    async with ClientSession(read, write) as raw:
        await raw.initialize()
        session = capture(raw, recorder, server="fintech")
        result = await session.call_tool("knowledge.search", {"query": "wire cut-off", "k": 3})

Everything but `call_tool` passes straight through to the wrapped session. In a replay
(`gate`), a tool the server did not declare read-only (`effects`, from its tools/list) is not
called: the call is answered as keel.core.side_effects says, and recorded so.
"""

from __future__ import annotations

import time
from typing import Any

from mcp import ClientSession, MCPError
from mcp.types import CallToolResult

from keel.core.redaction import args_digest
from keel.core.side_effects import ReplayToolPolicy, ToolEffects
from keel.mcp.recorder import CallOutcome, Recorder, finish_call, start_call
from keel.mcp.replay_gate import unrun_result


class CapturingSession:
    """Wraps a `ClientSession`; each `call_tool` is recorded, whatever its outcome."""

    def __init__(
        self,
        session: ClientSession,
        recorder: Recorder,
        server: str | None,
        gate: ReplayToolPolicy | None = None,
        effects: dict[str, ToolEffects] | None = None,
    ) -> None:
        self.session = session
        self.recorder = recorder
        self.server = server
        self.gate = gate
        self.effects = effects or {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)

    async def call_tool(
        self, name: str, arguments: dict[str, Any] | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        """Call tool `name` on the wrapped session and record the call; re-raise its errors."""
        pending = start_call(self.server or self._server_name(), name, arguments)
        if self.gate is not None:
            effects = self.effects.get(name, ToolEffects())
            decision = self.gate.decide(name, args_digest(pending.arguments), effects.read_only)
            if not decision.execute:
                wire = unrun_result(decision)
                self.recorder.record(finish_call(pending, result=wire, replay=decision.how))
                return CallToolResult.model_validate(wire)
        try:
            result = await self.session.call_tool(name, arguments, *args, **kwargs)
        except MCPError as exc:
            rpc_error = {"code": exc.error.code, "message": exc.error.message}
            self.recorder.record(finish_call(pending, rpc_error=rpc_error))
            raise
        except Exception as exc:
            failure = f"{type(exc).__name__}: {exc}"
            self.recorder.record(finish_call(pending, failure=failure))
            raise
        except BaseException:
            failure = "the caller cancelled the call"
            self.recorder.record(
                finish_call(pending, failure=failure, outcome=CallOutcome.CANCELLED)
            )
            raise
        ended_perf = time.perf_counter()
        wire = result.model_dump(by_alias=True, mode="json", exclude_none=True)
        self.recorder.record(finish_call(pending, result=wire, ended_perf=ended_perf))
        return result

    def _server_name(self) -> str | None:
        info = self.session.server_info
        return info.name if info is not None else None


def capture(
    session: ClientSession,
    recorder: Recorder,
    server: str | None = None,
    gate: ReplayToolPolicy | None = None,
    effects: dict[str, ToolEffects] | None = None,
) -> CapturingSession:
    """Return `session` wrapped so its tool calls go to `recorder` (server name: `server` or
    the name the server reported), behind `gate` in a replay."""
    return CapturingSession(session, recorder, server, gate, effects)
