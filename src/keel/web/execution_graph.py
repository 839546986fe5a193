"""The execution graph of one run, laid out for server-side SVG: a node per step, in start order.

Steps are the run's events plus the tool calls no event stands for (keel's SDK records tool
calls apart from events; an OTLP tool span is both, joined by span id). Left to right, each
column is a stage: steps of the same parent that overlap in time share a column (parallel tool
calls stacked side by side), anything else starts a new one. Edges:

- flow: from each step of a stage to each step of the next stage with the same parent;
- child: from a span to the first stage of its children (ingested traces);
- loop: when a step repeats one seen earlier under the same parent (a critic sending the
  answer back to draft), a back-edge from the step that sent it back to that earlier step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

NODE_W = 136
NODE_H = 46
COL_GAP = 42
ROW_GAP = 14
PAD = 16
LOOP_SPACE = 44
MAX_STEPS = 200
TOOL_EVENT_TYPES = {"tool", "tool_call", "execute_tool"}
KIND_CLASSES = {"llm": "llm", "tool": "tool", "agent": "agent", "chain": "chain"}


@dataclass(frozen=True)
class Step:
    """One step of a run as the graph sees it."""

    key: str
    kind: str
    label: str
    href: str
    started_at: datetime | None = None
    ended_at: datetime | None = None
    span_id: str | None = None
    parent_span_id: str | None = None
    error: bool = False
    detail: str = ""

    def overlaps(self, other: Step) -> bool:
        """Return whether both have times and their intervals overlap."""
        if None in (self.started_at, self.ended_at, other.started_at, other.ended_at):
            return False
        return self.started_at < other.ended_at and other.started_at < self.ended_at  # type: ignore[operator]


@dataclass(frozen=True)
class Node:
    """A step placed on the canvas."""

    step: Step
    x: float
    y: float
    column: int

    width = NODE_W
    height = NODE_H

    @property
    def css_class(self) -> str:
        """Return the node's classes: its kind, and error when the step failed."""
        kind = KIND_CLASSES.get(self.step.kind, "other")
        return f"step-node kind-{kind}" + (" error" if self.step.error else "")


@dataclass(frozen=True)
class Edge:
    """A connection drawn as an SVG path; `kind` is flow, child or loop."""

    kind: str
    path: str
    label: str = ""
    label_x: float = 0.0
    label_y: float = 0.0


@dataclass
class Graph:
    """The laid-out graph: nodes, edges, canvas size, and how many steps were left out."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0
    omitted: int = 0
    loops: int = 0


def _duration_ms(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start).total_seconds() * 1000.0 if start and end else None


def _detail(kind: str, tokens: int, ms: float | None) -> str:
    parts = [kind]
    if tokens:
        parts.append(f"{tokens:,} tok")
    if ms is not None:
        parts.append(f"{ms:,.0f} ms" if ms < 1000 else f"{ms / 1000:,.1f} s")
    return " · ".join(parts)


def _is_error(status: Any) -> bool:
    return isinstance(status, str) and status.upper() in ("ERROR", "FAILED")


def _represents(event: Any, call: Any) -> bool:
    """Return whether `event` is the span or SDK event of tool call `call`."""
    if event.span_id and event.span_id == call.span_id:
        return True
    if event.event_type not in TOOL_EVENT_TYPES:
        return False
    payload = event.payload or {}
    call_id = payload.get("call_id") or payload.get("tool_call_id")
    if call.call_id and call_id == call.call_id:
        return True
    return (
        event.name == call.tool_name
        and bool(event.started_at)
        and (event.started_at == call.started_at)
    )


def steps_of_run(events: Sequence[Any], tool_calls: Sequence[Any]) -> list[Step]:
    """Return the run's steps in start order from its event and tool-call rows."""
    calls_of_event: dict[int, Any] = {}
    unmatched = []
    for call in tool_calls:
        match = next(
            (e for e in events if id(e) not in calls_of_event and _represents(e, call)), None
        )
        if match is None:
            unmatched.append(call)
        else:
            calls_of_event[id(match)] = call
    steps: list[tuple[int, Step]] = []
    for order, event in enumerate(events):
        call = calls_of_event.get(id(event))
        steps.append((order, _event_step(event, call)))
    for order, call in enumerate(unmatched, start=len(events)):
        steps.append((order, _call_step(call)))
    steps.sort(key=lambda item: (item[1].started_at is None, item[1].started_at or 0, item[0]))
    return [step for _, step in steps]


def _event_step(event: Any, call: Any | None) -> Step:
    kind = "tool" if call is not None else str(event.event_type)
    tokens = int(event.input_tokens or 0) + int(event.output_tokens or 0)
    error = _is_error(event.status) or (call is not None and call.error is not None)
    return Step(
        key=f"step-{event.seq}",
        kind=kind,
        label=str(call.tool_name if call is not None else event.name or event.event_type),
        href=f"#call-{call.seq}" if call is not None else f"#step-{event.seq}",
        started_at=event.started_at,
        ended_at=event.ended_at,
        span_id=event.span_id,
        parent_span_id=event.parent_span_id,
        error=error,
        detail=_detail(kind, tokens, _duration_ms(event.started_at, event.ended_at)),
    )


