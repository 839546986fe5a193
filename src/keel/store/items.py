"""Runs of one item (a support ticket): every original run of a workflow whose inputs name it.

The item is the workflow contract's `item_key` input (`ticket_id` for support). Inputs are JSON,
so this reads the workflow's runs rather than an index: a per-item page, not a list to page.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from keel.store.models import Run


def item_runs(
    session: Session, workflow_type: str, item_key: str, item_id: str, limit: int = 40
) -> list[Run]:
    """Return the original runs of `workflow_type` on item `item_id`, by config then age."""
    query = (
        select(Run)
        .where(
            Run.workflow_type == workflow_type,
            Run.parent_run_id.is_(None),
            Run.inputs[item_key].as_string() == item_id,
        )
        .order_by(Run.config.is_(None), Run.config, Run.created_at, Run.run_id)
        .limit(limit)
    )
    return list(session.scalars(query))
