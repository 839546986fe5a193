"""Span -> event / tool call mapping across OTel GenAI, OpenInference and MCP conventions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from keel.core.pricing import load_prices
from keel.core.records import RunRecord
from keel.core.sanitize import seal_runs
from keel.ingest.otlp import SpanData
from keel.ingest.semconv import event_type_of, span_records

T0 = 1_790_000_000_000_000_000


def span(name: str = "s", status: int = 0, events: Any = (), **attrs: Any) -> SpanData:
    return SpanData(
        trace_id="5b8efff798038103d269b633813fc60c",
        span_id="eee19b7ec3c1b174",
        parent_span_id="aaa19b7ec3c1b174",
        name=name,
        start_ns=T0,
        end_ns=T0 + 2_500_000,
        status_code=status,
        status_message="",
        attributes={key.replace("__", "."): value for key, value in attrs.items()},
        events=list(events),
        service_name="svc",
    )


def records(data: SpanData):
    """The span's records as stored: mapped, then sanitised (masked) as store_runs does."""
    found = span_records(data, load_prices())
    event, call = found.event, found.tool_call
    run = RunRecord(
        "r", "otel", datetime.now(UTC), events=[event], tool_calls=[call] if call else []
    )
    seal_runs([run])
    return event, call


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({"gen_ai.operation.name": "chat"}, "llm"),
        ({"gen_ai.operation.name": "text_completion"}, "llm"),
        ({"gen_ai.operation.name": "generate_content"}, "llm"),
        ({"gen_ai.operation.name": "invoke_agent"}, "agent"),
        ({"gen_ai.operation.name": "create_agent"}, "agent"),
        ({"gen_ai.operation.name": "execute_tool"}, "tool"),
        ({"gen_ai.operation.name": "embeddings"}, "embeddings"),
        ({"openinference.span.kind": "LLM"}, "llm"),
        ({"openinference.span.kind": "TOOL"}, "tool"),
        ({"openinference.span.kind": "AGENT"}, "agent"),
        ({"openinference.span.kind": "CHAIN"}, "chain"),
        ({"openinference.span.kind": "RETRIEVER"}, "retriever"),
        ({"openinference.span.kind": "EMBEDDING"}, "embeddings"),
        ({"openinference.span.kind": "RERANKER"}, "reranker"),
        ({"openinference.span.kind": "GUARDRAIL"}, "guardrail"),
        ({"mcp.method.name": "tools/call"}, "tool"),
        ({"mcp.method.name": "tools/list"}, "span"),
        ({"gen_ai.operation.name": "something_new"}, "span"),
        ({"http.method": "GET"}, "span"),
    ],
)
def test_event_type_follows_the_span_kind(attrs: dict[str, Any], expected: str) -> None:
    assert event_type_of(attrs) == expected


def test_response_model_wins_and_request_model_is_kept() -> None:
    event, _ = records(
        span(
            **{
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            }
        )
    )
    assert event.model == "gpt-4o-mini-2024-07-18"
    assert event.payload["attributes"]["gen_ai.request.model"] == "gpt-4o-mini"


