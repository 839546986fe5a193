"""`GET /api/v1/runs/{id}/baseline`: how one run compares to a baseline of its workflow.

The baseline is the one named by `?baseline=`, else the newest baseline of the run's workflow.
The answer is null when the workflow has none (the page then says how to freeze one).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from keel.auth.scopes import Scope
from keel.reports import run_baseline as report
from keel.web.deps import DatabaseDep
from keel.web.queries import BaselineQuery
from keel.web.security import require

router = APIRouter(prefix="/api/v1", tags=["runs"])


@router.get("/runs/{run_id}/baseline", dependencies=[require(Scope.READ)])
def run_baseline_json(
    run_id: str, db: DatabaseDep, baseline: str | None = BaselineQuery
) -> dict[str, Any]:
    """Return how run `run_id` compares to a baseline of its workflow."""
    with db.read() as session:
        return report.run_baseline_json(report.run_baseline_data(session, run_id, baseline))
