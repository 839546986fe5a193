"""The OpenAI chat-completions wire format, shared by the `openai` and `local` providers.

Tool names on that wire must match `^[a-zA-Z0-9_-]{1,64}$`, while MCP tools are named like
`knowledge.search`; names are rewritten for the wire and mapped back on the way in.

JSON output is asked for in one of two forms: OpenAI's standard
`{"type": "json_schema", "json_schema": {"schema": ...}}`, or llama.cpp's
`{"type": "json_object", "schema": ...}` (its Python server answers 500 to the standard form).
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
# GGUF quantisation types as model names carry them: Q4_1, Q4_K_M, IQ3_XXS, Q8_0, F16, BF16.
_QUANTIZATION = re.compile(r"(?<![A-Z0-9])(I?Q[1-8](?:_[A-Z0-9]+)*|BF16|F16|F32)(?![A-Z0-9])")

#: The two forms of asking for JSON output that match a schema.
JSON_SCHEMA = "json_schema"
JSON_OBJECT = "json_object"


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


def _own_name(model: str) -> str:
    """Return the model's name; llama.cpp's server names it by its file's path."""
    if model.endswith(".gguf"):
        return model.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".gguf")
    return model


def quantization_of(model: str) -> str | None:
    """Return the quantisation a model's name carries (`SmolLM2-135M-Instruct.Q4_1` → Q4_1)."""
    found = _QUANTIZATION.findall(model.upper())
    return found[-1] if found else None


def _response_format(request: CompletionRequest, schema_form: str) -> dict[str, Any]:
    schema = request.response_schema or {}
    if schema_form == JSON_OBJECT:
        return {"type": JSON_OBJECT, "schema": schema}
    return {
        "type": JSON_SCHEMA,
        "json_schema": {
            "name": wire_name(request.schema_name),
            "schema": schema,
            # strict decoding needs a closed schema (no extra keys); ask for it when we can
            "strict": schema.get("additionalProperties") is False,
        },
    }


def request_body(request: CompletionRequest, schema_form: str = JSON_SCHEMA) -> dict[str, Any]:
    """Return the chat-completions keyword arguments for `request` (without the model name),
    asking for JSON output in `schema_form` (JSON_SCHEMA or JSON_OBJECT)."""
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
        body["response_format"] = _response_format(request, schema_form)
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
    own_name = _own_name(str(completion.get("model") or model))
    generation = Completion(
        provider=provider,
        model=own_name,
        seed=request.seed,
        temperature=request.temperature,
        text=text,
        tool_calls=_tool_calls(message, names),
        input_tokens=int(usage.get("prompt_tokens") or 0),
        output_tokens=int(usage.get("completion_tokens") or 0),
        finish_reason=choices[0].get("finish_reason"),
        quantization=quantization_of(own_name) or quantization_of(model),
    )
    if request.response_schema is not None and text:
        try:
            # small models put raw newlines inside JSON strings; strict=False reads them
            parsed = json.loads(text, strict=False)
            generation.parsed = parsed if isinstance(parsed, dict) else None
        except json.JSONDecodeError as exc:
            generation.details["parse_error"] = f"reply is not JSON: {exc.msg}"
    return generation
