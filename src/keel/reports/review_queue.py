"""The review queue (`/review`, `GET /api/v1/review`, `keel review list`): runs awaiting review."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.orm import Session

from keel.evaluate.contract import contract_for
from keel.govern.review import review_flags
from keel.reports.rows import ReviewOut, RunSummary
from keel.store.reviews import QueueFilters, QueueItem, review_queue


class QueueItemOut(BaseModel):
    run: RunSummary
    reasons: list[str]
    output_category: str | None
    needs_human_review: bool | None
    latest_review: ReviewOut | None


class QueuePageOut(BaseModel):
    items: list[QueueItemOut]
    next_cursor: str | None
    risk_min: float
    #: Per workflow on this page, the values its decision may take (what an override picks).
    decision_values: dict[str, list[str]] = {}


def queue_item_out(item: QueueItem) -> QueueItemOut:
    """Return a queue item with its decision and review flag read through its output contract."""
    output = item.run.output or {}
    contract = contract_for(item.run.workflow_type, item.run.inputs, [output])
    category = output.get(contract.decision) if contract.decision else None
    flag = output.get(contract.review_flag) if contract.review_flag else None
    return QueueItemOut(
        run=RunSummary.model_validate(item.run),
        reasons=item.reasons,
        output_category=category if isinstance(category, str) else None,
        needs_human_review=flag if isinstance(flag, bool) else None,
        latest_review=ReviewOut.model_validate(item.latest) if item.latest else None,
    )


def review_queue_data(
    session: Session,
    filters: QueueFilters,
    risk_min: float,
    limit: int = 50,
    cursor: str | None = None,
) -> QueuePageOut:
    """Return one page of the queue, oldest first, and the cursor of the next page."""
    flags = review_flags()
    items, next_cursor = review_queue(session, filters, risk_min, flags, limit, cursor)
    workflows = dict.fromkeys(item.run.workflow_type for item in items)
    return QueuePageOut(
        items=[queue_item_out(item) for item in items],
        next_cursor=next_cursor,
        risk_min=risk_min,
        decision_values={
            workflow: list(contract_for(workflow).decision_values()) for workflow in workflows
        },
    )
