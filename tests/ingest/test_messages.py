"""Rebuilding chat messages from flattened attributes and span events."""

from __future__ import annotations

from keel.ingest.messages import events_as_messages, unflatten_messages


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
