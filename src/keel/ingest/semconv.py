"""Map one span's attributes to keel's records: OTel GenAI semconv, OpenInference, MCP.

References: OpenTelemetry GenAI semantic conventions (gen-ai-spans, gen-ai-agent-spans, mcp),
and the OpenInference semantic conventions (Arize). Attributes keel maps to columns or payload
keys are consumed; every other attribute stays in `payload["attributes"]`, so nothing a span
carried is dropped.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from keel.ingest.messages import MESSAGE_EVENTS, events_as_messages, unflatten_messages
from keel.ingest.otlp import SpanData
from keel.ingest.redaction import args_digest, args_preview, redact, redact_text
from keel.pricing import PriceTable
from keel.store.records import EventRecord, ToolCallRecord

OPERATION_TYPES = {
    "chat": "llm",
    "text_completion": "llm",
    "generate_content": "llm",
    "invoke_agent": "agent",
    "create_agent": "agent",
    "execute_tool": "tool",
    "embeddings": "embeddings",
}
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
_STATUS = {1: "OK", 2: "ERROR"}
_MODEL_KEYS = ("gen_ai.response.model", "gen_ai.request.model", "llm.model_name")
_INPUT_TOKEN_KEYS = (
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
    "llm.token_count.prompt",
)
_OUTPUT_TOKEN_KEYS = (
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
    "llm.token_count.completion",
)
_COST_KEYS = ("llm.cost.total", "gen_ai.usage.cost")
_USAGE_PREFIXES = ("gen_ai.usage.", "llm.token_count.", "llm.cost.")
_FLATTENED = {
    "llm.input_messages.": "input",
    "llm.output_messages.": "output",
    "gen_ai.prompt.": "input",
    "gen_ai.completion.": "output",
}
_PREVIEW_CHARS = 512


def event_type_of(attrs: dict[str, Any]) -> str:
    """Return keel's event type for a span: llm, agent, tool, embeddings, ... or span."""
    operation = attrs.get("gen_ai.operation.name")
    if operation in OPERATION_TYPES:
        return OPERATION_TYPES[operation]
    kind = attrs.get("openinference.span.kind")
    if isinstance(kind, str) and kind.upper() in OPENINFERENCE_TYPES:
        return OPENINFERENCE_TYPES[kind.upper()]
    if attrs.get("mcp.method.name") == "tools/call":
        return "tool"
    return "span"


def _take(attrs: dict[str, Any], keys: tuple[str, ...]) -> Any:
    """Pop every key in `keys` from `attrs`; return the first value present."""
    found = None
    for key in keys:
        value = attrs.pop(key, None)
        if found is None and value is not None:
            found = value
    return found


