"""Map one span to keel's records: OTel GenAI semantic conventions, OpenInference, MCP.

References: the OpenTelemetry GenAI semantic conventions (gen-ai spans, agent spans, MCP) and
the OpenInference semantic conventions (Arize). Several conventions name the same thing
(`gen_ai.request.model`, `llm.model_name`); `FIELD_OF` ranks them. The winning attribute of
each field is consumed; every other attribute stays in `payload["attributes"]`, so nothing a
span carried is dropped. This runs for every ingested span, hence one pass over the attributes.
Secrets are masked afterwards, by the sanitiser every record passes (keel.core.sanitize); tool
arguments and results are masked here, before their previews are cut to length.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, NamedTuple

from keel.core.errors import InvalidInput
from keel.core.limits import DEFAULT_MAX_JSON_DEPTH, MAX_COST_USD, MAX_TOKEN_COUNT
from keel.core.pricing import PriceTable
from keel.core.records import EventRecord, ToolCallRecord
from keel.core.redaction import args_digest, args_preview
from keel.ingest.chat_tools import (
    PREVIEW_CHARS,
    ChatToolTraffic,
    chat_tool_traffic,
    result_meta,
)
from keel.ingest.messages import (
    MESSAGE_EVENTS,
    events_as_messages,
    genai_messages,
    parsed_arguments,
    unflatten_messages,
)
from keel.ingest.otlp import SpanData

OPERATION_TYPES = {
    "chat": "llm",
    "text_completion": "llm",
    "generate_content": "llm",
    "invoke_agent": "agent",
    "create_agent": "agent",
    "execute_tool": "tool",
    "embeddings": "embeddings",
}
#: OpenLLMetry before the GenAI conventions (0.3x): `llm.request.type`, no operation name.
LLM_REQUEST_TYPES = {"chat": "llm", "completion": "llm", "embedding": "embeddings"}
OPENINFERENCE_TYPES = {
    "LLM": "llm",
    "TOOL": "tool",
    "AGENT": "agent",
    "CHAIN": "chain",
    "RETRIEVER": "retriever",
    "EMBEDDING": "embeddings",
    "RERANKER": "reranker",
    "GUARDRAIL": "guardrail",
    "EVALUATOR": "evaluator",
    "PROMPT": "prompt",
}
#: attribute -> (field, rank); when several name one field, the lowest rank wins.
FIELD_OF: dict[str, tuple[str, int]] = {
    "gen_ai.response.model": ("model", 0),
    "gen_ai.request.model": ("model", 1),
    "llm.model_name": ("model", 2),
    "gen_ai.usage.input_tokens": ("input_tokens", 0),
    "gen_ai.usage.prompt_tokens": ("input_tokens", 1),
    "llm.token_count.prompt": ("input_tokens", 2),
    "gen_ai.usage.output_tokens": ("output_tokens", 0),
    "gen_ai.usage.completion_tokens": ("output_tokens", 1),
    "llm.token_count.completion": ("output_tokens", 2),
    "llm.cost.total": ("cost_usd", 0),
    "gen_ai.usage.cost": ("cost_usd", 1),
    "gen_ai.input.messages": ("input_messages", 0),
    "gen_ai.output.messages": ("output_messages", 0),
    "gen_ai.system_instructions": ("system_instructions", 0),
    "input.value": ("input", 0),
    "output.value": ("output", 0),
    "gen_ai.agent.name": ("agent_name", 0),
    "agent.name": ("agent_name", 1),
    "traceloop.workflow.name": ("agent_name", 2),
    "gen_ai.conversation.id": ("conversation_id", 0),
    "session.id": ("conversation_id", 1),
    "gen_ai.provider.name": ("provider", 0),
    "gen_ai.system": ("provider", 1),
    "llm.provider": ("provider", 2),
    "llm.system": ("provider", 3),
    "gen_ai.tool.name": ("tool_name", 0),
    "tool.name": ("tool_name", 1),
    "tool_call.function.name": ("tool_name", 2),
    "gen_ai.tool.call.id": ("tool_call_id", 0),
    "tool_call.id": ("tool_call_id", 1),
    "gen_ai.tool.call.arguments": ("tool_arguments", 0),
    "tool_call.function.arguments": ("tool_arguments", 1),
    "gen_ai.tool.call.result": ("tool_result", 0),
}
_TOOL_FIELDS = frozenset({"tool_name", "tool_call_id", "tool_arguments", "tool_result"})
#: attribute families gathered whole: usage counters, and lists flattened into indexed keys.
FAMILIES = {
    "gen_ai.usage.": "usage",
    "llm.token_count.": "usage",
    "llm.cost.": "usage",
    "llm.input_messages.": "input",
    "llm.output_messages.": "output",
    "gen_ai.prompt.": "input",
    "gen_ai.completion.": "output",
    "mcp.request.argument.": "mcp_arguments",
}
_FAMILY_PREFIXES = tuple(FAMILIES)
_INDEXED = {"gen_ai.prompt.", "gen_ai.completion."}  # only `gen_ai.prompt.0...`, not `.name`
_STATUS = {1: "OK", 2: "ERROR"}


def event_type_of(attrs: dict[str, Any]) -> str:
    """Return keel's event type for a span: llm, agent, tool, embeddings, ... or span."""
    operation = attrs.get("gen_ai.operation.name")
    if operation in OPERATION_TYPES:
        return OPERATION_TYPES[operation]
    kind = attrs.get("openinference.span.kind")
    if isinstance(kind, str) and kind.upper() in OPENINFERENCE_TYPES:
        return OPENINFERENCE_TYPES[kind.upper()]
    request_type = attrs.get("llm.request.type")
    if request_type in LLM_REQUEST_TYPES:
        return LLM_REQUEST_TYPES[request_type]
    if attrs.get("mcp.method.name") == "tools/call":
        return "tool"
    return "span"


