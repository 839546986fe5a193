"""The Stability Overview's JSON twin (`GET /api/v1/overview`): aggregates over every run."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from keel.auth.scopes import Scope
from keel.reports import overview as report
from keel.web.deps import DatabaseDep
from keel.web.queries import DaysQuery, WindowQuery
from keel.web.security import require

router = APIRouter(prefix="/api/v1", tags=["overview"])


@router.get("/overview", dependencies=[require(Scope.READ)])
def overview_json(
    db: DatabaseDep, days: int = DaysQuery, window_days: int = WindowQuery
) -> dict[str, Any]:
    """Return the Stability Overview's aggregates."""
    with db.read() as session:
        return report.overview_json(report.overview_data(session, days, window_days))
