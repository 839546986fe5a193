"""The Audit page `/audit`: the hash-chained log newest first, its verification, and exports.

Needs the `review` scope, as the audit API does (`web/routes/audit.py`): the log names keys,
reviewers and what they decided. The export links are that API's downloads, which write
exactly what `keel audit export` writes.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from keel.auth.scopes import Scope
from keel.reports.audit_log import AuditPageOut, audit_page_data
from keel.web.deps import DatabaseDep, TemplatesDep
from keel.web.security import form_csrf_token, require

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/audit", response_class=HTMLResponse, dependencies=[require(Scope.REVIEW)])
async def audit_view(
    request: Request,
    db: DatabaseDep,
    templates: TemplatesDep,
    action: str = "",
    cursor: str | None = None,
) -> HTMLResponse:
    """Render one page of the log with the chain's verify status and export links."""

    def read() -> AuditPageOut:
        with db.read() as session:
            return audit_page_data(session, action or None, 50, cursor)

    page = await run_in_threadpool(read)
    token, _new = form_csrf_token(request)
    filtered = {"action": action} if action else {}
    next_query = {**filtered, "cursor": page.next_cursor} if page.next_cursor else None
    context = {
        "active": "audit",
        "page": page,
        "csrf_token": token,
        "principal": getattr(request.state, "principal", None),
        "json_url": f"/api/v1/audit/log?{urlencode(filtered)}" if filtered else "/api/v1/audit/log",
        "next_url": f"/audit?{urlencode(next_query)}" if next_query else None,
    }
    return templates.TemplateResponse(request, "audit.html", context)
