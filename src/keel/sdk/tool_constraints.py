"""Apply a replay's tool constraint (P3) to a call of the host's `@keel.tool` function."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

_K_PARAMETERS = ("k", "top_k", "limit", "n_results")


class ToolUnavailable(RuntimeError):
    """Raised in place of a tool the replay made unavailable."""


def _applies(constraint: dict[str, Any] | None, tool_name: str) -> bool:
    return constraint is not None and constraint.get("tool") in (None, tool_name)


def constrain_arguments(
    constraint: dict[str, Any] | None,
    tool_name: str,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> tuple[tuple[Any, ...], dict[str, Any], float]:
    """Return the call's arguments (a smaller k) and the delay to inject, in seconds.

    Raises in place of the call when the tool is unavailable or times out in this replay.
    """
    if not _applies(constraint, tool_name):
        return args, kwargs, 0.0
    assert constraint is not None
    kind = constraint["kind"]
    if kind == "unavailable":
        raise ToolUnavailable(f"tool {tool_name} is unavailable in this replay")
    if kind == "timeout":
        raise TimeoutError(f"tool {tool_name} timed out in this replay")
    if kind == "latency":
        return args, kwargs, float(constraint.get("latency_ms", 0)) / 1000.0
    if kind == "smaller_k":
        bound = inspect.signature(fn).bind_partial(*args, **kwargs)
        bound.apply_defaults()
        for name in _K_PARAMETERS:
            if isinstance(bound.arguments.get(name), int):
                bound.arguments[name] = min(bound.arguments[name], int(constraint["k"]))
        return bound.args, bound.kwargs, 0.0
    return args, kwargs, 0.0


def truncate_text(text: str, max_chars: int) -> str:
    """Return `text` cut to `max_chars` characters, marked as truncated when cut."""
    return text if len(text) <= max_chars else text[:max_chars] + " [truncated]"


def constrain_result(constraint: dict[str, Any] | None, tool_name: str, result: Any) -> Any:
    """Return the tool's result, truncated when the replay says so."""
    if not _applies(constraint, tool_name) or constraint is None:
        return result
    if constraint["kind"] != "truncate":
        return result
    limit = int(constraint["max_chars"])
    if isinstance(result, str):
        return truncate_text(result, limit)
    if isinstance(result, list):
        return _truncate_items(result, limit)
    return result


def _truncate_items(items: list[Any], limit: int) -> list[Any]:
    kept, size = [], 0
    for item in items:
        size += len(str(item))
        if kept and size > limit:
            break
        kept.append(item)
    return kept
