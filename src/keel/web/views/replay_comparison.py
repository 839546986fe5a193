"""Page C, Replay Comparison (`/replays/{id}`): base vs replays, similarity, fields, tool diffs.

While the set is queued or running the page shows its progress; htmx polls the partial
`/replays/{id}/progress` every second and, once the set is done, reloads the full page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from keel.auth.scopes import Scope
from keel.core.errors import Conflict, NotFound
from keel.evaluate.tool_diff import Call, ToolDiff, tool_diff
from keel.jobs.submit import submit_replay_set
from keel.store.models import ToolCall
from keel.store.replays import ReplaySetDetail, replay_set_detail
from keel.store.runs import RunDetail, run_detail
from keel.web.charts import Figure, similarity_heatmap
from keel.web.deps import DatabaseDep, SettingsDep, TemplatesDep
from keel.web.routes.replays import ReplayRequest
from keel.web.security import require

router = APIRouter(include_in_schema=False)

IN_PROGRESS = ("queued", "running")
# Shown first, in this order, when a run's output has them (the support agent's contract).
LEADING_FIELDS = ("category", "needs_human_review", "answer", "citations")


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


def _calls(tool_calls: list[ToolCall]) -> list[Call]:
    return [Call(c.tool_name, c.args_digest, c.args_preview) for c in tool_calls]


def unique_labels(labels: list[str]) -> list[str]:
    """Return labels made unique by sample: `P1`, `P1 #2`, ... (the heatmap's axis needs it)."""
    totals = Counter(labels)
    seen: Counter[str] = Counter()
    result = []
    for label in labels:
        seen[label] += 1
        result.append(f"{label} #{seen[label]}" if totals[label] > 1 else label)
    return result


def output_keys(columns: list[ComparisonColumn]) -> list[str]:
    """Return the output fields to compare: the leading ones present, then the rest in order."""
    present: dict[str, None] = {}
    for column in columns:
        present.update(dict.fromkeys(column.output))
    leading = [key for key in LEADING_FIELDS if key in present]
    return leading + [key for key in present if key not in LEADING_FIELDS]


def comparison_columns(session: Any, detail: ReplaySetDetail) -> list[ComparisonColumn]:
    """Return the base and each replay with its run and its tool-call diff against the base."""
    base_id = detail.replay_set.base_run_id
    base = run_detail(session, base_id)
    columns = [ComparisonColumn("base", base_id, base, {})]
    labels = unique_labels([replay.perturbation_type for replay in detail.replays])
    for label, replay in zip(labels, detail.replays, strict=True):
        run = run_detail(session, replay.replay_run_id) if replay.replay_run_id else None
        diff = None
        if run is not None and base is not None:
            diff = tool_diff(_calls(base.tool_calls), _calls(run.tool_calls))
        perturbation = replay.metrics.get("perturbation", {})
        columns.append(ComparisonColumn(label, replay.replay_run_id, run, perturbation, diff))
    return columns


def heatmap(stability: dict[str, Any]) -> Figure | None:
    """Return the similarity heatmap's figure, or None when the set has no matrix."""
    matrix = stability.get("similarity") or []
    if not matrix:
        return None
    return similarity_heatmap(unique_labels(list(stability.get("labels", []))), matrix)


def _load(db: DatabaseDep, set_id: str) -> ReplaySetDetail:
    with db.read() as session:
        detail = replay_set_detail(session, set_id)
    if detail is None:
        raise NotFound(f"No replay set with id {set_id!r}.", field="set_id")
    return detail


@router.get(
    "/replays/{set_id}/progress", response_class=HTMLResponse, dependencies=[require(Scope.READ)]
)
def replay_progress(
    set_id: str,
    request: Request,
    db: DatabaseDep,
    templates: TemplatesDep,
    compact: bool = Query(False, description="The Runs page's inline form (no reload)."),
) -> HTMLResponse:
    """Return the progress partial; once the set is done, tell htmx to load the full page."""
    detail = _load(db, set_id)
    context = {"replay_set": detail.replay_set}
    if compact:
        return templates.TemplateResponse(request, "_replay_action.html", context)
    response = templates.TemplateResponse(request, "_replay_progress.html", context)
    if detail.replay_set.status not in IN_PROGRESS:
        response.headers["HX-Refresh"] = "true"
    return response


@router.post(
    "/runs/{run_id}/replay", response_class=HTMLResponse, dependencies=[require(Scope.REVIEW)]
)
async def replay_action(
    run_id: str, request: Request, db: DatabaseDep, settings: SettingsDep, templates: TemplatesDep
) -> HTMLResponse:
    """Start replaying a run from the Runs page (as POST /api/v1/runs/{id}/replays does)."""
    body = ReplayRequest()
    jobs = request.app.state.jobs
    try:
        set_id = await run_in_threadpool(
            submit_replay_set,
            db,
            settings,
            jobs,
            run_id,
            body.perturbations,
            body.samples,
            body.seed,
        )
    except Conflict as exc:
        # 200, so htmx swaps the reason in where the button was.
        context = {"error": exc.message, "run_id": run_id}
        return templates.TemplateResponse(request, "_replay_action.html", context)
    return replay_progress(set_id, request, db, templates, compact=True)


@router.get("/replays/{set_id}", response_class=HTMLResponse, dependencies=[require(Scope.READ)])
def replay_comparison(
    set_id: str, request: Request, db: DatabaseDep, templates: TemplatesDep
) -> HTMLResponse:
    """Render a replay set: its progress while it runs, then the full comparison."""
    detail = _load(db, set_id)
    replay_set = detail.replay_set
    context: dict[str, Any] = {"active": "runs", "replay_set": replay_set}
    if replay_set.status in IN_PROGRESS:
        return templates.TemplateResponse(request, "replay_progress.html", context)
    with db.read() as session:
        columns = comparison_columns(session, detail)
    stability = replay_set.result.get("stability") or {}
    context.update(
        columns=columns,
        keys=output_keys(columns),
        stability=stability,
        heatmap=heatmap(stability),
    )
    return templates.TemplateResponse(request, "replay_comparison.html", context)
