"""Alert detail (`/alerts/{id}`): what moved, by how much, how sure, and what is behind it.

The page draws keel.reports.alert, which its twin `GET /api/v1/alerts/{id}` returns.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from keel.auth.scopes import Scope
from keel.reports.alert import alert_detail, alert_detail_json
from keel.web.deps import DatabaseDep, TemplatesDep
from keel.web.security import require

router = APIRouter(include_in_schema=False)


@router.get("/alerts/{alert_id}", response_class=HTMLResponse, dependencies=[require(Scope.READ)])
def alert_view(
    alert_id: int, request: Request, db: DatabaseDep, templates: TemplatesDep
) -> HTMLResponse:
    """Render one alert."""
    with db.read() as session:
        data = alert_detail_json(alert_detail(session, alert_id))
    context = {"active": "overview", "data": data}
    return templates.TemplateResponse(request, "alert.html", context)
