"""Read what an ingested LLM call was given: its messages, its tool definitions, and the tool
results the conversation recorded (the ledger a replay answers tool calls from).

Stored messages are in the GenAI parts shape (`keel.ingest.messages`); runs stored before
keel normalised them hold OpenAI's shape (`role`, `content`, `tool_calls`, `tool_call_id`),
which `genai_messages` reads as well. Both become keel's `Message`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from keel.core.redaction import args_digest
from keel.ingest.messages import genai_messages
from keel.models.provider import Message, ToolCallRequest, ToolSpec


def _arguments(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {"input": value}
    return value if isinstance(value, dict) else {"input": value}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _message(item: dict[str, Any]) -> Message:
    texts, calls, call_id = [], [], None
    for part in item["parts"]:
        kind = part.get("type")
        if kind == "tool_call":
            calls.append(
                ToolCallRequest(
                    str(part.get("id")), str(part.get("name")), _arguments(part.get("arguments"))
                )
            )
        elif kind == "tool_call_response":
            call_id = str(part.get("id"))
            texts.append(_text(part.get("response")))
        else:
            texts.append(_text(part.get("content")))
    return Message(item["role"], "".join(texts), call_id, tuple(calls))


def normalise_messages(raw: Any) -> list[Message]:
    """Return the messages of a stored conversation in keel's shape (unknown roles dropped)."""
    return [_message(item) for item in genai_messages(raw)]


def input_messages(payload: dict[str, Any]) -> list[Message]:
    """Return an LLM event's input messages, with its system instructions first."""
    messages = normalise_messages(payload.get("input_messages"))
    if not messages and isinstance(payload.get("input"), str):
        try:
            messages = normalise_messages(json.loads(payload["input"]))
        except json.JSONDecodeError:
            messages = [Message("user", payload["input"])]
    system = payload.get("system_instructions")
    if system and not any(m.role == "system" for m in messages):
        if isinstance(system, list):  # GenAI: [{"type": "text", "content": ...}]
            system = [{"text": p.get("content", "")} for p in system if isinstance(p, dict)]
        messages.insert(0, Message("system", _text(system)))
    return messages


def _definition(item: Any) -> ToolSpec | None:
    if isinstance(item, str):
        try:
            item = json.loads(item)
        except json.JSONDecodeError:
            return None
    if not isinstance(item, dict):
        return None
    function = item.get("function", item)
    name = function.get("name")
    if not name:
        return None
    return ToolSpec(
        str(name),
        str(function.get("description", "")),
        function.get("parameters") or {"type": "object", "properties": {}},
    )


def _openllmetry_functions(attributes: dict[str, Any]) -> list[dict[str, Any]]:
    """Return OpenLLMetry 0.3x's flattened `llm.request.functions.N.{name,description,...}`."""
    functions: dict[int, dict[str, Any]] = {}
    for key, value in attributes.items():
        index, _, field = key.removeprefix("llm.request.functions.").partition(".")
        if key.startswith("llm.request.functions.") and index.isdigit() and field:
            functions.setdefault(int(index), {})[field] = (
                _arguments(value) if field == "parameters" else value
            )
    return [functions[index] for index in sorted(functions)]


def tool_definitions(payload: dict[str, Any]) -> list[ToolSpec]:
    """Return the tools an LLM call offered (GenAI, OpenInference or the raw request's)."""
    attributes = payload.get("attributes", {})
    found: list[Any] = []
    if "gen_ai.tool.definitions" in attributes:
        value = attributes["gen_ai.tool.definitions"]
        found = json.loads(value) if isinstance(value, str) else list(value)
    found += [v for k, v in sorted(attributes.items()) if k.startswith("llm.tools.")]
    found += _openllmetry_functions(attributes)
    if not found and isinstance(payload.get("input"), str):
        try:
            found = json.loads(payload["input"]).get("tools", [])
        except (json.JSONDecodeError, AttributeError):
            found = []
    tools = [tool for tool in map(_definition, found) if tool is not None]
    return list({tool.name: tool for tool in tools}.values())


def tool_ledger(conversations: Iterable[list[Message]]) -> dict[tuple[str, str], str]:
    """Return the recorded result of each tool call, keyed by tool name and argument digest."""
    calls: dict[str, tuple[str, str]] = {}
    ledger: dict[tuple[str, str], str] = {}
    for messages in conversations:
        for message in messages:
            for call in message.tool_calls:
                calls[call.call_id] = (call.name, args_digest(call.arguments))
            if message.role == "tool" and message.tool_call_id in calls:
                ledger[calls[message.tool_call_id]] = message.content
    return ledger
