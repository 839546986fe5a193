"""The one recording code path for MCP tool calls: a call starts, it ends, it becomes a record.

Both the `ClientSession` wrapper (`keel.mcp.session`) and the stdio proxy (`keel.mcp.proxy`) go
through `start_call` and `finish_call`, on the wire form of the result (a JSON dict), so a call
captured either way is stored the same way.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from keel.core.records import ToolCallRecord
from keel.core.redaction import args_digest, args_preview, canonical_json, redact, redact_text

MAX_ERROR_CHARS = 2000
#: Of a result's text (or structured content), what is kept, redacted, to answer replays with.
RESULT_PREVIEW_CHARS = 2000


class CallOutcome:
    """How a call ended; stored as `result_meta["outcome"]`."""

    RESULT = "result"
    TOOL_ERROR = "tool_error"
    RPC_ERROR = "rpc_error"
    SERVER_EXITED = "server_exited"
    CANCELLED = "cancelled"
    CLIENT_ERROR = "client_error"


@dataclass
class PendingCall:
    """A tool call that has started and not yet ended."""

    server: str | None
    tool_name: str
    arguments: Any
    call_id: str | None
    started_at: datetime
    started_perf: float
    # Random and fixed per call: stored as the record's span id, so writing it twice is a no-op.
    span_id: str = field(default_factory=lambda: secrets.token_hex(8))


class Recorder(Protocol):
    """Where finished calls go: a list, the store, or anything else that takes records."""

    def record(self, call: ToolCallRecord) -> None:
        """Accept one finished call; must not block for long (it runs on the caller's path)."""
        ...


class ListRecorder:
    """Keeps finished calls in memory, e.g. for an agent that writes its whole run at the end."""

    def __init__(self) -> None:
        self.calls: list[ToolCallRecord] = []

    def record(self, call: ToolCallRecord) -> None:
        """Append `call`."""
        self.calls.append(call)


def start_call(
    server: str | None,
    tool_name: str,
    arguments: Any,
    call_id: str | None = None,
    started_perf: float | None = None,
) -> PendingCall:
    """Return a pending call that started now, or at `started_perf` (a `perf_counter` time)."""
    started_perf = time.perf_counter() if started_perf is None else started_perf
    return PendingCall(
        server=server,
        tool_name=str(tool_name)[:128],
        arguments={} if arguments is None else arguments,
        call_id=None if call_id is None else str(call_id)[:128],
        started_at=wall_time(started_perf),
        started_perf=started_perf,
    )


# One reading of both clocks, so every timestamp of this process derives from the monotonic
# clock: calls seen at the same instant get the same time, and intervals keep their overlap.
_WALL_ANCHOR = (datetime.now(UTC), time.perf_counter())


def wall_time(perf: float) -> datetime:
    """Return the UTC wall-clock time of `perf`, a `time.perf_counter()` reading."""
    wall, anchor = _WALL_ANCHOR
    return wall + timedelta(seconds=perf - anchor)


def finish_call(
    pending: PendingCall,
    *,
    result: dict[str, Any] | None = None,
    rpc_error: dict[str, Any] | None = None,
    failure: str | None = None,
    outcome: str | None = None,
    ended_perf: float | None = None,
    replay: str | None = None,
) -> ToolCallRecord:
    """Return the record of `pending`, ended now (or at `ended_perf`).

    Exactly one of `result` (the wire `result` of tools/call), `rpc_error` (the wire JSON-RPC
    `error`) or `failure` (why no answer came: server exited, cancelled, ...) describes the end.
    `replay` says how a replay answered a call it did not let through (keel.core.side_effects).
    """
    latency_s = (time.perf_counter() if ended_perf is None else ended_perf) - pending.started_perf
    if result is not None:
        meta = result_meta(result)
        error = tool_error_text(result) if meta["is_error"] else None
    elif rpc_error is not None:
        meta = {
            "outcome": CallOutcome.RPC_ERROR,
            "is_error": True,
            "error_code": rpc_error.get("code"),
        }
        error = rpc_error_text(rpc_error)
    else:
        meta = {"outcome": outcome or CallOutcome.CLIENT_ERROR, "is_error": True}
        error = redact_text(failure or "the call ended without an answer")[:MAX_ERROR_CHARS]
    if replay is not None:
        meta["replay"] = replay
    return ToolCallRecord(
        tool_name=pending.tool_name,
        args_digest=args_digest(pending.arguments),
        args_preview=args_preview(pending.arguments),
        server=pending.server,
        call_id=pending.call_id,
        span_id=pending.span_id,
        started_at=pending.started_at,
        ended_at=pending.started_at + timedelta(seconds=latency_s),
        latency_ms=latency_s * 1000.0,
        result_meta=meta,
        error=error,
    )


def result_meta(result: dict[str, Any]) -> dict[str, Any]:
    """Return size, content types, error flag and shape of a wire `CallToolResult`."""
    content = result.get("content")
    blocks = content if isinstance(content, list) else []
    types = sorted({str(block.get("type")) for block in blocks if isinstance(block, dict)})
    is_error = bool(result.get("isError", False))
    meta: dict[str, Any] = {
        "outcome": CallOutcome.TOOL_ERROR if is_error else CallOutcome.RESULT,
        "is_error": is_error,
        "size_bytes": len(json.dumps(result, separators=(",", ":"), ensure_ascii=False).encode()),
        "content_types": types,
        "content_count": len(blocks),
        "structured": result.get("structuredContent") is not None,
    }
    result_type = result.get("resultType")
    if result_type not in (None, "complete"):
        meta["result_type"] = str(result_type)
    if not is_error:
        meta["preview"] = _result_preview(result, blocks)
    return meta


def _result_preview(result: dict[str, Any], blocks: list[Any]) -> str:
    """Return the redacted, capped text of a result: its structured content, else its text."""
    structured = result.get("structuredContent")
    if structured is not None:
        text = canonical_json(redact(structured))  # masked as parsed JSON: it still parses
    else:
        texts = [
            b.get("text", "") for b in blocks if isinstance(b, dict) and b.get("type") == "text"
        ]
        text = redact_text("\n".join(str(t) for t in texts))
    return text if len(text) <= RESULT_PREVIEW_CHARS else text[: RESULT_PREVIEW_CHARS - 1] + "…"


def tool_error_text(result: dict[str, Any]) -> str:
    """Return the redacted text of an `isError` result's text blocks."""
    content = result.get("content")
    blocks = content if isinstance(content, list) else []
    texts = [
        str(block.get("text", ""))
        for block in blocks
        if isinstance(block, dict) and block.get("type") == "text"
    ]
    text = "\n".join(texts) or "the tool reported an error without text"
    return redact_text(text)[:MAX_ERROR_CHARS]


def rpc_error_text(error: dict[str, Any]) -> str:
    """Return a redacted one-line description of a JSON-RPC error object."""
    text = f"JSON-RPC error {error.get('code')}: {error.get('message', '')}"
    return redact_text(text)[:MAX_ERROR_CHARS]
