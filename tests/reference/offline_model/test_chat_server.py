"""The offline OpenAI-compatible endpoint, driven by the real `openai` client over HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import openai
import pytest
import uvicorn

from keel.models.embeddings import DEFAULT_EMBEDDER
from keel.reference.offline_model.chat_server import create_chat_app
from keel.reference.offline_model.grounded_sampler import GroundedSampler
from tests.conftest import free_port

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "search",
            "description": "Search articles.",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string"}},
                "required": ["query"],
            },
        },
    }
]
FEES = "International wires cost 45 USD. Domestic wires cost 25 USD."


@pytest.fixture(scope="module")
def client() -> Iterator[openai.OpenAI]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_chat_app(GroundedSampler(DEFAULT_EMBEDDER)), port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="none")
    server.should_exit = True
    thread.join(timeout=10)


def test_it_calls_the_retrieval_tool_with_the_question(client: openai.OpenAI) -> None:
    messages = [{"role": "user", "content": "What does an international wire cost?"}]
    reply = client.chat.completions.create(model="m", messages=messages, tools=TOOLS, seed=1)
    call = reply.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == "search"
    assert json.loads(call.function.arguments) == {"query": "What does an international wire cost?"}
    assert reply.choices[0].finish_reason == "tool_calls"


def test_it_answers_from_the_tool_results(client: openai.OpenAI) -> None:
    messages = [
        {"role": "user", "content": "What does an international wire cost?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "search", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": FEES},
    ]
    reply = client.chat.completions.create(model="m", messages=messages, tools=TOOLS, seed=1)
    assert "45 USD" in (reply.choices[0].message.content or "")
    assert reply.usage is not None and reply.usage.completion_tokens > 0


def test_json_schema_output_keeps_the_schema_fields(client: openai.OpenAI) -> None:
    category = {"type": "string", "enum": ["TRANSFER", "TAX"]}
    schema = {"type": "object", "properties": {"category": category, "answer": {"type": "string"}}}
    messages = [
        {"role": "system", "content": f"Answer.\n\n{FEES}"},
        {"role": "user", "content": "How much is a wire abroad?"},
    ]
    reply = client.chat.completions.create(
        model="m",
        messages=messages,
        seed=2,
        response_format={"type": "json_schema", "json_schema": {"name": "a", "schema": schema}},
    )
    body = json.loads(reply.choices[0].message.content or "{}")
    assert set(body) == {"category", "answer"} and body["category"] in ("TRANSFER", "TAX")
