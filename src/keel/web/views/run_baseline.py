"""Compare to Baseline (`/runs/{id}/baseline`): one run against its workflow's baseline.

Stability, cost and latency as percentiles of the baseline's runs, the category against the
baseline's mix, the tools against its calls per run. The page draws the JSON of
keel.reports.run_baseline, which its twin `GET /api/v1/runs/{id}/baseline` returns.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from keel.auth.scopes import Scope
from keel.reports.run_baseline import run_baseline_data, run_baseline_json
from keel.web.deps import DatabaseDep, TemplatesDep
from keel.web.queries import BaselineQuery
from keel.web.security import require

router = APIRouter(include_in_schema=False)


@router.get(
    "/runs/{run_id}/baseline", response_class=HTMLResponse, dependencies=[require(Scope.READ)]
)
def run_baseline_view(
    run_id: str,
    request: Request,
    db: DatabaseDep,
    templates: TemplatesDep,
    baseline: str | None = BaselineQuery,
) -> HTMLResponse:
    """Render how one run compares to a baseline of its workflow."""
    with db.read() as session:
        data = run_baseline_json(run_baseline_data(session, run_id, baseline))
    context = {"active": "runs", "data": data, "run_id": run_id}
    return templates.TemplateResponse(request, "run_baseline.html", context)