def _call_step(call: Any) -> Step:
    latency = call.latency_ms
    if latency is None:
        latency = _duration_ms(call.started_at, call.ended_at)
    return Step(
        key=f"call-{call.seq}",
        kind="tool",
        label=str(call.tool_name),
        href=f"#call-{call.seq}",
        started_at=call.started_at,
        ended_at=call.ended_at,
        span_id=call.span_id,
        error=call.error is not None,
        detail=_detail("tool", 0, latency),
    )


def _stages(steps: Sequence[Step]) -> list[list[Step]]:
    """Group steps into columns: a step joins its parent's latest stage when it overlaps it."""
    stages: list[list[Step]] = []
    latest: dict[str | None, list[Step]] = {}
    for step in steps:
        stage = latest.get(step.parent_span_id)
        if stage is not None and any(step.overlaps(other) for other in stage):
            stage.append(step)
            continue
        stage = [step]
        stages.append(stage)
        latest[step.parent_span_id] = stage
    return stages


def layout(steps: Sequence[Step]) -> Graph:
    """Return the graph of `steps` (at most MAX_STEPS of them) with coordinates and edges."""
    shown = list(steps[:MAX_STEPS])
    known_spans = {step.span_id for step in shown if step.span_id}
    # A parent outside the run (a remote caller's span) makes the step a top-level one.
    shown = [
        step
        if step.parent_span_id is None or step.parent_span_id in known_spans
        else _reparent(step)
        for step in shown
    ]
    stages = _stages(shown)
    graph = Graph(omitted=max(0, len(steps) - MAX_STEPS))
    if not stages:
        return graph
    tallest = max(len(stage) for stage in stages)
    height = tallest * NODE_H + (tallest - 1) * ROW_GAP
    placed: dict[str, Node] = {}
    for column, stage in enumerate(stages):
        top = LOOP_SPACE + PAD + (height - (len(stage) * NODE_H + (len(stage) - 1) * ROW_GAP)) / 2
        for row, step in enumerate(stage):
            node = Node(
                step, PAD + column * (NODE_W + COL_GAP), top + row * (NODE_H + ROW_GAP), column
            )
            placed[step.key] = node
            graph.nodes.append(node)
    graph.edges = list(_edges(stages, placed, graph))
    graph.width = PAD * 2 + len(stages) * NODE_W + (len(stages) - 1) * COL_GAP
    graph.height = LOOP_SPACE + PAD * 2 + height
    return graph


def _reparent(step: Step) -> Step:
    return Step(**{**step.__dict__, "parent_span_id": None})


def _edges(stages: list[list[Step]], placed: dict[str, Node], graph: Graph) -> Iterable[Edge]:
    by_parent: dict[str | None, list[list[Step]]] = defaultdict(list)
    for stage in stages:
        by_parent[stage[0].parent_span_id].append(stage)
    span_nodes = {node.step.span_id: node for node in placed.values() if node.step.span_id}
    for parent, sibling_stages in by_parent.items():
        if parent is not None and parent in span_nodes:
            for step in sibling_stages[0]:
                yield _forward(span_nodes[parent], placed[step.key], "child")
        passes = _Passes()
        passes.record(sibling_stages[0])
        for before, after in pairwise(sibling_stages):
            for source in before:
                for target in after:
                    yield _forward(placed[source.key], placed[target.key], "flow")
            back = passes.back_edge(before, after)
            if back is not None:
                graph.loops += 1
                source, target = back
                yield _back(placed[source.key], placed[target.key], f"loop {graph.loops}")
            passes.record(after)


class _Passes:
    """Tracks the steps seen under one parent to tell a new pass (a loop) from progress."""

    def __init__(self) -> None:
        self.first_index: dict[str, int] = {}
        self.latest: dict[str, Step] = {}

    def record(self, stage: list[Step]) -> None:
        """Note the steps of `stage` as the most recent of their kind."""
        for step in stage:
            self.first_index.setdefault(_identity(step), len(self.first_index))
            self.latest[_identity(step)] = step

    def back_edge(self, before: list[Step], after: list[Step]) -> tuple[Step, Step] | None:
        """Return (sender, earlier step) when `after` goes back to a step before `before`'s."""
        source = max(before, key=lambda step: self.first_index[_identity(step)])
        source_index = self.first_index[_identity(source)]
        for target in after:
            index = self.first_index.get(_identity(target))
            if index is not None and index < source_index:
                return source, self.latest[_identity(target)]
        return None


def _identity(step: Step) -> str:
    return f"{step.kind}:{step.label}"


def _forward(source: Node, target: Node, kind: str) -> Edge:
    x1, y1 = source.x + NODE_W, source.y + NODE_H / 2
    x2, y2 = target.x, target.y + NODE_H / 2
    bend = max(COL_GAP / 2, (x2 - x1) / 3)
    curve = f"C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2 - 2:.1f},{y2:.1f}"
    return Edge(kind, f"M{x1:.1f},{y1:.1f} {curve}")


def _back(source: Node, target: Node, label: str) -> Edge:
    x1, y1 = source.x + NODE_W / 2, source.y
    x2, y2 = target.x + NODE_W / 2, target.y
    top = min(y1, y2) - LOOP_SPACE + 6
    path = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{top:.1f} {x2:.1f},{top:.1f} {x2:.1f},{y2 - 2:.1f}"
    # A cubic with both control points at `top` peaks at a quarter of the way back from it.
    apex = 0.25 * min(y1, y2) + 0.75 * top
    return Edge("loop", path, label, (x1 + x2) / 2, apex - 5)
