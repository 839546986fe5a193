"""The bounds every input is held to, so that no value keel accepts can fail later (a 500).

- body size: `KEEL_MAX_REQUEST_BYTES` (413), checked before a byte is parsed;
- JSON nesting depth: `KEEL_MAX_JSON_DEPTH` (422 / OTLP 400), checked right after parsing, before
  anything recursive (validation, redaction) walks the value;
- integers: within 64 bits anywhere in a JSON value; token counts at most `MAX_TOKEN_COUNT`, so
  that a run's sums stay within 64 bits too;
- NaN and infinities: refused (JSON has no such numbers, PostgreSQL's JSONB neither);
- dates: years 1-9999 once converted to UTC (`in_utc_range`), query parameters included;
- text: at most `KEEL_MAX_FIELD_CHARS` characters per string; longer text is stored cut, with a
  marker saying how much was cut (`truncate`), in linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from keel.core.errors import InvalidInput

MAX_INT64 = 2**63 - 1
MIN_INT64 = -(2**63)
#: A trillion tokens per call: far past any model, and 2^23 calls still sum within 64 bits.
MAX_TOKEN_COUNT = 10**12
#: A billion dollars per call: a run's sum stays finite (an infinite cost reads back as null).
MAX_COST_USD = 1e9
DEFAULT_MAX_JSON_DEPTH = 64
DEFAULT_MAX_FIELD_CHARS = 1_000_000
DEFAULT_MAX_REQUEST_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class InputLimits:
    """The configurable bounds (see the module docstring)."""

    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH
    max_field_chars: int = DEFAULT_MAX_FIELD_CHARS


def truncate(text: str, max_chars: int) -> str:
    """Return `text` cut to `max_chars` characters plus a marker of what was cut, if longer."""
    if len(text) <= max_chars:
        return text
    return f"{text[:max_chars]}… [truncated {len(text) - max_chars} characters]"


class NotANumber:
    """What `mark_constant` parses NaN, Infinity and -Infinity to, so `check_json` can name
    where they are."""

    def __init__(self, name: str) -> None:
        self.name = name


def mark_constant(name: str) -> NotANumber:
    """`parse_constant` for json.loads: NaN and the infinities become markers (refused later)."""
    return NotANumber(name)


def refuse_constant(name: str) -> Any:
    """`parse_constant` for json.loads: NaN, Infinity and -Infinity are refused."""
    raise ValueError(f"{name} is not a JSON number")


def _violation(value: Any, max_depth: int) -> tuple[str, str] | None:
    """Return (path, what is wrong) for a parsed JSON value too deep or with an integer too
    large, or None. Paths are only built for the way down to the fault's parent container."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        node, depth, path = stack.pop()
        kind = type(node)
        if kind is dict or kind is list:
            if depth > max_depth:
                return path, f"nested deeper than {max_depth} levels (KEEL_MAX_JSON_DEPTH)"
            items = node.items() if kind is dict else enumerate(node)
            for key, item in items:
                if type(item) in _CHECKED:
                    step = f"[{key}]" if kind is list else (f".{key}" if path else str(key))
                    stack.append((item, depth + 1, path + step))
        elif kind is int and not MIN_INT64 <= node <= MAX_INT64:
            return path, "an integer beyond the 64-bit range"
        elif kind is NotANumber:
            return path, f"{node.name} is not a JSON number"
    return None


_CHECKED = (dict, list, int, NotANumber)


def deep_run_index(body: bytes, max_depth: int) -> int | None:
    """Return which run of a `{"runs": [...]}` body first nests past `max_depth`, or None.

    A scan outside strings, for bodies too deep for the JSON parser itself (it is only run
    after the parser gave up, so it costs nothing on good input).
    """
    depth, run = 0, -1
    for match in _STRUCTURE.finditer(body):
        token = match.group(0)
        if token in (b"[", b"{"):
            depth += 1
            if depth == 3:  # {"runs": [ {a run} ... ]}
                run += 1
            if depth > max_depth:
                return run if run >= 0 else None
        elif token in (b"]", b"}"):
            depth -= 1
    return None


_STRUCTURE = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def check_json(value: Any, max_depth: int, field: str = "body") -> None:
    """Raise InvalidInput naming the path when `value` nests deeper than `max_depth` or holds
    a 64-bit overflow. Iterative: a value nested thousands deep is refused, not recursed into.
    """
    found = _violation(value, max_depth)
    if found is not None:
        path, problem = found
        where = path[:200] or field
        raise InvalidInput(f"{where}: {problem}", field=where)


def utc(moment: datetime) -> datetime:
    """Return `moment` in UTC (naive = UTC); ValueError when that leaves years 1-9999."""
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{moment.isoformat()} is outside years 1-9999 in UTC") from None


def in_utc_range(moment: datetime, field: str) -> datetime:
    """Return `moment` in UTC, or raise InvalidInput naming `field` (see `utc`)."""
    try:
        return utc(moment)
    except ValueError as exc:
        raise InvalidInput(f"{field}: {exc}", field=field) from None
