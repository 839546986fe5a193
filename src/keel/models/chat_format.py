"""The OpenAI chat-completions wire format, shared by the `openai` and `local` providers.

Tool names on that wire must match `^[a-zA-Z0-9_-]{1,64}$`, while MCP tools are named like
`knowledge.search`; names are rewritten for the wire and mapped back on the way in.
"""

from __future__ import annotations

import json
import re
from typing import Any

from keel.models.provider import (
    Completion,
    CompletionRequest,
    Message,
    ModelError,
    ToolCallRequest,
)

_NOT_WIRE_SAFE = re.compile(r"[^a-zA-Z0-9_-]")


def wire_name(name: str) -> str:
    """Return `name` with characters the wire format refuses replaced by `_`."""
    return _NOT_WIRE_SAFE.sub("_", name)[:64]


def _message(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_call_id is not None:
        out["tool_call_id"] = message.tool_call_id
    if message.tool_calls:
        out["tool_calls"] = [
            {
                "id": call.call_id,
                "type": "function",
                "function": {"name": wire_name(call.name), "arguments": json.dumps(call.arguments)},
            }
            for call in message.tool_calls
        ]
    return out


def request_body(request: CompletionRequest) -> dict[str, Any]:
    """Return the chat-completions keyword arguments for `request` (without the model name)."""
    if not request.messages:
        raise ModelError("chat models need messages; this request has none")
    body: dict[str, Any] = {
        "messages": [_message(m) for m in request.messages],
        "temperature": request.temperature,
        "seed": request.seed,
        "max_tokens": request.max_tokens,
    }
    if request.tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": wire_name(tool.name),
                    "description": tool.description,
                    "parameters": tool.parameters,
                },
            }
            for tool in request.tools
        ]
    if request.response_schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "name": wire_name(request.schema_name),
                "schema": request.response_schema,
                # strict decoding needs a closed schema (no extra keys); ask for it when we can
                "strict": request.response_schema.get("additionalProperties") is False,
            },
        }
    return body


def _tool_calls(message: dict[str, Any], names: dict[str, str]) -> list[ToolCallRequest]:
    calls = []
    for index, call in enumerate(message.get("tool_calls") or []):
        function = call.get("function") or {}
        raw_arguments = function.get("arguments") or "{}"
        try:
            arguments = json.loads(raw_arguments)
        except json.JSONDecodeError:
            # a malformed call is kept, so the tool server refuses it and the trace shows why
            arguments = {"_unparsed_arguments": raw_arguments}
        name = str(function.get("name") or "")
        calls.append(
            ToolCallRequest(
                call_id=str(call.get("id") or f"call_{index}"),
                name=names.get(name, name),
                arguments=arguments if isinstance(arguments, dict) else {"_value": arguments},
            )
        )
    return calls


def generation_from_completion(
    completion: dict[str, Any], request: CompletionRequest, provider: str, model: str
) -> Completion:
    """Return the Completion of a chat-completions reply (a dict in the wire format)."""
    choices = completion.get("choices") or []
    if not choices:
        raise ModelError(f"{provider}:{model} replied without choices")
    message = choices[0].get("message") or {}
    text = message.get("content") or ""
    names = {wire_name(tool.name): tool.name for tool in request.tools}
    usage = completion.get("usage") or {}
    generation = Completion(
        provider=provider,
        model=str(completion.get("model") or model),
        seed=request.seed,
        temperature=request.temperature,
        text=text,
        tool_calls=_tool_calls(message, names),
        input_tokens=int(usage.get("prompt_tokens") or 0),
        output_tokens=int(usage.get("completion_tokens") or 0),
        finish_reason=choices[0].get("finish_reason"),
    )
    if request.response_schema is not None and text:
        try:
            parsed = json.loads(text)
            generation.parsed = parsed if isinstance(parsed, dict) else None
        except json.JSONDecodeError as exc:
            generation.details["parse_error"] = f"reply is not JSON: {exc.msg}"
    return generation
