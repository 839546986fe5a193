"""The review queue and decisions over HTTP: the queue and labels need `read`, deciding
needs `review`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from keel.auth.scopes import Scope
from keel.core.settings import Settings
from keel.evaluate.contract import contract_for
from keel.govern import review as review_domain
from keel.store.engine import Database
from keel.store.models import Review
from keel.store.reviews import QueueFilters, QueueItem, review_queue
from keel.web.deps import DatabaseDep, SettingsDep
from keel.web.schemas import ReviewOut, RunSummary
from keel.web.security import ReviewAccess, require

router = APIRouter(prefix="/api/v1", tags=["review"])


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


def queue_item_out(item: QueueItem) -> QueueItemOut:
    """Return a queue item as the API shows it."""
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


def queue_page(
    db: Database, settings: Settings, filters: QueueFilters, limit: int, cursor: str | None
) -> QueuePageOut:
    """Return one page of the queue as the API and the page show it."""
    with db.read() as session:
        items, next_cursor = review_queue(
            session, filters, settings.review_risk_min, review_domain.review_flags(), limit, cursor
        )
        return QueuePageOut(
            items=[queue_item_out(item) for item in items],
            next_cursor=next_cursor,
            risk_min=settings.review_risk_min,
        )


@router.get("/review", response_model=QueuePageOut, dependencies=[require(Scope.READ)])
def get_review_queue(
    db: DatabaseDep,
    settings: SettingsDep,
    workflow_type: str | None = None,
    reason: str | None = None,
    state: str = "open",
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> QueuePageOut:
    """Return runs awaiting review (needs_human_review, high risk, UNSTABLE), oldest first."""
    filters = QueueFilters(workflow_type, reason, state, since, until)
    return queue_page(db, settings, filters, limit, cursor)


@router.post("/runs/{run_id}/reviews", response_model=ReviewOut, status_code=201)
def post_review(
    run_id: str, body: review_domain.ReviewIn, db: DatabaseDep, who: ReviewAccess
) -> Review:
    """Record a decision on run `run_id` (who and when are stored); 404 for an unknown run."""
    with db.write() as session:
        return review_domain.record_review(session, run_id, body, who)


@router.get(
    "/runs/{run_id}/reviews", response_model=list[ReviewOut], dependencies=[require(Scope.READ)]
)
def get_reviews(run_id: str, db: DatabaseDep) -> list[Review]:
    """Return the decisions on run `run_id`, oldest first."""
    with db.read() as session:
        return review_domain.decisions_on(session, run_id)


@router.get("/review/labels", dependencies=[require(Scope.READ)])
def get_labels(db: DatabaseDep, workflow_type: str | None = None) -> list[dict[str, Any]]:
    """Return reviewer-confirmed labels (category per run) for evaluation scripts."""
    with db.read() as session:
        return [label.as_dict() for label in review_domain.labels(session, workflow_type)]
