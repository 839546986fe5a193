"""Items (a support ticket): one item's runs across configurations and heals, as JSON."""

from __future__ import annotations

from fastapi import APIRouter

from keel.auth.scopes import Scope
from keel.reports.item_runs import ItemRunsOut, item_runs_data
from keel.web.deps import DatabaseDep
from keel.web.security import require

router = APIRouter(prefix="/api/v1", tags=["items"])


@router.get(
    "/items/{workflow_type}/{item_id}",
    response_model=ItemRunsOut,
    dependencies=[require(Scope.READ)],
)
def get_item(workflow_type: str, item_id: str, db: DatabaseDep) -> ItemRunsOut:
    """Return the item's original runs (by configuration), each followed by its heals."""
    with db.read() as session:
        return item_runs_data(session, workflow_type, item_id)
