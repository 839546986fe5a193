"""The review queue and decisions over HTTP: the queue and labels need `read`, deciding
needs `review`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from keel.auth.scopes import Scope
from keel.govern import review as review_domain
from keel.reports.review_queue import QueuePageOut, review_queue_data
from keel.reports.rows import ReviewOut
from keel.store.models import Review
from keel.store.reviews import QueueFilters
from keel.web.deps import DatabaseDep, SettingsDep
from keel.web.moments import QueryMoment
from keel.web.security import ReviewAccess, require

router = APIRouter(prefix="/api/v1", tags=["review"])


@router.get("/review", response_model=QueuePageOut, dependencies=[require(Scope.READ)])
def get_review_queue(
    db: DatabaseDep,
    settings: SettingsDep,
    workflow_type: str | None = None,
    reason: str | None = None,
    state: str = "open",
    since: QueryMoment = None,
    until: QueryMoment = None,
    sort: str = "oldest",
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> QueuePageOut:
    """Return runs awaiting review (needs_human_review, high risk, UNSTABLE) and their count.

    `sort`: oldest (default), newest, or risk (highest first); a cursor keeps its order.
    """
    filters = QueueFilters(workflow_type, reason, state, since, until, sort)
    with db.read() as session:
        return review_queue_data(session, filters, settings.review_risk_min, limit, cursor)


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
