"""A fake OpenAI-compatible endpoint: a real HTTP server on 127.0.0.1 speaking the wire format.

Tests script its replies (content, tool calls, usage, or an HTTP error) and read back the
requests it received, so the real `openai` client is exercised end to end. With
`refuse_json_schema` it answers OpenAI's `response_format` json_schema form with a 500, as
llama.cpp's Python server does, and takes only `{"type": "json_object", "schema": ...}`.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.conftest import free_port


def completion(
    content: str | None = None,
    tool_calls: list[tuple[str, str]] | None = None,
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    model: str = "gpt-4o-mini",
) -> dict[str, Any]:
    """Return a chat.completion body; `tool_calls` is [(function name, JSON arguments)]."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [
            {"id": f"call_{i}", "type": "function", "function": {"name": n, "arguments": a}}
            for i, (n, a) in enumerate(tool_calls)
        ]
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class FakeOpenAI:
    """Serves scripted replies to `POST /v1/chat/completions`; records every request."""

    def __init__(self, refuse_json_schema: bool = False) -> None:
        self.refuse_json_schema = refuse_json_schema
        self.replies: deque[tuple[int, dict[str, Any]]] = deque()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        app = FastAPI()
        app.post("/v1/chat/completions")(self._complete)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def reply(self, body: dict[str, Any], status: int = 200) -> None:
        """Queue the next reply."""
        self.replies.append((status, body))

    async def _complete(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        if self.refuse_json_schema and (body.get("response_format") or {}).get("type") not in (
            None,
            "text",
            "json_object",
        ):
            # what llama.cpp's server says: its request model has no json_schema field
            return JSONResponse({"error": {"message": "Internal Server Error"}}, status_code=500)
        if not self.replies:
            return JSONResponse({"error": {"message": "no scripted reply"}}, status_code=500)
        status, body = self.replies.popleft()
        return JSONResponse(body, status_code=status)

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake OpenAI server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
