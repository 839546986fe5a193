"""The execution graph's steps and layout, on plain rows (no database, no browser)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from keel.web.execution_graph import MAX_STEPS, NODE_W, Step, layout, steps_of_run

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def event(seq: int, name: str, start: float, end: float, kind: str = "llm", **fields: Any) -> Any:
    row = dict(
        seq=seq,
        event_type=kind,
        name=name,
        started_at=at(start),
        ended_at=at(end),
        span_id=None,
        parent_span_id=None,
        status=None,
        input_tokens=10,
        output_tokens=5,
        payload={},
    )
    row.update(fields)
    return SimpleNamespace(**row)


def call(seq: int, tool: str, start: float, end: float, **fields: Any) -> Any:
    row = dict(
        seq=seq,
        tool_name=tool,
        started_at=at(start),
        ended_at=at(end),
        span_id=None,
        call_id=None,
        latency_ms=(end - start) * 1000,
        error=None,
    )
    row.update(fields)
    return SimpleNamespace(**row)


def step(key: str, label: str, start: float, end: float, **fields: Any) -> Step:
    return Step(key, fields.pop("kind", "llm"), label, f"#{key}", at(start), at(end), **fields)


def test_every_event_and_unmatched_tool_call_is_a_step_in_start_order() -> None:
    steps = steps_of_run(
        [event(0, "planner", 0, 1), event(1, "final", 3, 4)],
        [call(0, "search", 1.5, 2), call(1, "lookup", 1.2, 1.4)],
    )
    assert [s.label for s in steps] == ["planner", "lookup", "search", "final"]
    assert [s.href for s in steps] == ["#step-0", "#call-1", "#call-0", "#step-1"]


def test_a_tool_span_and_its_call_are_one_step() -> None:
    span = event(0, "execute_tool search", 0, 1, kind="tool", span_id="s1", status="ERROR")
    steps = steps_of_run([span], [call(0, "search", 0, 1, span_id="s1", error="boom")])
    assert len(steps) == 1
    assert (steps[0].label, steps[0].kind, steps[0].href, steps[0].error) == (
        "search",
        "tool",
        "#call-0",
        True,
    )


def test_overlapping_siblings_share_a_column_and_sequential_ones_do_not() -> None:
    graph = layout(
        [
            step("p", "planner", 0, 1),
            step("a", "search", 1, 2, kind="tool"),
            step("b", "lookup", 1.5, 2.5, kind="tool"),
            step("d", "draft", 3, 4),
        ]
    )
    columns = {node.step.key: node.column for node in graph.nodes}
    assert columns == {"p": 0, "a": 1, "b": 1, "d": 2}
    assert [edge.kind for edge in graph.edges].count("flow") == 4


def test_a_critic_sending_back_to_draft_is_a_back_edge_per_pass() -> None:
    names = ["planner", "draft", "critic", "draft", "critic", "draft", "critic", "final"]
    graph = layout([step(f"s{i}", name, i, i + 0.5) for i, name in enumerate(names)])
    loops = [edge for edge in graph.edges if edge.kind == "loop"]
    assert graph.loops == 2 and [edge.label for edge in loops] == ["loop 1", "loop 2"]
    x_of = {node.step.key: node.x for node in graph.nodes}
    # Each loop leaves a critic and returns to the draft that critic judged.
    for edge, (critic, draft) in zip(loops, [("s2", "s1"), ("s4", "s3")], strict=True):
        start_x = float(edge.path.split(",")[0].removeprefix("M"))
        end_x = float(edge.path.split(" ")[-1].split(",")[0])
        assert (start_x, end_x) == (x_of[critic] + NODE_W / 2, x_of[draft] + NODE_W / 2)


def test_calling_the_same_tool_twice_in_a_row_is_not_a_loop() -> None:
    graph = layout([step("a", "search", 0, 1, kind="tool"), step("b", "search", 2, 3, kind="tool")])
    assert graph.loops == 0 and len(graph.nodes) == 2


def test_child_spans_hang_off_their_parent() -> None:
    graph = layout(
        [
            step("root", "agent", 0, 10, kind="agent", span_id="r"),
            step("c1", "chat", 1, 2, span_id="c1", parent_span_id="r"),
            step("t1", "search", 3, 4, kind="tool", span_id="t1", parent_span_id="r"),
            step("orphan", "remote", 11, 12, span_id="o", parent_span_id="not-in-this-run"),
        ]
    )
    kinds = sorted(edge.kind for edge in graph.edges)
    assert kinds == ["child", "flow", "flow"]
    assert len(graph.nodes) == 4


def test_huge_runs_draw_the_first_steps_and_count_the_rest() -> None:
    graph = layout([step(f"s{i}", f"step {i}", i, i + 0.5) for i in range(MAX_STEPS + 7)])
    assert len(graph.nodes) == MAX_STEPS and graph.omitted == 7
    assert graph.width > 0 and graph.height > 0


def test_no_steps_no_graph() -> None:
    graph = layout([])
    assert graph.nodes == [] and graph.edges == [] and graph.width == 0
