"""A run's spans on one time axis (the waterfall a trace viewer draws), from stored times.

Model and agent steps carry `started_at` / `ended_at`; tool calls carry `started_at` and either
`ended_at` or `latency_ms`. A span without a start is left off (it cannot be placed); one without
an end is drawn as an instant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from keel.store.models import Event, ToolCall

#: Narrower bars than this share of the axis are drawn this wide, so an instant stays visible.
MIN_WIDTH_PCT = 0.6


@dataclass(frozen=True)
class Span:
    """One bar: what ran, where it starts on the axis and how long it took."""

    label: str
    kind: str  # the event type ("llm", "agent", ...) or "tool"
    anchor: str  # the id of the row it stands for on the page ("step-3", "call-2")
    offset_ms: float
    duration_ms: float
    left_pct: float
    width_pct: float
    error: bool


def _tool_end(call: ToolCall) -> datetime | None:
    if call.ended_at is not None:
        return call.ended_at
    if call.started_at is not None and call.latency_ms is not None:
        return call.started_at + timedelta(milliseconds=call.latency_ms)
    return None


@dataclass(frozen=True)
class _Timed:
    label: str
    kind: str
    anchor: str
    began: datetime
    ended: datetime
    error: bool


def _timed(events: Sequence[Event], calls: Sequence[ToolCall]) -> list[_Timed]:
    """Return every span that has a start, ends clamped to no earlier than starts."""
    rows = [
        _Timed(
            e.name or e.event_type,
            e.event_type,
            f"step-{e.seq}",
            e.started_at,
            max(e.ended_at or e.started_at, e.started_at),
            (e.status or "").upper() in {"ERROR", "FAILED"},
        )
        for e in events
        if e.started_at is not None
    ]
    for c in calls:
        if c.started_at is not None:
            ended = max(_tool_end(c) or c.started_at, c.started_at)
            rows.append(
                _Timed(c.tool_name, "tool", f"call-{c.seq}", c.started_at, ended, bool(c.error))
            )
    return sorted(rows, key=lambda r: (r.began, r.anchor))


def timeline(events: Sequence[Event], calls: Sequence[ToolCall]) -> list[Span]:
    """Return the run's spans in start order, placed on an axis from the first start to the
    last end."""
    rows = _timed(events, calls)
    if not rows:
        return []
    start = rows[0].began
    total = max((r.ended - start).total_seconds() for r in rows) * 1000.0
    spans = []
    for r in rows:
        offset = (r.began - start).total_seconds() * 1000.0
        duration = (r.ended - r.began).total_seconds() * 1000.0
        left = 100.0 * offset / total if total else 0.0
        width = 100.0 * duration / total if total else 100.0
        width = max(MIN_WIDTH_PCT, min(width, 100.0 - left))
        spans.append(Span(r.label, r.kind, r.anchor, offset, duration, left, width, r.error))
    return spans
