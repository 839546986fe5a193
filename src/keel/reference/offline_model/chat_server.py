"""An OpenAI-compatible chat endpoint backed by the offline grounded sampler.

`keel model serve` lets any agent written against the `openai` client run, and be replayed,
without a model API: point `OPENAI_BASE_URL` at it. It is what the sampler is, no more:

- when the request offers tools and the latest user turn has no tool results yet, it calls the
  tools whose required arguments are strings, filled with the user's words (a retrieval step);
- otherwise it answers extractively: sentences sampled (seeded, temperature-driven) from the
  tool results and the context blocks of the system message, weighted by their similarity to
  the question and their position. With a `response_format` JSON schema it returns the
  sampler's structured fields that the schema asks for.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from keel.models.provider import Completion, CompletionRequest, ToolSpec
from keel.reference.offline_model.grounded_sampler import GroundedSampler

#: One neutral label when the caller's schema names no categories to choose from.
NEUTRAL_LABELS = {"answer": "a reply to the user's question"}


def _tools(body: dict[str, Any]) -> list[ToolSpec]:
    tools = []
    for item in body.get("tools") or []:
        function = item.get("function", item)
        tools.append(
            ToolSpec(
                function["name"], function.get("description", ""), function.get("parameters") or {}
            )
        )
    return tools


def _after_last_user(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    last = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    return messages[last + 1 :]


def _text(content: Any) -> str:
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")


def _documents(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the context: tool results first (a line each), then the system's context blocks."""
    texts = [
        line
        for message in messages
        if message.get("role") == "tool"
        for line in _text(message.get("content")).splitlines()
    ]
    for message in messages:
        if message.get("role") == "system":
            texts += _text(message.get("content")).split("\n\n")[1:]
    return [{"id": f"context-{i}", "text": text} for i, text in enumerate(texts) if text.strip()]


def _labels(schema: dict[str, Any] | None) -> dict[str, str]:
    category = ((schema or {}).get("properties") or {}).get("category") or {}
    names = category.get("enum") or []
    return {str(name): str(name).lower().replace("_", " ") for name in names} or NEUTRAL_LABELS


def _required_strings(tool: ToolSpec) -> list[str]:
    properties = tool.parameters.get("properties") or {}
    required = tool.parameters.get("required") or []
    return [name for name in required if (properties.get(name) or {}).get("type") == "string"]


def to_request(body: dict[str, Any]) -> CompletionRequest:
    """Return the sampler request a chat-completions body amounts to."""
    messages = body.get("messages") or []
    question = next(
        (_text(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), ""
    )
    schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema")
    tools = _tools(body)
    common = {
        "temperature": float(body.get("temperature", 1.0)),
        "seed": int(body.get("seed") or 0),
    }
    answered = any(m.get("role") == "tool" for m in _after_last_user(messages))
    if tools and not answered:
        known = {name: question for tool in tools for name in _required_strings(tool)}
        inputs = {"text": question, "labels": NEUTRAL_LABELS, "known": known}
        return CompletionRequest(task="plan", inputs=inputs, tools=tuple(tools), **common)
    inputs = {"text": question, "labels": _labels(schema), "documents": _documents(messages)}
    return CompletionRequest(task="answer", inputs=inputs, response_schema=schema, **common)


def to_completion(generation: Completion, request: CompletionRequest, model: str) -> dict[str, Any]:
    """Return the chat.completion body of a sampler generation."""
    message: dict[str, Any] = {"role": "assistant", "content": None}
    if generation.tool_calls:
        message["tool_calls"] = [
            {
                "id": f"call_{uuid.uuid4().hex[:12]}",
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
            for call in generation.tool_calls
        ]
    elif request.response_schema is not None:
        wanted = (request.response_schema.get("properties") or {}).keys()
        parsed = generation.parsed or {}
        message["content"] = json.dumps({k: v for k, v in parsed.items() if k in wanted})
    else:
        message["content"] = (generation.parsed or {}).get("answer", "")
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:16]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if generation.tool_calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": generation.input_tokens,
            "completion_tokens": generation.output_tokens,
            "total_tokens": generation.input_tokens + generation.output_tokens,
        },
    }


def create_chat_app(sampler: GroundedSampler) -> FastAPI:
    """Return the ASGI app serving `POST /v1/chat/completions` and `GET /v1/models`."""
    app = FastAPI(title="keel offline chat endpoint")
    model_name = f"offline:{sampler.model}"

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": model_name, "object": "model", "owned_by": "keel"}],
        }

    @app.post("/v1/chat/completions")
    async def complete(body: dict[str, Any]) -> JSONResponse:
        if not body.get("messages"):
            error = {
                "message": "messages is required",
                "type": "invalid_request_error",
                "param": "messages",
            }
            return JSONResponse({"error": error}, status_code=400)
        request = to_request(body)
        generation = await run_in_threadpool(sampler.generate, request)
        return JSONResponse(to_completion(generation, request, model_name))

    return app
