"""Page C, Replay Comparison (`/replays/{id}`): base vs replays, similarity, fields, tool diffs.

The page draws keel.reports.replay_comparison, whose JSON its twin `GET /api/v1/replays/{id}`
returns. While the set is queued or running the page shows its progress; htmx polls the partial
`/replays/{id}/progress` every second and, once the set is done, reloads the full page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from keel.auth.scopes import Scope
from keel.core.errors import Conflict
from keel.jobs.kinds import JobKind
from keel.jobs.submit import cancel, submit_replay_set
from keel.reports.replay_comparison import (
    IN_PROGRESS,
    Similarity,
    replay_comparison_data,
    replay_set_of,
)
from keel.web.charts import Figure, similarity_heatmap
from keel.web.deps import DatabaseDep, SettingsDep, TemplatesDep
from keel.web.schemas import ReplayRequest
from keel.web.security import ANON_CSRF_COOKIE, form_csrf_token, require, set_cookie
from keel.web.views.heal import heal_action_context, keep_csrf

router = APIRouter(include_in_schema=False)


def heatmap(similarity: Similarity | None) -> Figure | None:
    """Return the similarity heatmap's figure, or None when the set has no matrix."""
    return similarity_heatmap(similarity.labels, similarity.matrix) if similarity else None


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
    with db.read() as session:
        replay_set = replay_set_of(session, set_id).replay_set
    token, _ = form_csrf_token(request)  # the Cancel button posts with it
    context = {"replay_set": replay_set, "csrf_token": token}
    if compact:
        return templates.TemplateResponse(request, "_replay_action.html", context)
    response = templates.TemplateResponse(request, "_replay_progress.html", context)
    if replay_set.status not in IN_PROGRESS:
        response.headers["HX-Refresh"] = "true"
    return response


@router.post(
    "/replays/{set_id}/cancel", response_class=HTMLResponse, dependencies=[require(Scope.REVIEW)]
)
def cancel_action(
    set_id: str, request: Request, db: DatabaseDep, templates: TemplatesDep
) -> HTMLResponse:
    """Cancel a replay set from its page (as POST /api/v1/replays/{id}/cancel does)."""
    with db.read() as session:
        replay_set_of(session, set_id)  # 404 when unknown
    cancel(db, JobKind.REPLAY_SET, set_id)
    return replay_progress(set_id, request, db, templates, compact=False)


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
    with db.read() as session:
        report = replay_comparison_data(session, set_id)
        base_id = report.replay_set.base_run_id
        heal = heal_action_context(session, base_id, request)
    context: dict[str, Any] = {"active": "runs", "replay_set": report.replay_set}
    if report.in_progress:
        token, new_token = form_csrf_token(request)  # the Cancel button posts with it
        context["csrf_token"] = token
        response = templates.TemplateResponse(request, "replay_progress.html", context)
        if new_token:
            set_cookie(request, response, ANON_CSRF_COOKIE, token, 24 * 3600)
        return response
    base = report.columns[0].detail if report.columns else None
    context.update(
        columns=report.columns,
        keys=report.output_keys,
        stability=report.stability,
        heatmap=heatmap(report.similarity),
        base_status=base.run.status if base else None,
        **heal,
    )
    response = templates.TemplateResponse(request, "replay_comparison.html", context)
    return keep_csrf(request, response, context)
