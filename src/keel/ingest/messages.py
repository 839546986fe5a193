"""Chat messages in one shape, whatever shape a span carried them in.

keel stores every LLM call's messages (`payload.input_messages`, `payload.output_messages`) in
the OpenTelemetry GenAI schema of `gen_ai.input.messages` / `gen_ai.output.messages`:

    {"role": "system" | "user" | "assistant" | "tool",
     "parts": [{"type": "text", "content": "..."},
               {"type": "tool_call", "id": "call_1", "name": "knowledge_search",
                "arguments": {"query": "..."}},
               {"type": "tool_call_response", "id": "call_1", "response": "..."}],
     "finish_reason": "stop"}                       # output messages only, when known

Readers bring the other shapes to it (docs/integrations.md lists who sends which):

- the GenAI parts themselves, as a JSON string or a list (OpenLLMetry 0.4x+, OTel GenAI);
- OpenAI's chat shape (`role`, `content`, `tool_calls[].function.{name,arguments}`,
  `tool_call_id`): OpenInference flattens it into indexed attributes
  (`llm.input_messages.1.message.tool_calls.0.tool_call.function.name`), older OpenLLMetry into
  `gen_ai.prompt.N.*` / `gen_ai.completion.N.*` (with `tool_calls.N.name` unwrapped), and raw
  request bodies (`input.value`) carry it under `messages`; `unflatten_messages` rebuilds lists;
- earlier GenAI conventions' one span event per message (`gen_ai.user.message`, `gen_ai.choice`,
  ...), collected by `events_as_messages`.

Tool-call arguments that arrive as a JSON string are parsed; anything else is kept as sent.
"""

from __future__ import annotations

import json
from typing import Any

from keel.core.errors import InvalidInput
from keel.core.limits import DEFAULT_MAX_JSON_DEPTH, check_json

#: Path segments OpenInference inserts after a list index ("0.message.role"); not data.
_WRAPPERS = frozenset({"message", "tool_call", "message_content"})
_INPUT_EVENTS = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}
MESSAGE_EVENTS = frozenset({*_INPUT_EVENTS, "gen_ai.choice"})
ROLES = frozenset({"system", "user", "assistant", "tool"})


def _listify(node: Any) -> Any:
    """Turn dicts keyed only by indices ("0", "1", ...) into lists, depth first."""
    if not isinstance(node, dict):
        return node
    items = {key: _listify(value) for key, value in node.items()}
    if items and all(key.isdigit() for key in items):
        return [items[key] for key in sorted(items, key=int)]
    return items


def unflatten_messages(flat: dict[str, Any]) -> list[Any]:
    """Return messages from attributes flattened below a prefix (keys like `0.message.role`)."""
    root: dict[str, Any] = {}
    for path, value in flat.items():
        parts = path.split(".")
        node = root
        previous = ""
        keys = []
        for part in parts:
            if part in _WRAPPERS and previous.isdigit():
                previous = part
                continue
            keys.append(part)
            previous = part
        for key in keys[:-1]:
            child = node.setdefault(key, {})
            if not isinstance(child, dict):  # a scalar and a subtree under one key: keep both
                child = node[key] = {"value": child}
            node = child
        node[keys[-1]] = value
    result = _listify(root)
    return result if isinstance(result, list) else [result]


def events_as_messages(events: list[tuple[str, dict[str, Any]]]) -> dict[str, list[Any]]:
    """Return input and output messages carried as span events (earlier GenAI conventions)."""
    found: dict[str, list[Any]] = {"input": [], "output": []}
    for name, attrs in events:
        if name not in MESSAGE_EVENTS:
            continue
        fields = {key: value for key, value in attrs.items() if not key.startswith("gen_ai.")}
        if name == "gen_ai.choice":
            found["output"].append(fields)
        else:
            found["input"].append({"role": _INPUT_EVENTS[name], **fields})
    return found


def parsed_arguments(value: Any, max_depth: int = DEFAULT_MAX_JSON_DEPTH) -> Any:
    """Return tool-call arguments parsed when they arrive as a JSON string, else as sent.

    A document nested past `max_depth`, or holding 64-bit overflows, stays text.
    """
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            parsed = json.loads(value)  # not orjson: digests need integers past 64 bits exact
            check_json(parsed, max_depth)
        except (ValueError, RecursionError, InvalidInput):
            return value
        return parsed
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # OpenAI content parts, OpenInference message contents
        texts = []
        for part in value:
            if isinstance(part, dict):
                texts.append(str(part.get("text", part.get("message_content.text", ""))))
            elif isinstance(part, str):
                texts.append(part)
        return "".join(texts)
    if isinstance(value, dict) and "text" in value:
        return str(value["text"])
    return json.dumps(value, default=str)


def _openai_call(call: Any) -> dict[str, Any] | None:
    if not isinstance(call, dict):
        return None
    function = call.get("function")
    source = function if isinstance(function, dict) else call
    name = source.get("name")
    if name is None:
        return None
    part: dict[str, Any] = {"type": "tool_call", "id": call.get("id"), "name": str(name)}
    part["arguments"] = parsed_arguments(source.get("arguments"))
    return part


def _from_openai(role: str, item: dict[str, Any]) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    content = item.get("content", item.get("contents"))  # OpenInference: contents.N.*
    call_id = item.get("tool_call_id", item.get("id") if role == "tool" else None)
    if role == "tool":
        parts.append({"type": "tool_call_response", "id": call_id, "response": _text(content)})
    elif content not in (None, "", []):
        parts.append({"type": "text", "content": _text(content)})
    calls = item.get("tool_calls") or ()
    parts += [p for p in map(_openai_call, calls if isinstance(calls, list) else ()) if p]
    return {"role": role, "parts": parts}


def _from_parts(role: str, parts: list[Any]) -> dict[str, Any]:
    kept = []
    for part in parts:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "tool_call":
            part = {**part, "arguments": parsed_arguments(part.get("arguments"))}
        kept.append(part)
    return {"role": role, "parts": kept}


def genai_message(item: Any) -> dict[str, Any] | None:
    """Return one message in the GenAI parts shape, or None when it has no known role."""
    if not isinstance(item, dict):
        return None
    inner = item.get("message")
    if isinstance(inner, dict):  # gen_ai.choice events: {"index", "finish_reason", "message"}
        item = {**item, **inner}
    role = str(item.get("role") or ("assistant" if "finish_reason" in item else ""))
    if role not in ROLES:
        return None
    parts = item.get("parts")
    message = _from_parts(role, parts) if isinstance(parts, list) else _from_openai(role, item)
    if item.get("finish_reason") is not None:
        message["finish_reason"] = str(item["finish_reason"])
    return message


def genai_messages(raw: Any) -> list[dict[str, Any]]:
    """Return a conversation in the GenAI parts shape, read from any shape a span sends."""
    if isinstance(raw, str):
        raw = parsed_arguments(raw)
    if isinstance(raw, dict) and isinstance(raw.get("choices"), list):  # a raw response body
        raw = raw["choices"]
    elif isinstance(raw, dict):
        raw = raw.get("messages", [raw])
    if not isinstance(raw, list):
        return []
    return [message for message in map(genai_message, raw) if message is not None]


def tool_call_parts(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """Return every part of `kind` (`tool_call`, `tool_call_response`) in `messages`, in order."""
    return [
        part
        for message in messages
        for part in message.get("parts", ())
        if isinstance(part, dict) and part.get("type") == kind
    ]
