"""Item page (`/items/{workflow}/{item}`): one ticket's runs across configurations and heals,
side by side, from keel.reports.item_runs as its twin `GET /api/v1/items/...` has them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from keel.auth.scopes import Scope
from keel.reports.item_runs import item_runs_data
from keel.web.deps import DatabaseDep, TemplatesDep
from keel.web.security import require

router = APIRouter(include_in_schema=False)


@router.get(
    "/items/{workflow_type}/{item_id}",
    response_class=HTMLResponse,
    dependencies=[require(Scope.READ)],
)
def item_view(
    request: Request, workflow_type: str, item_id: str, db: DatabaseDep, templates: TemplatesDep
) -> HTMLResponse:
    """Render the item's runs side by side: one column per run, one row per field."""
    with db.read() as session:
        data = item_runs_data(session, workflow_type, item_id)
    return templates.TemplateResponse(request, "item.html", {"active": "runs", "data": data})
