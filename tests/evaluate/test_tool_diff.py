"""The tool-call diff: aligned sequences with added, removed, reordered and changed-args rows."""

from __future__ import annotations

from keel.evaluate.tool_diff import Call, DiffKind, tool_diff


def calls(*specs: str) -> list[Call]:
    """Return calls from `tool` or `tool=digest` specs (the digest defaults to `d`)."""
    result = []
    for spec in specs:
        tool, _, digest = spec.partition("=")
        result.append(Call(tool, digest or "d"))
    return result


def kinds(base: list[Call], replay: list[Call]) -> list[tuple[str, str | None, str | None]]:
    return [
        (row.kind.value, row.base and row.base.tool_name, row.replay and row.replay.tool_name)
        for row in tool_diff(base, replay).rows
    ]


def test_identical_sequences_are_all_same() -> None:
    diff = tool_diff(calls("search", "lookup"), calls("search", "lookup"))
    assert diff.identical
    assert diff.counts() == {
        "same": 2,
        "changed_args": 0,
        "reworded_args": 0,
        "added": 0,
        "removed": 0,
        "reordered": 0,
    }


def test_a_call_the_replay_dropped_is_removed_and_a_new_one_added() -> None:
    assert kinds(calls("search", "lookup"), calls("search")) == [
        ("same", "search", "search"),
        ("removed", "lookup", None),
    ]
    assert kinds(calls("search"), calls("search", "transactions")) == [
        ("same", "search", "search"),
        ("added", None, "transactions"),
    ]


def test_same_tool_with_other_arguments_is_changed_args() -> None:
    diff = tool_diff(calls("search=k3", "lookup"), calls("search=k5", "lookup"))
    assert [row.kind for row in diff.rows] == [DiffKind.CHANGED_ARGS, DiffKind.SAME]
    assert not diff.identical


def test_swapped_calls_are_reordered_not_added_and_removed() -> None:
    rows = tool_diff(calls("search", "lookup"), calls("lookup", "search")).rows
    assert sorted(row.kind.value for row in rows) == ["reordered", "same"]
    moved = next(row for row in rows if row.kind is DiffKind.REORDERED)
    assert moved.base is not None and moved.replay is not None
    assert moved.base.tool_name == moved.replay.tool_name
    assert moved.base_index != moved.replay_index


def test_a_replaced_tool_stays_removed_and_added() -> None:
    assert kinds(calls("search", "lookup"), calls("search", "ledger")) == [
        ("same", "search", "search"),
        ("removed", "lookup", None),
        ("added", None, "ledger"),
    ]


def test_empty_sides() -> None:
    assert tool_diff([], []).rows == []
    assert kinds([], calls("search")) == [("added", None, "search")]
    assert kinds(calls("search"), []) == [("removed", "search", None)]


def test_arguments_a_paraphrase_reworded_are_marked_so_and_not_a_difference() -> None:
    base, replay = calls("search=q", "lookup=c"), calls("search=q-reworded", "lookup=c")
    plain = tool_diff(base, replay)
    assert not plain.identical and plain.counts()["changed_args"] == 1
    reworded = tool_diff(base, replay, reworded=True)
    assert reworded.identical
    assert [row.kind for row in reworded.rows] == [DiffKind.REWORDED_ARGS, DiffKind.SAME]
    dropped = tool_diff(base, calls("search=q-reworded"), reworded=True)
    assert not dropped.identical and dropped.counts()["removed"] == 1
