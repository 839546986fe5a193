"""Rebuilding chat messages from flattened attributes and span events."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from keel.ingest.messages import events_as_messages, genai_messages, unflatten_messages


def test_flattened_messages_keep_their_order_past_ten() -> None:
    flat = {f"{i}.message.content": f"m{i}" for i in range(12)}
    assert [m["content"] for m in unflatten_messages(flat)] == [f"m{i}" for i in range(12)]


def test_nested_lists_and_wrappers_are_rebuilt() -> None:
    flat = {
        "0.message.role": "user",
        "0.message.contents.0.message_content.type": "text",
        "0.message.contents.0.message_content.text": "hi",
        "0.message.contents.1.message_content.image.image.url": "u",
    }
    assert unflatten_messages(flat) == [
        {
            "role": "user",
            "contents": [{"type": "text", "text": "hi"}, {"image": {"image": {"url": "u"}}}],
        }
    ]


def test_openllmetry_prompt_keys_without_wrappers() -> None:
    flat = {"0.role": "system", "0.content": "be brief", "1.role": "user", "1.content": "hi"}
    assert unflatten_messages(flat) == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
    ]


def test_a_value_and_a_subtree_under_one_key_are_both_kept() -> None:
    flat = {"0.content": "x", "0.content.type": "text"}
    assert unflatten_messages(flat) == [{"content": {"value": "x", "type": "text"}}]


def test_message_events_split_into_input_and_output() -> None:
    found = events_as_messages(
        [
            ("gen_ai.system.message", {"content": "rules"}),
            ("gen_ai.tool.message", {"id": "c1", "content": "42"}),
            ("gen_ai.choice", {"finish_reason": "stop", "gen_ai.system": "openai"}),
            ("other", {"x": 1}),
        ]
    )
    assert found["input"] == [
        {"role": "system", "content": "rules"},
        {"role": "tool", "id": "c1", "content": "42"},
    ]
    assert found["output"] == [{"finish_reason": "stop"}]


GENAI = [
    {"role": "user", "parts": [{"type": "text", "content": "fee on my 1099?"}]},
    {
        "role": "assistant",
        "parts": [
            {"type": "tool_call", "id": "c1", "name": "kb", "arguments": {"query": "1099 fee"}}
        ],
    },
    {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "response": "POL-1"}]},
]


def test_the_genai_parts_shape_reads_as_itself_from_a_string_or_a_list() -> None:
    assert genai_messages(GENAI) == GENAI
    assert genai_messages(json.dumps(GENAI)) == GENAI


def test_openai_chat_messages_read_as_genai_parts_with_arguments_parsed() -> None:
    openai_shape = [
        {"role": "user", "content": "fee on my 1099?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "kb", "arguments": '{"query": "1099 fee"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "POL-1"},
    ]
    assert genai_messages({"model": "gpt-4o-mini", "messages": openai_shape}) == GENAI


def test_older_openllmetry_flattened_tool_calls_read_as_genai_parts() -> None:
    flat = {
        "0.role": "user",
        "0.content": "fee on my 1099?",
        "1.role": "assistant",
        "1.tool_calls.0.id": "c1",
        "1.tool_calls.0.name": "kb",
        "1.tool_calls.0.arguments": '{"query": "1099 fee"}',
        "2.role": "tool",
        "2.content": "POL-1",
        "2.tool_call_id": "c1",
    }
    assert genai_messages(unflatten_messages(flat)) == GENAI


def test_a_raw_response_body_reads_as_its_choices() -> None:
    body = {
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}
        ]
    }
    assert genai_messages(body) == [
        {"role": "assistant", "parts": [{"type": "text", "content": "ok"}], "finish_reason": "stop"}
    ]


@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["role", "content", "parts", "tool_calls"]), st.text() | st.none()
        )
    )
)
def test_any_input_reads_as_messages_of_known_roles_and_part_types(raw: list[dict]) -> None:
    for message in genai_messages(raw):
        assert message["role"] in {"system", "user", "assistant", "tool"}
        assert all(
            p["type"] in {"text", "tool_call", "tool_call_response"} for p in message["parts"]
        )
