"""Tool calls recorded inside chat spans: OpenAI function calling as instrumentations see it.

An instrumented OpenAI client records the model's tool calls in the assistant message of one
chat span (`tool_call` parts: id, name, arguments) and their results in the `tool` messages of
the next (`tool_call_response` parts). A tool span, when the app has one, often carries neither
(`execute_tool knowledge_search` with only a call id), and an app without tool spans has only
the messages. `attach_chat_tool_calls` completes each tool call of a trace from its messages,
matched by call id, and adds the calls no tool span recorded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from keel.core.records import RunRecord, ToolCallRecord
from keel.core.redaction import args_digest, args_preview, redact_text
from keel.ingest.messages import tool_call_parts

PREVIEW_CHARS = 512


@dataclass(frozen=True)
class ChatToolCall:
    """A tool call a chat span's messages record, with the span that asked for it."""

    call_id: str
    name: str
    arguments: Any
    span_id: str
    asked_at: datetime | None


@dataclass
class ChatToolTraffic:
    """The tool calls and tool results one chat span's messages carry (arguments unredacted)."""

    calls: list[ChatToolCall] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)

    def merge(self, other: ChatToolTraffic) -> None:
        """Add `other`'s calls and results; the first span to record a call id keeps it."""
        known = {call.call_id for call in self.calls}
        self.calls += [call for call in other.calls if call.call_id not in known]
        for call_id, result in other.results.items():
            self.results.setdefault(call_id, result)


def chat_tool_traffic(
    messages: list[dict[str, Any]], span_id: str, asked_at: datetime | None
) -> ChatToolTraffic:
    """Return the tool calls (with ids) and tool results in a span's messages."""
    traffic = ChatToolTraffic()
    for part in tool_call_parts(messages, "tool_call"):
        if part.get("id") is not None and part.get("name"):
            call_id = str(part["id"])[:128]
            call = ChatToolCall(
                call_id, str(part["name"]), part.get("arguments"), span_id, asked_at
            )
            traffic.merge(ChatToolTraffic([call]))
    for part in tool_call_parts(messages, "tool_call_response"):
        if part.get("id") is not None:
            traffic.results.setdefault(str(part["id"])[:128], part.get("response"))
    return traffic


def result_meta(result: Any) -> dict[str, Any]:
    """Return what keel keeps of a tool result: its size and a redacted, capped preview."""
    if result is None:
        return {}
    text = result if isinstance(result, str) else json.dumps(result, default=str)
    preview = redact_text(text)
    if len(preview) > PREVIEW_CHARS:
        preview = preview[: PREVIEW_CHARS - 1] + "…"
    return {"size": len(text), "preview": preview}


def _derived_span_id(span_id: str, call_id: str) -> str:
    """A stable id for a call no tool span recorded, so a retried export stores it once."""
    return hashlib.sha256(f"{span_id}:{call_id}".encode()).hexdigest()[:16]


def _claimed(call: ToolCallRecord, asked: ChatToolCall, result: Any) -> None:
    """Complete a tool span's call from the chat call it answers: the model's arguments are
    the ones a replay compares (a span may render them lossily, as LangChain's single-argument
    `input.value` string does), the span's own result is kept when it has one."""
    call.call_id = asked.call_id
    call.args_digest = args_digest(asked.arguments)
    call.args_preview = args_preview(asked.arguments, PREVIEW_CHARS)
    if not call.result_meta and result is not None:
        call.result_meta = result_meta(result)


def _answering(call: ToolCallRecord, unclaimed: list[ChatToolCall]) -> ChatToolCall | None:
    """Return the chat call a tool span answers: by call id, else the first unclaimed call of
    its name asked before the span started (LangGraph's tool spans carry no call id)."""
    for index, asked in enumerate(unclaimed):
        by_id = call.call_id is not None and asked.call_id == call.call_id
        by_name = (
            call.call_id is None
            and asked.name == call.tool_name
            and (
                asked.asked_at is None
                or call.started_at is None
                or asked.asked_at <= call.started_at
            )
        )
        if by_id or by_name:
            return unclaimed.pop(index)
    return None


def attach_chat_tool_calls(run: RunRecord, traffic: ChatToolTraffic) -> None:
    """Complete `run`'s tool calls from its chat messages; add the calls only messages record."""
    unclaimed = list(traffic.calls)
    for call in run.tool_calls:
        asked = _answering(call, unclaimed)
        if asked is not None:
            _claimed(call, asked, traffic.results.get(asked.call_id))
    for chat_call in unclaimed:
        run.tool_calls.append(
            ToolCallRecord(
                tool_name=chat_call.name[:128],
                args_digest=args_digest(chat_call.arguments),
                args_preview=args_preview(chat_call.arguments, PREVIEW_CHARS),
                call_id=chat_call.call_id,
                span_id=_derived_span_id(chat_call.span_id, chat_call.call_id),
                started_at=chat_call.asked_at,
                result_meta={
                    **result_meta(traffic.results.get(chat_call.call_id)),
                    "source": "chat_messages",
                },
            )
        )
    if unclaimed:
        run.tool_calls.sort(key=lambda call: (call.started_at is None, call.started_at or 0))
