"""Rebuild chat messages from the shapes spans carry them in, so stored LLM calls can be replayed.

- OpenInference flattens lists into indexed attributes:
  `llm.input_messages.1.message.tool_calls.0.tool_call.function.name` (and OpenLLMetry's older
  `gen_ai.prompt.0.role`); `unflatten_messages` turns them back into a list of dicts.
- Earlier OTel GenAI conventions sent one span event per message (`gen_ai.user.message`,
  `gen_ai.choice`, ...); `events_as_messages` collects them.
"""

from __future__ import annotations

from typing import Any

#: Path segments OpenInference inserts after a list index ("0.message.role"); not data.
_WRAPPERS = frozenset({"message", "tool_call", "message_content"})
_INPUT_EVENTS = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}
MESSAGE_EVENTS = frozenset({*_INPUT_EVENTS, "gen_ai.choice"})


def _listify(node: Any) -> Any:
    """Turn dicts keyed only by indices ("0", "1", ...) into lists, depth first."""
    if not isinstance(node, dict):
        return node
    items = {key: _listify(value) for key, value in node.items()}
    if items and all(key.isdigit() for key in items):
        return [items[key] for key in sorted(items, key=int)]
    return items


def unflatten_messages(flat: dict[str, Any]) -> list[Any]:
    """Return messages from attributes flattened below a prefix (keys like `0.message.role`)."""
    root: dict[str, Any] = {}
    for path, value in flat.items():
        parts = path.split(".")
        node = root
        previous = ""
        keys = []
        for part in parts:
            if part in _WRAPPERS and previous.isdigit():
                previous = part
                continue
            keys.append(part)
            previous = part
        for key in keys[:-1]:
            child = node.setdefault(key, {})
            if not isinstance(child, dict):  # a scalar and a subtree under one key: keep both
                child = node[key] = {"value": child}
            node = child
        node[keys[-1]] = value
    result = _listify(root)
    return result if isinstance(result, list) else [result]


def events_as_messages(events: list[tuple[str, dict[str, Any]]]) -> dict[str, list[Any]]:
    """Return input and output messages carried as span events (earlier GenAI conventions)."""
    found: dict[str, list[Any]] = {"input": [], "output": []}
    for name, attrs in events:
        if name not in MESSAGE_EVENTS:
            continue
        fields = {key: value for key, value in attrs.items() if not key.startswith("gen_ai.")}
        if name == "gen_ai.choice":
            found["output"].append(fields)
        else:
            found["input"].append({"role": _INPUT_EVENTS[name], **fields})
    return found
