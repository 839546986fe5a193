"""The `openai` provider with the real client against a fake endpoint over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from keel.core.settings import Settings
from keel.models import (
    CompletionRequest,
    Message,
    ModelError,
    ModelProvider,
    ToolCallRequest,
    ToolSpec,
    load_model,
)
from tests.fake_openai import FakeOpenAI, completion

SEARCH = ToolSpec(
    name="knowledge.search",
    description="Search the knowledge base.",
    parameters={
        "type": "object",
        "properties": {"query": {"type": "string"}, "k": {"type": "integer"}},
        "required": ["query"],
    },
)
SCHEMA = {
    "type": "object",
    "properties": {"category": {"type": "string"}},
    "required": ["category"],
    "additionalProperties": False,
}


def _model(server: FakeOpenAI, **settings: Any) -> ModelProvider:
    return load_model(f"openai:gpt-4o-mini@{server.base_url}", Settings(**settings))


def test_tool_calls_come_back_under_their_mcp_names(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply(
        completion(
            tool_calls=[("knowledge_search", json.dumps({"query": "wire cut-off", "k": 3}))],
            prompt_tokens=120,
            completion_tokens=18,
        )
    )
    request = CompletionRequest(
        messages=(Message("user", "When is the wire cut-off?"),), tools=(SEARCH,), seed=7
    )
    generation = _model(fake_openai).generate(request)
    assert [(c.name, c.arguments) for c in generation.tool_calls] == [
        ("knowledge.search", {"query": "wire cut-off", "k": 3})
    ]
    sent = fake_openai.requests[0]
    assert sent["tools"][0]["function"]["name"] == "knowledge_search"
    assert sent["seed"] == 7 and sent["model"] == "gpt-4o-mini"
    assert (generation.input_tokens, generation.output_tokens) == (120, 18)
    assert generation.finish_reason == "tool_calls"


def test_structured_output_is_requested_and_parsed(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply(
        completion(content='{"category": "TAX"}', prompt_tokens=1000, completion_tokens=500)
    )
    request = CompletionRequest(
        messages=(Message("system", "Classify."), Message("user", "Where is my 1099?")),
        response_schema=SCHEMA,
        schema_name="support.triage",
        temperature=0.2,
    )
    generation = _model(fake_openai).generate(request)
    assert generation.parsed == {"category": "TAX"}
    response_format = fake_openai.requests[0]["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["schema"] == SCHEMA
    assert response_format["json_schema"]["strict"] is True
    assert fake_openai.requests[0]["temperature"] == 0.2
    # gpt-4o-mini: 0.15 USD / 1M input, 0.60 USD / 1M output
    assert generation.cost_usd == pytest.approx((1000 * 0.15 + 500 * 0.60) / 1e6)
    assert generation.record()["provider"] == "openai"


def test_tool_results_are_sent_back_linked_to_their_call(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply(completion(content='{"category": "TRANSFER"}'))
    call = ToolCallRequest("call_0", "knowledge.search", {"query": "wire"})
    request = CompletionRequest(
        messages=(
            Message("user", "wire?"),
            Message("assistant", "", tool_calls=(call,)),
            Message("tool", '{"hits": []}', tool_call_id="call_0"),
        ),
        tools=(SEARCH,),
        response_schema=SCHEMA,
    )
    _model(fake_openai).generate(request)
    messages = fake_openai.requests[0]["messages"]
    assert messages[1]["tool_calls"][0]["function"] == {
        "name": "knowledge_search",
        "arguments": '{"query": "wire"}',
    }
    assert messages[2] == {"role": "tool", "content": '{"hits": []}', "tool_call_id": "call_0"}


def test_a_reply_that_is_not_json_is_kept_with_the_parse_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply(completion(content="Sure! The category is TAX."))
    request = CompletionRequest(messages=(Message("user", "1099?"),), response_schema=SCHEMA)
    generation = _model(fake_openai).generate(request)
    assert generation.parsed is None
    assert generation.text == "Sure! The category is TAX."
    assert "not JSON" in generation.details["parse_error"]


def test_malformed_tool_arguments_are_kept_for_the_tool_to_refuse(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.reply(completion(tool_calls=[("knowledge_search", '{"query": ')]))
    request = CompletionRequest(messages=(Message("user", "x"),), tools=(SEARCH,))
    call = _model(fake_openai).generate(request).tool_calls[0]
    assert call.name == "knowledge.search"
    assert call.arguments == {"_unparsed_arguments": '{"query": '}


def test_an_endpoint_error_raises_model_error_naming_the_endpoint(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.reply({"error": {"message": "model overloaded"}}, status=400)
    request = CompletionRequest(messages=(Message("user", "x"),))
    with pytest.raises(ModelError, match=r"openai:gpt-4o-mini@http://127\.0\.0\.1"):
        _model(fake_openai).generate(request)


def test_the_api_key_is_sent_as_a_bearer_token(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply(completion(content="{}"))
    model = _model(fake_openai, openai_api_key="sk-test-key-123")
    model.generate(CompletionRequest(messages=(Message("user", "x"),)))
    assert fake_openai.headers[0]["authorization"] == "Bearer sk-test-key-123"


def test_a_server_refusing_the_standard_schema_form_gets_llama_cpps_once_and_for_all() -> None:
    with FakeOpenAI(refuse_json_schema=True) as server:
        server.reply(completion(content='{"category": "TAX"}', model="SmolLM2-135M.Q4_1"))
        server.reply(completion(content='{"category":\n"TAX", "note": "a\nb"}'))
        model = _model(server)
        request = CompletionRequest(
            messages=(Message("user", "1099?"),), response_schema=SCHEMA, repetition_penalty=1.2
        )
        first = model.generate(request)
        second = model.generate(request)
    forms = [sent.get("response_format", {}).get("type") for sent in server.requests]
    # one refused probe in the standard form (not retried), then llama.cpp's form only
    assert forms == ["json_schema", "json_object", "json_object"]
    assert server.requests[1]["response_format"]["schema"] == SCHEMA
    assert "repeat_penalty" not in server.requests[0]
    assert [sent.get("repeat_penalty") for sent in server.requests[1:]] == [1.2, 1.2]
    assert first.parsed == {"category": "TAX"} and first.details["dialect"] == "llama.cpp"
    assert (first.model, first.quantization) == ("SmolLM2-135M.Q4_1", "Q4_1")
    assert first.record()["quantization"] == "Q4_1"
    # raw newlines inside strings, as small models write them, still parse
    assert second.parsed == {"category": "TAX", "note": "a\nb"}


def test_a_standard_server_never_sees_llama_cpps_form_or_penalty(fake_openai: FakeOpenAI) -> None:
    for _ in range(2):
        fake_openai.reply(completion(content='{"category": "TAX"}'))
    model = _model(fake_openai)
    request = CompletionRequest(
        messages=(Message("user", "1099?"),), response_schema=SCHEMA, repetition_penalty=1.2
    )
    for _ in range(2):
        assert model.generate(request).details["dialect"] == "openai"
    assert [sent["response_format"]["type"] for sent in fake_openai.requests] == ["json_schema"] * 2
    assert not any("repeat_penalty" in sent for sent in fake_openai.requests)


def test_a_refusal_that_is_not_about_the_form_is_reported_as_it_was() -> None:
    with FakeOpenAI() as server:
        server.reply({"error": {"message": "bad schema"}}, status=400)
        server.reply({"error": {"message": "still bad"}}, status=400)
        model = _model(server)
        request = CompletionRequest(messages=(Message("user", "x"),), response_schema=SCHEMA)
        with pytest.raises(ModelError, match="bad schema") as raised:
            model.generate(request)
    assert "in llama.cpp's form: " in str(raised.value) and "still bad" in str(raised.value)
    assert model.dialect is None  # nothing learnt: the next request probes again
