"""The Heal action of an UNSTABLE run (Run Detail, Replay Comparison): queue a heal, then show
its progress (rerun, re-scoring i of n) and its verdict, as the Replay action does.

htmx posts `/runs/{id}/heal` and swaps in `_heal_action.html`, which polls
`/runs/{id}/heal/progress` every second while the job is queued or running.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from keel.auth.scopes import Scope
from keel.core.errors import Conflict
from keel.jobs.submit import submit_heal
from keel.store.heal import heal_progress
from keel.web.deps import DatabaseDep, SettingsDep, TemplatesDep
from keel.web.security import ANON_CSRF_COOKIE, form_csrf_token, require, set_cookie

router = APIRouter(include_in_schema=False)


def heal_action_context(session: Session, run_id: str, request: Request) -> dict[str, Any]:
    """Return what a page needs to draw run `run_id`'s Heal action: a pending job's progress
    (None: the button), and the CSRF token the button posts with."""
    progress = heal_progress(session, run_id)
    token, new = form_csrf_token(request)
    return {
        "run_id": run_id,
        "progress": progress if progress and progress.pending else None,
        "csrf_token": token,
        "new_csrf_token": new,
    }


def keep_csrf(request: Request, response: HTMLResponse, context: dict[str, Any]) -> HTMLResponse:
    """Set the anonymous CSRF cookie when the page's token is new; return `response`."""
    if context.get("new_csrf_token"):
        set_cookie(request, response, ANON_CSRF_COOKIE, context["csrf_token"], 24 * 3600)
    return response


@router.get(
    "/runs/{run_id}/heal/progress", response_class=HTMLResponse, dependencies=[require(Scope.READ)]
)
def heal_progress_view(
    run_id: str, request: Request, db: DatabaseDep, templates: TemplatesDep
) -> HTMLResponse:
    """Return the Heal action's partial: the job's stage, then its verdict."""
    with db.read() as session:
        progress = heal_progress(session, run_id)
    context = {"run_id": run_id, "progress": progress}
    return templates.TemplateResponse(request, "_heal_action.html", context)


@router.post(
    "/runs/{run_id}/heal", response_class=HTMLResponse, dependencies=[require(Scope.REVIEW)]
)
async def heal_action(
    run_id: str, request: Request, db: DatabaseDep, settings: SettingsDep, templates: TemplatesDep
) -> HTMLResponse:
    """Queue a heal of run `run_id` and return its progress partial (or why it cannot be)."""
    principal = getattr(request.state, "principal", None)
    actor = principal.actor if principal is not None else "api"
    try:
        await run_in_threadpool(
            submit_heal, db, settings, request.app.state.jobs, run_id, actor=actor
        )
    except Conflict as exc:
        # 200, so htmx swaps the reason in where the button was.
        context = {"run_id": run_id, "error": exc.message}
        return templates.TemplateResponse(request, "_heal_action.html", context)
    return heal_progress_view(run_id, request, db, templates)