class _Sorted:
    """A span's attributes sorted into fields, attribute families and the remainder."""

    __slots__ = ("families", "fields", "remaining")

    def __init__(self, attrs: dict[str, Any], is_tool: bool) -> None:
        self.fields: dict[str, Any] = {}
        self.families: dict[str, dict[str, Any]] = {}
        self.remaining: dict[str, Any] = {}
        ranks: dict[str, tuple[int, str]] = {}
        for key, value in attrs.items():
            slot = FIELD_OF.get(key)
            if slot is not None and (is_tool or slot[0] not in _TOOL_FIELDS):
                field, rank = slot
                held = ranks.get(field)
                if held is None or rank < held[0]:
                    if held is not None:
                        self.remaining[held[1]] = self.fields[field]
                    ranks[field] = (rank, key)
                    self.fields[field] = value
                    continue
            elif slot is None and key.startswith(_FAMILY_PREFIXES) and self._family(key, value):
                continue
            self.remaining[key] = value

    def _family(self, key: str, value: Any) -> bool:
        for prefix, family in FAMILIES.items():
            if key.startswith(prefix):
                rest = key[len(prefix) :]
                if prefix in _INDEXED and not rest[:1].isdigit():
                    return False
                # Usage counters keep their full names: llm.token_count.total vs llm.cost.total.
                self.families.setdefault(family, {})[key if family == "usage" else rest] = value
                return True
        return False


def _tokens(value: Any, name: str) -> int:
    """Return a token count; absent or unreadable is 0, past MAX_TOKEN_COUNT rejects the span."""
    if value is None:
        return 0
    try:
        count = max(0, int(value))
    except (TypeError, ValueError, OverflowError):
        if isinstance(value, float) and math.isinf(value):
            count = MAX_TOKEN_COUNT + 1
        else:
            return 0
    if count > MAX_TOKEN_COUNT:
        raise InvalidInput(f"{name} {value!r} is beyond {MAX_TOKEN_COUNT} tokens", field=name)
    return count


def _time(unix_ns: int) -> datetime | None:
    return datetime.fromtimestamp(unix_ns / 1e9, UTC) if unix_ns else None


def _messages(found: _Sorted, span: SpanData) -> dict[str, list[dict[str, Any]]]:
    """Return an LLM call's input and output messages in the GenAI parts shape (the sanitiser
    masks them)."""
    from_events = events_as_messages(span.events) if span.events else None
    found_messages: dict[str, list[dict[str, Any]]] = {}
    for side in ("input", "output"):
        key = f"{side}_messages"
        if key in found.fields:
            messages = genai_messages(found.fields[key])
        elif side in found.families:
            messages = genai_messages(unflatten_messages(found.families[side]))
        elif from_events and from_events[side]:
            messages = genai_messages(from_events[side])
        else:
            continue
        found_messages[key] = messages
    return found_messages


def _conversation(found: _Sorted, messages: dict[str, Any], max_depth: int) -> dict[str, Any]:
    """Return what an LLM call was given and answered: messages, raw input/output."""
    result: dict[str, Any] = dict(messages)
    for side in ("input", "output"):
        if side in found.fields:
            result[side] = found.fields[side]
    if "system_instructions" in found.fields:
        result["system_instructions"] = parsed_arguments(
            found.fields["system_instructions"], max_depth
        )
    return result


def _exception(span: SpanData) -> dict[str, str] | None:
    for name, attrs in span.events:
        if name == "exception":
            return {
                "type": str(attrs.get("exception.type", "")),
                "message": str(attrs.get("exception.message", "")),
            }
    return None


def _error_text(span: SpanData, exception: dict[str, str] | None, found: _Sorted) -> str:
    if span.status_message:
        return span.status_message
    if exception:
        return ": ".join(part for part in (exception["type"], exception["message"]) if part)
    return str(found.remaining.get("error.type") or "error")


def _cost(
    found: _Sorted, model: str | None, tokens: tuple[int, int], prices: PriceTable
) -> tuple[float, str | None]:
    """Return (cost in USD, where it came from): the span's own figure, else the price table."""
    if "cost_usd" in found.fields:
        try:
            cost = float(found.fields["cost_usd"])
        except (TypeError, ValueError, OverflowError):
            cost = math.nan
        if math.isfinite(cost):
            if cost > MAX_COST_USD:
                raise InvalidInput(f"cost {cost!r} is beyond {MAX_COST_USD:g} USD", field="cost")
            return max(0.0, cost), "provided"
    priced = prices.cost_usd(model, *tokens) if tokens[0] or tokens[1] else None
    return (priced, "price_table") if priced is not None else (0.0, None)


