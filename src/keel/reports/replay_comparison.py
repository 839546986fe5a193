"""Replay Comparison (`/replays/{id}`, `GET /api/v1/replays/{id}`): base and replays side by side.

Once a set has finished, each generation is a column: its run, what its perturbation changed,
its output, and its tool calls aligned against the base's (keel.evaluate.tool_diff). Output
fields come in the order of the workflow's output contract (keel.evaluate.contract), then the
rest as they appear.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from keel.core.errors import NotFound
from keel.core.side_effects import comparison_digest
from keel.evaluate.contract import contract_for, inferred_contract
from keel.evaluate.generation import rewords
from keel.evaluate.tool_diff import Call, ToolDiff, tool_diff
from keel.store.models import ReplaySet, ToolCall
from keel.store.replays import ReplaySetDetail, replay_set_detail
from keel.store.runs import RunDetail, run_detail

IN_PROGRESS = ("queued", "running")


@dataclass
class ComparisonColumn:
    """One generation side by side: the base run or a replay, with what was changed for it."""

    label: str
    run_id: str | None
    detail: RunDetail | None
    perturbation: dict[str, Any]
    diff: ToolDiff | None = None

    @property
    def output(self) -> dict[str, Any]:
        """Return the run's output, empty when it has none (or the run is missing)."""
        return (self.detail.run.output if self.detail else None) or {}


@dataclass(frozen=True)
class Similarity:
    """The answers' pairwise similarity: a row and a column per generation (None: it failed)."""

    labels: list[str]
    matrix: list[list[float | None]]


@dataclass
class ReplayComparison:
    """A replay set and, once it has finished, its generations side by side."""

    detail: ReplaySetDetail
    columns: list[ComparisonColumn] = field(default_factory=list)
    output_keys: list[str] = field(default_factory=list)

    @property
    def replay_set(self) -> ReplaySet:
        """Return the stored set (status, progress, result)."""
        return self.detail.replay_set

    @property
    def in_progress(self) -> bool:
        """Return whether the set is still queued or running (then it has no columns yet)."""
        return self.replay_set.status in IN_PROGRESS

    @property
    def stability(self) -> dict[str, Any]:
        """Return the set's stability result, empty until it has one."""
        return self.replay_set.result.get("stability") or {}

    @property
    def similarity(self) -> Similarity | None:
        """Return the similarity matrix with unique labels, or None when the set has none."""
        matrix = self.stability.get("similarity") or []
        if not matrix:
            return None
        return Similarity(unique_labels(list(self.stability.get("labels", []))), matrix)


def _calls(tool_calls: list[ToolCall]) -> list[Call]:
    return [
        Call(c.tool_name, comparison_digest(c.args_digest, c.result_meta), c.args_preview)
        for c in tool_calls
    ]


def unique_labels(labels: list[str]) -> list[str]:
    """Return labels made unique by sample: `P1`, `P1 #2`, ... (a heatmap's axis needs it)."""
    totals = Counter(labels)
    seen: Counter[str] = Counter()
    result = []
    for label in labels:
        seen[label] += 1
        result.append(f"{label} #{seen[label]}" if totals[label] > 1 else label)
    return result


def output_keys(columns: list[ComparisonColumn]) -> list[str]:
    """Return the output fields to compare: the contract's leading ones present, then the rest."""
    outputs = [column.output for column in columns]
    base = columns[0].detail
    if base is None:
        contract = inferred_contract(outputs)
    else:
        contract = contract_for(base.run.workflow_type, base.run.inputs, outputs)
    present = dict.fromkeys(key for output in outputs for key in output)
    leading = [key for key in contract.leading if key in present]
    return leading + [key for key in present if key not in leading]


def comparison_columns(session: Session, detail: ReplaySetDetail) -> list[ComparisonColumn]:
    """Return the base and each replay with its run and its tool-call diff against the base."""
    base_id = detail.replay_set.base_run_id
    base = run_detail(session, base_id)
    columns = [ComparisonColumn("base", base_id, base, {})]
    labels = unique_labels([replay.perturbation_type for replay in detail.replays])
    for label, replay in zip(labels, detail.replays, strict=True):
        run = run_detail(session, replay.replay_run_id) if replay.replay_run_id else None
        diff = None
        if run is not None and base is not None:
            calls = _calls(base.tool_calls), _calls(run.tool_calls)
            diff = tool_diff(*calls, reworded=rewords(replay.perturbation_type))
        perturbation = replay.metrics.get("perturbation", {})
        columns.append(ComparisonColumn(label, replay.replay_run_id, run, perturbation, diff))
    return columns


def replay_set_of(session: Session, set_id: str) -> ReplaySetDetail:
    """Return replay set `set_id` with its replays; NotFound for an unknown set."""
    detail = replay_set_detail(session, set_id)
    if detail is None:
        raise NotFound(f"no replay set {set_id!r}", field="set_id")
    return detail


def replay_comparison_data(session: Session, set_id: str) -> ReplayComparison:
    """Return replay set `set_id` and, once it has finished, its comparison."""
    report = ReplayComparison(replay_set_of(session, set_id))
    if not report.in_progress:
        report.columns = comparison_columns(session, report.detail)
        report.output_keys = output_keys(report.columns)
    return report


def tool_diff_json(diff: ToolDiff) -> dict[str, Any]:
    """Return a tool-call diff as JSON-ready data: its rows, counts per kind, and identical."""
    return {
        "identical": diff.identical,
        "counts": diff.counts(),
        "rows": [{**asdict(row), "kind": row.kind.value} for row in diff.rows],
    }


def _column_json(column: ComparisonColumn) -> dict[str, Any]:
    detail = column.detail
    return {
        "label": column.label,
        "run_id": column.run_id,
        "status": detail.run.status if detail else None,
        "perturbation_record": column.perturbation,
        "output": detail.run.output if detail else None,
        "tool_path": [call.tool_name for call in detail.tool_calls] if detail else [],
        "tool_diff": tool_diff_json(column.diff) if column.diff else None,
    }


def _comparison_json(report: ReplayComparison) -> dict[str, Any]:
    similarity = report.similarity
    return {
        "output_keys": report.output_keys,
        "columns": [_column_json(column) for column in report.columns],
        "similarity": asdict(similarity) if similarity else None,
    }


def replay_comparison_json(report: ReplayComparison) -> dict[str, Any]:
    """Return the set, its replays, its result and (once finished) its comparison as JSON."""
    replay_set = report.replay_set
    return {
        "replay_set_id": replay_set.set_id,
        "base_run_id": replay_set.base_run_id,
        "status": replay_set.status,
        "progress": {"done": replay_set.done, "total": replay_set.total},
        "seed": replay_set.seed,
        "samples": replay_set.samples,
        "perturbations": replay_set.perturbations.get("kinds", []),
        "created_at": replay_set.created_at.isoformat(),
        "finished_at": replay_set.finished_at.isoformat() if replay_set.finished_at else None,
        "error": replay_set.error,
        "replays": [
            {
                "perturbation": replay.perturbation_type,
                "sample": replay.sample,
                "run_id": replay.replay_run_id,
                "perturbation_record": replay.metrics.get("perturbation", {}),
            }
            for replay in report.detail.replays
        ],
        "result": replay_set.result,
        "comparison": None if report.in_progress else _comparison_json(report),
    }
