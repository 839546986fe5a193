"""The review queue page `/review`: runs awaiting a human, and a decision form for each.

Reading needs `read`; deciding needs `review` and the form's CSRF token (the session's when
signed in, else a double-submit cookie). A decision redirects back (303) to the same view:
the form carries the queue's filters, order and page, so the reviewer stays where they were.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from keel.auth.scopes import Scope
from keel.core.errors import InvalidInput, NotFound
from keel.govern import review as review_domain
from keel.reports.review_queue import review_queue_data
from keel.store.reviews import QUEUE_REASONS, QUEUE_SORTS, QUEUE_STATES, QueueFilters
from keel.web.deps import DatabaseDep, SettingsDep, TemplatesDep
from keel.web.security import ANON_CSRF_COOKIE, ReviewAccess, form_csrf_token, require, set_cookie

router = APIRouter(tags=["pages"], include_in_schema=False)

#: The query parameters that make up a view of the queue, kept across a decision.
VIEW_PARAMS = ("workflow_type", "reason", "state", "sort", "cursor")
#: What the pager's link says under each order: the next page continues that order.
PAGER_LABELS = {"oldest": "Newer runs →", "newest": "Older runs →", "risk": "Lower risk →"}


def view_query(params: dict[str, str]) -> dict[str, str]:
    """Return the queue-view parameters of `params` that are set (a decision returns to them)."""
    return {name: params[name] for name in VIEW_PARAMS if params.get(name)}


@router.get("/review", response_class=HTMLResponse, dependencies=[require(Scope.READ)])
def review_view(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    workflow_type: str = "",
    reason: str = "",
    state: str = "open",
    sort: str = "oldest",
    cursor: str | None = None,
    recorded: str | None = None,
    error: str | None = None,
) -> HTMLResponse:
    """Render the queue in the chosen order, with a count and a decision form per run."""
    filters = QueueFilters(workflow_type or None, reason or None, state, sort=sort or "oldest")
    with db.read() as session:
        page = review_queue_data(session, filters, settings.review_risk_min, 50, cursor)
    token, new = form_csrf_token(request)
    view = view_query(dict(request.query_params))
    next_query = {**view, "cursor": page.next_cursor} if page.next_cursor else None
    context = {
        "active": "review",
        "page": page,
        "filters": filters,
        "reasons": QUEUE_REASONS,
        "states": QUEUE_STATES,
        "sorts": QUEUE_SORTS,
        "pager_label": PAGER_LABELS.get(filters.sort, "Next page →"),
        "view": urlencode(view),
        "categories": page.decision_values,
        "decisions": [decision.value for decision in review_domain.Decision],
        "csrf_token": token,
        "principal": getattr(request.state, "principal", None),
        "recorded": recorded,
        "error": error,
        "next_url": f"/review?{urlencode(next_query)}" if next_query else None,
    }
    response = templates.TemplateResponse(request, "review.html", context)
    if new:
        set_cookie(request, response, ANON_CSRF_COOKIE, token, 24 * 3600)
    return response


@router.post("/review/{run_id}", include_in_schema=False)
async def decide(
    run_id: str,
    db: DatabaseDep,
    who: ReviewAccess,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
    answer: Annotated[str, Form()] = "",
    view: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Record the form's decision and go back to the same view of the queue, saying so."""
    data = {
        "decision": decision,
        "reason": reason.strip(),
        "category": category or None,
        "answer": answer.strip() or None,
    }

    def record() -> None:
        with db.write() as session:
            review_domain.record_review(session, run_id, review_domain.parse_review(data), who)

    back = view_query(dict(parse_qsl(view)))
    try:
        await run_in_threadpool(record)
    except (InvalidInput, NotFound) as exc:
        query = urlencode({**back, "error": f"{run_id}: {exc.message}"})
        return RedirectResponse(f"/review?{query}", status_code=303)
    return RedirectResponse(f"/review?{urlencode({**back, 'recorded': run_id})}", status_code=303)