def _tool_call(span: SpanData, found: _Sorted, error: str | None, max_depth: int) -> ToolCallRecord:
    """Return the tool call a tool span records: name, id, digested args, result size, error."""
    fields = found.fields
    name = fields.get("tool_name")
    if name is None:
        name = span.name.removeprefix("execute_tool ").removeprefix("tools/call ")
    raw_args = fields.get("tool_arguments")
    if raw_args is None:
        raw_args = found.families.get("mcp_arguments") or fields.get("input")
    args = parsed_arguments(raw_args, max_depth)
    result = fields.get("tool_result", fields.get("output"))
    server = found.remaining.get("mcp.server.name") or (
        found.remaining.get("server.address") if "mcp.method.name" in found.remaining else None
    )
    call_id = fields.get("tool_call_id")
    started, ended = _time(span.start_ns), _time(span.end_ns)
    return ToolCallRecord(
        tool_name=str(name)[:128] or "unknown",
        call_id=str(call_id)[:128] if call_id is not None else None,
        span_id=span.span_id,
        args_digest=args_digest(args),
        args_preview=args_preview(args, PREVIEW_CHARS),
        server=str(server)[:128] if server else None,
        started_at=started,
        ended_at=ended,
        latency_ms=(span.end_ns - span.start_ns) / 1e6 if started and ended else None,
        result_meta=result_meta(result),
        error=error,
    )


class SpanRecords(NamedTuple):
    """What one span becomes: an event, a tool call (tool spans), tool traffic (chat spans)."""

    event: EventRecord
    tool_call: ToolCallRecord | None
    chat_tools: ChatToolTraffic | None


def span_records(
    span: SpanData, prices: PriceTable, max_depth: int = DEFAULT_MAX_JSON_DEPTH
) -> SpanRecords:
    """Return the event a span becomes, its tool call, and the tool calls its messages hold.

    Raises InvalidInput for a value keel cannot store (a token count or cost out of range).
    """
    event_type = event_type_of(span.attributes)
    found = _Sorted(span.attributes, event_type == "tool")
    model = found.fields.get("model")
    model = str(model)[:128] if model is not None else None
    tokens = (
        _tokens(found.fields.get("input_tokens"), "input_tokens"),
        _tokens(found.fields.get("output_tokens"), "output_tokens"),
    )
    cost, cost_source = _cost(found, model, tokens, prices)
    messages = _messages(found, span)
    payload = _conversation(found, messages, max_depth)
    exception = _exception(span) if span.events else None
    status = _STATUS.get(span.status_code)
    error = _error_text(span, exception, found) if status == "ERROR" else None
    call = _tool_call(span, found, error, max_depth) if event_type == "tool" else None
    _describe(payload, found, span, event_type)
    if exception:
        payload["exception"] = exception
    if error:
        payload["error"] = error
    if cost_source:
        payload["cost_source"] = cost_source
    event = EventRecord(
        event_type=event_type,
        name=span.name[:256],
        span_id=span.span_id,
        parent_span_id=span.parent_span_id,
        started_at=_time(span.start_ns),
        ended_at=_time(span.end_ns),
        model=model,
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        cost_usd=cost,
        status=status,
        payload=payload,
    )
    traffic = None
    if event_type == "llm" and messages:
        conversation = [*messages.get("input_messages", ()), *messages.get("output_messages", ())]
        traffic = chat_tool_traffic(conversation, span.span_id, event.ended_at)
    return SpanRecords(event, call, traffic)


def _agent_name(found: _Sorted, event_type: str, span: SpanData) -> str | None:
    """Return who ran the span: a named agent, an agent span, or a root chain (a LangGraph
    graph's span is named after the graph; its nodes' agent spans are named `agent`)."""
    name = found.fields.get("agent_name")
    if name is None and event_type == "agent":
        name = span.name.removeprefix("invoke_agent ").removeprefix("create_agent ") or None
    if name is None and event_type == "chain" and span.parent_span_id is None:
        name = span.name or None
    return str(name) if name is not None else None


def _describe(payload: dict[str, Any], found: _Sorted, span: SpanData, kind: str) -> None:
    """Add who ran the span, its usage counters and every unconsumed attribute to `payload`."""
    agent = _agent_name(found, kind, span)
    if agent:
        payload["agent_name"] = agent
    for field in ("conversation_id", "provider"):
        if field in found.fields:
            payload[field] = str(found.fields[field])
    if span.service_name:
        payload["service_name"] = span.service_name
    usage = found.families.get("usage")
    if usage:
        payload["usage"] = usage
    others = [
        {"name": name, "attributes": attrs}
        for name, attrs in span.events
        if name != "exception" and name not in MESSAGE_EVENTS
    ]
    if others:
        payload["events"] = others
    if found.remaining:
        payload["attributes"] = found.remaining
