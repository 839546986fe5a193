"""The Replay Comparison report on both databases, with real replay sets of the user's agent.

The JSON twin (`GET /api/v1/replays/{id}`) and the page must show the same tool-call diffs.
"""

from __future__ import annotations

import html
import re
from typing import Any

from keel.reports.replay_comparison import (
    ComparisonColumn,
    output_keys,
    replay_comparison_data,
    replay_comparison_json,
    unique_labels,
)
from keel.store.engine import Database
from keel.store.models import Run
from keel.store.runs import RunDetail
from tests.conftest import ApiClient
from tests.web.replay_sets import queued_set, replayed_set, seed_making_unavailable, user_run

LABELS = ["base", "seed", "P1", "P2", "P3"]


def column(label: str, workflow_type: str, output: dict[str, Any]) -> ComparisonColumn:
    run = Run(run_id=label, workflow_type=workflow_type, inputs={}, output=output)
    return ComparisonColumn(label, label, RunDetail(run, [], []), {})


def test_labels_are_made_unique_by_sample() -> None:
    assert unique_labels(["base", "P1", "P1", "P2"]) == ["base", "P1 #1", "P1 #2", "P2"]


def test_output_keys_follow_the_workflows_contract_then_the_rest() -> None:
    output = {
        "disclaimer": "d",
        "citations": [],
        "next_steps": [],
        "answer": "a",
        "needs_human_review": False,
        "category": "TAX",
    }
    columns = [column("base", "support", output), column("P1", "support", {"extra": 1})]
    assert output_keys(columns) == [
        "category",
        "needs_human_review",
        "answer",
        "next_steps",
        "citations",
        "disclaimer",
        "extra",
    ]


def unavailable_lookup_set(database: Database) -> str:
    """Replay the user's agent to completion, its P3 replay without the `lookup` tool."""
    run_id = user_run(database)
    return replayed_set(database, run_id, seed_making_unavailable(database, run_id, "lookup"))


def test_a_finished_set_has_a_column_per_generation_with_its_tool_diff(
    database: Database,
) -> None:
    set_id = unavailable_lookup_set(database)
    with database.read() as session:
        report = replay_comparison_data(session, set_id)
    assert [c.label for c in report.columns] == LABELS
    base, *replays = report.columns
    assert base.diff is None and all(c.diff is not None for c in replays)
    p3 = replays[-1]
    assert p3.perturbation["constraint"] == {"kind": "unavailable", "tool": "lookup"}
    assert p3.diff is not None and p3.diff.counts()["removed"] == 1
    assert report.output_keys[:2] == ["category", "answer"]
    assert report.similarity is not None and report.similarity.labels == LABELS
    shown = replay_comparison_json(report)["comparison"]
    assert shown["output_keys"] == report.output_keys
    assert [c["label"] for c in shown["columns"]] == LABELS
    (removed,) = [row for row in shown["columns"][-1]["tool_diff"]["rows"] if not row["replay"]]
    assert removed["kind"] == "removed" and removed["base"]["tool_name"] == "lookup"
    assert shown["columns"][-1]["tool_path"] == ["search"]
    assert shown["similarity"]["labels"] == LABELS


def test_a_set_in_progress_has_no_comparison_yet(database: Database) -> None:
    set_id = queued_set(database, user_run(database))
    with database.read() as session:
        report = replay_comparison_data(session, set_id)
    shown = replay_comparison_json(report)
    assert report.in_progress and report.columns == []
    assert shown["status"] == "queued" and shown["comparison"] is None


def _call(cell: str) -> tuple[int, str] | None:
    match = re.search(r"#(\d+)</span> <strong>([^<]+)</strong>", cell)
    return (int(match.group(1)), html.unescape(match.group(2))) if match else None


def page_diffs(page: str) -> dict[str, list[tuple[str, Any, Any]]]:
    """Return per replay label the (kind, base call, replay call) rows the page draws."""
    diffs = {}
    for block in re.findall(r'<details class="tool-diff".*?</details>', page, re.S):
        label = re.search(r"<summary><strong>([^<]+)</strong>", block)
        assert label is not None
        rows = re.findall(
            r'data-kind="(\w+)">\s*<td>[^<]*</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>', block, re.S
        )
        diffs[html.unescape(label.group(1))] = [
            (kind, _call(base), _call(replay)) for kind, base, replay in rows
        ]
    return diffs


def json_diffs(body: dict[str, Any]) -> dict[str, list[tuple[str, Any, Any]]]:
    """Return per replay label the (kind, base call, replay call) rows the JSON carries."""

    def call(row: dict[str, Any], side: str) -> tuple[int, str] | None:
        found = row[side]
        return (row[f"{side}_index"], found["tool_name"]) if found else None

    return {
        c["label"]: [
            (r["kind"], call(r, "base"), call(r, "replay")) for r in c["tool_diff"]["rows"]
        ]
        for c in body["comparison"]["columns"]
        if c["label"] != "base"
    }


def test_the_json_twin_carries_the_tool_diffs_the_page_shows(
    api: ApiClient, database: Database
) -> None:
    set_id = unavailable_lookup_set(database)
    page = api.get(f"/replays/{set_id}", headers={"accept": "text/html"})
    body = api.get(f"/api/v1/replays/{set_id}").json()
    assert page.status_code == 200 and body["status"] == "completed"
    drawn = page_diffs(page.text)
    assert list(drawn) == LABELS[1:]
    assert drawn == json_diffs(body)
    assert ("removed", (1, "lookup"), None) in drawn["P3"]
    fields = re.findall(r'<tr data-field="([^"]+)">', page.text)
    assert fields == body["comparison"]["output_keys"]
