"""A run's spans on one axis: offsets, durations and bar widths from stored times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from keel.reports.timeline import MIN_WIDTH_PCT, timeline
from keel.store.models import Event, ToolCall

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _at(ms: float) -> datetime:
    return T0 + timedelta(milliseconds=ms)


def test_spans_sit_on_one_axis_in_start_order() -> None:
    events = [
        Event(seq=0, event_type="llm", name="planner", started_at=_at(0), ended_at=_at(400)),
        Event(seq=2, event_type="llm", name="draft", started_at=_at(600), ended_at=_at(1000)),
        Event(seq=3, event_type="output", name="final", started_at=_at(1000), ended_at=None),
        Event(seq=4, event_type="llm", name="unplaced", started_at=None, ended_at=None),
    ]
    calls = [
        ToolCall(seq=0, tool_name="knowledge.search", started_at=_at(450), latency_ms=100.0),
        ToolCall(
            seq=1, tool_name="knowledge.get", started_at=_at(500), ended_at=_at(550), error="boom"
        ),
    ]
    spans = timeline(events, calls)
    assert [s.label for s in spans] == [
        "planner",
        "knowledge.search",
        "knowledge.get",
        "draft",
        "final",
    ]
    by = {s.label: s for s in spans}
    assert by["planner"].left_pct == 0.0 and by["planner"].width_pct == 40.0
    assert by["knowledge.search"].offset_ms == 450.0 and by["knowledge.search"].duration_ms == 100.0
    assert by["knowledge.get"].error and by["knowledge.get"].anchor == "call-1"
    assert by["draft"].anchor == "step-2" and abs(by["draft"].left_pct - 60.0) < 1e-9
    # an instant at the axis' end is still drawn, no wider than the minimum
    assert by["final"].duration_ms == 0.0 and by["final"].width_pct == MIN_WIDTH_PCT


def test_no_placeable_span_is_an_empty_timeline_and_one_instant_fills_the_axis() -> None:
    assert timeline([Event(seq=0, event_type="llm", started_at=None)], []) == []
    (only,) = timeline([Event(seq=0, event_type="llm", name="x", started_at=T0, ended_at=T0)], [])
    assert only.left_pct == 0.0 and only.width_pct == 100.0