@pytest.mark.parametrize(
    "usage",
    [
        {"gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 500},
        {"gen_ai.usage.prompt_tokens": 1000, "gen_ai.usage.completion_tokens": 500},
        {"llm.token_count.prompt": 1000, "llm.token_count.completion": 500},
    ],
)
def test_tokens_and_price_table_cost_from_each_convention(usage: dict[str, int]) -> None:
    event, _ = records(span(**{"llm.model_name": "gpt-4o-mini", **usage}))
    assert (event.input_tokens, event.output_tokens) == (1000, 500)
    assert event.cost_usd == pytest.approx((1000 * 0.15 + 500 * 0.60) / 1e6)
    assert event.payload["cost_source"] == "price_table"


def test_a_cost_the_span_reports_beats_the_price_table() -> None:
    event, _ = records(
        span(
            **{
                "llm.model_name": "gpt-4o-mini",
                "llm.token_count.prompt": 10,
                "llm.cost.total": 0.25,
                "llm.token_count.total": 10,
            }
        )
    )
    assert event.cost_usd == 0.25
    assert event.payload["cost_source"] == "provided"
    assert event.payload["usage"] == {"llm.token_count.total": 10}


def test_unknown_model_costs_nothing_rather_than_a_guess() -> None:
    event, _ = records(span(**{"llm.model_name": "house-model-7", "llm.token_count.prompt": 9}))
    assert event.cost_usd == 0.0
    assert "cost_source" not in event.payload


def test_genai_tool_span_becomes_a_tool_call() -> None:
    event, call = records(
        span(
            "execute_tool transfer",
            status=2,
            events=[("exception", {"exception.type": "TimeoutError", "exception.message": "slow"})],
            **{
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "transfer",
                "gen_ai.tool.call.id": "call_7",
                "gen_ai.tool.call.arguments": '{"amount": 5, "pin": "1234"}',
                "gen_ai.tool.call.result": "declined",
            },
        )
    )
    assert call is not None
    assert (call.tool_name, call.call_id, call.span_id) == ("transfer", "call_7", event.span_id)
    assert call.latency_ms == pytest.approx(2.5)
    assert call.error == "TimeoutError: slow"
    assert "1234" not in call.args_preview and '"amount":5' in call.args_preview
    assert call.result_meta == {"size": 8, "preview": "declined"}
    assert event.status == "ERROR"
    assert event.payload["exception"] == {"type": "TimeoutError", "message": "slow"}


def test_openinference_tool_span_takes_arguments_from_input_value() -> None:
    _, call = records(
        span(
            "lookup",
            **{
                "openinference.span.kind": "TOOL",
                "tool.name": "lookup",
                "input.value": '{"customer": "c-1"}',
                "output.value": "ok",
            },
        )
    )
    assert call is not None
    assert call.tool_name == "lookup"
    assert json.loads(call.args_preview) == {"customer": "c-1"}
    assert call.result_meta["size"] == 2


def test_mcp_tool_call_span_names_the_tool_from_the_span_name() -> None:
    _, call = records(
        span(
            "tools/call get_balance",
            **{
                "mcp.method.name": "tools/call",
                "mcp.request.argument.account": "acc-1",
                "server.address": "bank-mcp",
            },
        )
    )
    assert call is not None
    assert call.tool_name == "get_balance"
    assert call.server == "bank-mcp"
    assert json.loads(call.args_preview) == {"account": "acc-1"}


def test_tool_attributes_on_other_spans_stay_attributes() -> None:
    event, call = records(span(**{"gen_ai.operation.name": "chat", "gen_ai.tool.name": "x"}))
    assert call is None
    assert event.payload["attributes"]["gen_ai.tool.name"] == "x"


def test_agent_span_names_the_agent_and_the_conversation() -> None:
    event, _ = records(
        span(
            "invoke_agent triage",
            **{
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.conversation.id": "conv-1",
                "gen_ai.provider.name": "openai",
            },
        )
    )
    assert event.payload["agent_name"] == "triage"
    assert event.payload["conversation_id"] == "conv-1"
    assert event.payload["provider"] == "openai"
    assert event.payload["service_name"] == "svc"


def test_genai_messages_are_parsed_and_redacted() -> None:
    messages = [
        {
            "role": "user",
            "parts": [{"type": "text", "content": "card 4111 1111 1111 1111", "api_key": "k"}],
        }
    ]
    event, _ = records(span(**{"gen_ai.input.messages": json.dumps(messages)}))
    part = event.payload["input_messages"][0]["parts"][0]
    assert part["content"] == "card [CARD ****1111]"
    assert part["api_key"] == "[REDACTED]"


def test_openinference_flattened_messages_are_stored_in_the_genai_parts_shape() -> None:
    event, _ = records(
        span(
            **{
                "llm.input_messages.0.message.role": "user",
                "llm.input_messages.0.message.content": "hi",
                "llm.output_messages.0.message.role": "assistant",
                "llm.output_messages.0.message.tool_calls.0.tool_call.id": "c1",
                "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "f",
            }
        )
    )
    assert event.payload["input_messages"] == [
        {"role": "user", "parts": [{"type": "text", "content": "hi"}]}
    ]
    assert event.payload["output_messages"] == [
        {
            "role": "assistant",
            "parts": [{"type": "tool_call", "id": "c1", "name": "f", "arguments": None}],
        }
    ]
    assert "attributes" not in event.payload


def test_messages_sent_as_span_events_are_collected_in_the_genai_parts_shape() -> None:
    event, _ = records(
        span(
            events=[
                ("gen_ai.user.message", {"content": "hello", "gen_ai.system": "openai"}),
                ("gen_ai.choice", {"index": 0, "finish_reason": "stop"}),
                ("cache.miss", {"key": "k1"}),
            ]
        )
    )
    assert event.payload["input_messages"] == [
        {"role": "user", "parts": [{"type": "text", "content": "hello"}]}
    ]
    assert event.payload["output_messages"] == [
        {"role": "assistant", "parts": [], "finish_reason": "stop"}
    ]
    assert event.payload["events"] == [{"name": "cache.miss", "attributes": {"key": "k1"}}]


def test_mcp_prompt_name_is_not_mistaken_for_a_message() -> None:
    event, _ = records(span(**{"gen_ai.prompt.name": "greeting"}))
    assert "input_messages" not in event.payload
    assert event.payload["attributes"] == {"gen_ai.prompt.name": "greeting"}


def test_secret_attributes_are_masked_but_token_counts_are_not() -> None:
    event, _ = records(
        span(**{"http.request.header.authorization": "Bearer abc", "gen_ai.request.max_tokens": 9})
    )
    assert event.payload["attributes"] == {
        "http.request.header.authorization": "[REDACTED]",
        "gen_ai.request.max_tokens": 9,
    }
