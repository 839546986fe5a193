"""`GET /api/v1/reliability`: a workflow's configurations profiled side by side (the page's twin).

`?workflow=` picks the workflow (default support, else the first), `?config=` (repeatable) the
configurations (default: all, up to four); each later one is compared with the first.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from keel.auth.scopes import Scope
from keel.reports.profile import plugin_expected, reliability_data
from keel.web.deps import DatabaseDep, SettingsDep
from keel.web.queries import ConfigsQuery, WorkflowQuery
from keel.web.security import require

router = APIRouter(prefix="/api/v1", tags=["reliability"])


@router.get("/reliability", dependencies=[require(Scope.READ)])
def reliability_json(
    db: DatabaseDep,
    settings: SettingsDep,
    workflow: str | None = WorkflowQuery,
    config: list[str] | None = ConfigsQuery,
) -> dict[str, Any]:
    """Return the reliability profiles of a workflow's configurations, side by side."""
    with db.read() as session:
        return reliability_data(session, plugin_expected(settings), workflow, config)