def _int(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def _time(unix_ns: int) -> datetime | None:
    return datetime.fromtimestamp(unix_ns / 1e9, UTC) if unix_ns else None


def _json_or_text(value: Any) -> Any:
    """Return `value` parsed when it is a JSON string (messages, arguments), else as is."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _pop_prefixed(attrs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Pop usage attributes and flattened message attributes (`llm.input_messages.0...`)."""
    usage: dict[str, Any] = {}
    flat: dict[str, dict[str, Any]] = {"input": {}, "output": {}}
    for key in [k for k in attrs if k.startswith(("gen_ai.", "llm."))]:
        if key.startswith(_USAGE_PREFIXES):
            usage[key] = attrs.pop(key)
            continue
        for prefix, side in _FLATTENED.items():
            if key.startswith(prefix):
                flat[side][key[len(prefix) :]] = attrs.pop(key)
                break
    return usage, flat


def _messages(
    attrs: dict[str, Any], flat: dict[str, dict[str, Any]], span: SpanData
) -> dict[str, Any]:
    """Return the conversation of an LLM span: input/output messages and raw input/output."""
    found: dict[str, Any] = {}
    from_events = events_as_messages(span.events)
    for side in ("input", "output"):
        messages = attrs.pop(f"gen_ai.{side}.messages", None)
        if messages is not None:
            found[f"{side}_messages"] = _json_or_text(messages)
        elif flat[side]:
            found[f"{side}_messages"] = unflatten_messages(flat[side])
        elif from_events[side]:
            found[f"{side}_messages"] = from_events[side]
        value = attrs.pop(f"{side}.value", None)
        if value is not None:
            found[side] = value
    system = attrs.pop("gen_ai.system_instructions", None)
    if system is not None:
        found["system_instructions"] = _json_or_text(system)
    return found


def _agent_name(attrs: dict[str, Any], event_type: str, span_name: str) -> str | None:
    name = _take(attrs, ("gen_ai.agent.name", "agent.name"))
    if name is None and event_type == "agent":
        for prefix in ("invoke_agent ", "create_agent "):
            span_name = span_name.removeprefix(prefix)
        name = span_name or None
    return str(name) if name is not None else None


def _exception(span: SpanData) -> dict[str, str] | None:
    for name, attrs in span.events:
        if name == "exception":
            return {
                "type": str(attrs.get("exception.type", "")),
                "message": redact_text(str(attrs.get("exception.message", ""))),
            }
    return None


def _error_text(span: SpanData, exception: dict[str, str] | None, attrs: dict[str, Any]) -> str:
    if span.status_message:
        return redact_text(span.status_message)
    if exception:
        return ": ".join(part for part in (exception["type"], exception["message"]) if part)
    return str(attrs.get("error.type") or "error")


def _cost(
    usage: dict[str, Any], model: str | None, tokens: tuple[int, int], prices: PriceTable
) -> tuple[float, str | None]:
    provided = _take(usage, _COST_KEYS)
    if provided is not None:
        try:
            return max(0.0, float(provided)), "provided"
        except (TypeError, ValueError):
            pass
    priced = prices.cost_usd(model, *tokens) if any(tokens) else None
    return (priced, "price_table") if priced is not None else (0.0, None)


def _tool_name(attrs: dict[str, Any], span: SpanData) -> str:
    name = _take(attrs, ("gen_ai.tool.name", "tool.name", "tool_call.function.name"))
    if name is None:
        name = span.name
        for prefix in ("execute_tool ", "tools/call "):
            name = name.removeprefix(prefix)
    return str(name)[:128] or "unknown"


def _tool_args(attrs: dict[str, Any], conversation: dict[str, Any]) -> Any:
    raw = _take(attrs, ("gen_ai.tool.call.arguments", "tool_call.function.arguments"))
    if raw is None:
        mcp_args = {
            key.removeprefix("mcp.request.argument."): attrs.pop(key)
            for key in [k for k in attrs if k.startswith("mcp.request.argument.")]
        }
        raw = mcp_args or conversation.get("input")
    return _json_or_text(raw)


def _tool_call(
    span: SpanData, attrs: dict[str, Any], conversation: dict[str, Any], error: str | None
) -> ToolCallRecord:
    """Return the tool call a tool span records: name, id, digested args, result size, error."""
    args = _tool_args(attrs, conversation)
    result = attrs.pop("gen_ai.tool.call.result", None)
    if result is None:
        result = conversation.get("output")
    result_meta: dict[str, Any] = {}
    if result is not None:
        text = result if isinstance(result, str) else json.dumps(result, default=str)
        result_meta = {
            "size": len(text),
            "digest": args_digest(_json_or_text(result)),
            "preview": args_preview(_json_or_text(result), _PREVIEW_CHARS),
        }
    started, ended = _time(span.start_ns), _time(span.end_ns)
    server = attrs.get("mcp.server.name") or (
        attrs.get("server.address") if "mcp.method.name" in attrs else None
    )
    return ToolCallRecord(
        tool_name=_tool_name(attrs, span),
        call_id=_str_or_none(_take(attrs, ("gen_ai.tool.call.id", "tool_call.id"))),
        span_id=span.span_id,
        args_digest=args_digest(args),
        args_preview=args_preview(args, _PREVIEW_CHARS),
        server=str(server)[:128] if server else None,
        started_at=started,
        ended_at=ended,
        latency_ms=(span.end_ns - span.start_ns) / 1e6 if started and ended else None,
        result_meta=result_meta,
        error=error,
    )


def _str_or_none(value: Any) -> str | None:
    return str(value)[:128] if value is not None else None


def span_records(span: SpanData, prices: PriceTable) -> tuple[EventRecord, ToolCallRecord | None]:
    """Return the event a span becomes, and its tool call when it is a tool span."""
    attrs = dict(span.attributes)
    event_type = event_type_of(attrs)
    model = _take(attrs, _MODEL_KEYS)
    usage, flat = _pop_prefixed(attrs)
    tokens = (_int(_take(usage, _INPUT_TOKEN_KEYS)), _int(_take(usage, _OUTPUT_TOKEN_KEYS)))
    model = str(model)[:128] if model is not None else None
    cost, cost_source = _cost(usage, model, tokens, prices)
    conversation = _messages(attrs, flat, span)
    exception = _exception(span)
    status = _STATUS.get(span.status_code)
    error = _error_text(span, exception, attrs) if status == "ERROR" else None
    call = _tool_call(span, attrs, conversation, error) if event_type == "tool" else None
    payload: dict[str, Any] = redact(conversation)
    _describe(payload, attrs, span, event_type)
    if exception:
        payload["exception"] = exception
    if error:
        payload["error"] = error
    if cost_source:
        payload["cost_source"] = cost_source
    usage = {key: value for key, value in usage.items() if isinstance(value, int | float)}
    if usage:
        payload["usage"] = usage
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
    return event, call


def _describe(payload: dict[str, Any], attrs: dict[str, Any], span: SpanData, kind: str) -> None:
    """Add who ran the span and the attributes nothing else consumed to `payload`."""
    agent = _agent_name(attrs, kind, span.name)
    if agent:
        payload["agent_name"] = agent
    conversation = _take(attrs, ("gen_ai.conversation.id", "session.id"))
    if conversation is not None:
        payload["conversation_id"] = str(conversation)
    provider = _take(attrs, ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system"))
    if provider is not None:
        payload["provider"] = str(provider)
    if span.service_name:
        payload["service_name"] = span.service_name
    others = [
        {"name": name, "attributes": event_attrs}
        for name, event_attrs in span.events
        if name != "exception" and name not in MESSAGE_EVENTS
    ]
    if others:
        payload["events"] = redact(others)
    if attrs:
        payload["attributes"] = redact(attrs)
