"""`GET /api/v1/alerts/{id}`: one drift or regression alert with what its page shows."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from keel.auth.scopes import Scope
from keel.reports import alert as report
from keel.web.deps import DatabaseDep
from keel.web.security import require

router = APIRouter(prefix="/api/v1", tags=["overview"])


@router.get("/alerts/{alert_id}", dependencies=[require(Scope.READ)])
def alert_json(alert_id: int, db: DatabaseDep) -> dict[str, Any]:
    """Return alert `alert_id`: its test's figures, the values it compared, the window's
    configurations, the runs behind it and, for a regression, the item-by-item changes."""
    with db.read() as session:
        return report.alert_detail_json(report.alert_detail(session, alert_id))
