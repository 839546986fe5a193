"""The tool gate at the MCP boundary: in a replay, a tool that is not read-only is not called.

`ToolEffectsBook` learns each tool's annotations from a server's `tools/list` answer (a tool
that is missing, or says nothing, counts as not read-only). `unrun_result` is the wire
`CallToolResult` given in place of a call the gate did not let through: the base run's recorded
answer, or a tool error saying it was not executed (keel.core.side_effects).
"""

from __future__ import annotations

import json
from typing import Any

from keel.core.redaction import canonical_json
from keel.core.side_effects import ToolDecision, ToolEffects

REPLAY_META_KEY = "keel/replay"


class ToolEffectsBook:
    """What each tool of one server declared, as far as its tools/list answers said."""

    def __init__(self) -> None:
        self.effects: dict[str, ToolEffects] = {}

    def learn(self, listed: Any) -> None:
        """Read the tools of a wire `tools/list` result."""
        tools = listed.get("tools") if isinstance(listed, dict) else None
        for tool in tools if isinstance(tools, list) else []:
            if isinstance(tool, dict) and isinstance(tool.get("name"), str):
                hints = tool.get("annotations")
                self.effects[tool["name"]] = ToolEffects.from_hints(
                    hints if isinstance(hints, dict) else None
                )

    def read_only(self, tool_name: str) -> bool | None:
        """Return the tool's readOnlyHint (None: unknown or unsaid, which is not read-only)."""
        effects = self.effects.get(tool_name)
        return effects.read_only if effects is not None else None


def unrun_result(decision: ToolDecision) -> dict[str, Any]:
    """Return the wire result a replay gives for a call it did not execute."""
    meta = {REPLAY_META_KEY: decision.how}
    recorded = decision.recorded
    if recorded is None:
        return {"content": [_text(decision.message)], "isError": True, "_meta": meta}
    if recorded.error is not None:
        return {"content": [_text(recorded.error)], "isError": True, "_meta": meta}
    result = recorded.result
    text = result if isinstance(result, str) else canonical_json(result)
    wire: dict[str, Any] = {"content": [_text(text)], "isError": False, "_meta": meta}
    if isinstance(result, dict):
        wire["structuredContent"] = result
    return wire


def _text(text: str) -> dict[str, str]:
    return {"type": "text", "text": text}


def response_line(request_id: Any, result: dict[str, Any]) -> bytes:
    """Return a JSON-RPC response line carrying `result` for request `request_id`."""
    body = {"jsonrpc": "2.0", "id": request_id, "result": result}
    return json.dumps(body, separators=(",", ":")).encode() + b"\n"
