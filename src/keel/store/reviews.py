"""Review decisions, and the review queue: runs that need a human, by age or by risk.

A run is in the queue when its output asks for a person (reason `needs_human_review`: the
boolean field its workflow's contract names as `review_flag` is JSON true), its risk is at least
the threshold, or its status is UNSTABLE. Its state comes from its latest decision: pending
(none), escalated, or decided (approved or overridden).

The store cannot read plugins, so the caller passes the registered workflows' review flags; a
workflow registered without one never enters for that reason, and an unregistered one enters
by the flag its runs declared (`inputs["output_contract"]["review_flag"]`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from keel.core.errors import InvalidInput
from keel.core.records import DECLARED_CONTRACT_KEY, RunStatus
from keel.store.models import Review, Run

QUEUE_REASONS = ("needs_human_review", "high_risk", "unstable")
QUEUE_STATES = ("open", "pending", "escalated", "decided", "all")
#: The queue's orders: oldest first, newest first, highest risk first (ties oldest first).
QUEUE_SORTS = ("oldest", "newest", "risk")
FINAL_DECISIONS = ("approve", "override")


@dataclass(frozen=True)
class QueueFilters:
    """What the queue can be narrowed by; state `open` means pending or escalated."""

    workflow_type: str | None = None
    reason: str | None = None
    state: str = "open"
    since: datetime | None = None
    until: datetime | None = None
    sort: str = "oldest"


@dataclass(frozen=True)
class QueueItem:
    """A run in the queue, why it is there, and its latest decision (if any)."""

    run: Run
    reasons: list[str]
    latest: Review | None


def add_review(session: Session, review: Review) -> None:
    """Store a decision."""
    session.add(review)
    session.flush()


def reviews_of_run(session: Session, run_id: str) -> list[Review]:
    """Return the decisions on `run_id`, oldest first."""
    query = select(Review).where(Review.run_id == run_id).order_by(Review.created_at, Review.id)
    return list(session.scalars(query))


def _output_is_true(session: Session, field: ColumnElement[str]) -> ColumnElement[bool]:
    """Return whether the output's `field` (an SQL string; NULL: no field) holds JSON true."""
    # Compare JSON types, not casts: an ingested run may carry any value there.
    if session.get_bind().dialect.name == "postgresql":
        return Run.output.op("->", return_type=JSONB)(field) == cast(literal("true"), JSONB)
    return func.json_type(Run.output, literal('$."') + field + literal('"')) == "true"


def _needs_human_review(
    session: Session, review_flags: Mapping[str, str | None]
) -> ColumnElement[bool]:
    registered = [
        and_(Run.workflow_type == workflow, _output_is_true(session, literal(flag)))
        for workflow, flag in review_flags.items()
        if flag
    ]
    declared_flag = Run.inputs[(DECLARED_CONTRACT_KEY, "review_flag")].as_string()
    declared = and_(
        Run.workflow_type.not_in(list(review_flags)), _output_is_true(session, declared_flag)
    )
    return or_(*registered, declared)


def _latest_decision() -> Any:
    return (
        select(Review.decision)
        .where(Review.run_id == Run.run_id)
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _criteria(
    session: Session, risk_min: float, review_flags: Mapping[str, str | None]
) -> dict[str, ColumnElement[bool]]:
    return {
        "needs_human_review": _needs_human_review(session, review_flags),
        "high_risk": Run.risk >= risk_min,
        "unstable": Run.status == RunStatus.UNSTABLE,
    }


def _state_clause(state: str) -> ColumnElement[bool] | None:
    latest = _latest_decision()
    clauses = {
        "pending": latest.is_(None),
        "escalated": latest == "escalate",
        "decided": latest.in_(FINAL_DECISIONS),
        "open": or_(latest.is_(None), latest == "escalate"),
    }
    if state not in QUEUE_STATES:
        raise InvalidInput(f"state must be one of {', '.join(QUEUE_STATES)}", field="state")
    return clauses.get(state)


def _queue_query(
    session: Session,
    filters: QueueFilters,
    risk_min: float,
    review_flags: Mapping[str, str | None],
) -> Select[Any]:
    criteria = _criteria(session, risk_min, review_flags)
    if filters.reason is not None and filters.reason not in criteria:
        raise InvalidInput(f"reason must be one of {', '.join(QUEUE_REASONS)}", field="reason")
    wanted = [criteria[filters.reason]] if filters.reason else list(criteria.values())
    query = select(Run, *[c.label(name) for name, c in criteria.items()]).where(or_(*wanted))
    state = _state_clause(filters.state)
    if state is not None:
        query = query.where(state)
    if filters.workflow_type:
        query = query.where(Run.workflow_type == filters.workflow_type)
    if filters.since:
        query = query.where(Run.created_at >= filters.since)
    if filters.until:
        query = query.where(Run.created_at < filters.until)
    return query


def _risk_key() -> ColumnElement[float]:
    # A run not yet scored sorts below every scored one (risk is 0..100).
    return func.coalesce(Run.risk, -1.0)


def _order_by(sort: str) -> list[ColumnElement[Any]]:
    if sort == "newest":
        return [Run.created_at.desc(), Run.run_id.desc()]
    if sort == "risk":
        return [_risk_key().desc(), Run.created_at, Run.run_id]
    return [Run.created_at, Run.run_id]


def encode_queue_cursor(run: Run, sort: str = "oldest") -> str:
    """Return the cursor of the page after `run` in order `sort` (the order is part of it)."""
    risk = -1.0 if run.risk is None else float(run.risk)
    raw = json.dumps([sort, run.created_at.isoformat(), run.run_id, risk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[datetime, str, float]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        order, when, run_id, risk = json.loads(raw)
        created = datetime.fromisoformat(when)
        risk = float(risk)
    except (ValueError, TypeError) as exc:
        raise InvalidInput("cursor is not one this API issued", field="cursor") from exc
    if order != sort or not isinstance(run_id, str):
        raise InvalidInput(f"cursor was issued for sort {order!r}, not {sort!r}", field="cursor")
    return created, run_id, risk


def _after(cursor: str, sort: str) -> ColumnElement[bool]:
    created, run_id, risk = _decode_cursor(cursor, sort)
    if sort == "newest":
        return or_(Run.created_at < created, and_(Run.created_at == created, Run.run_id < run_id))
    later = or_(Run.created_at > created, and_(Run.created_at == created, Run.run_id > run_id))
    if sort == "risk":
        return or_(_risk_key() < risk, and_(_risk_key() == risk, later))
    return later


def _check_sort(sort: str) -> None:
    if sort not in QUEUE_SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(QUEUE_SORTS)}", field="sort")


def review_queue(
    session: Session,
    filters: QueueFilters,
    risk_min: float,
    review_flags: Mapping[str, str | None],
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[QueueItem], str | None]:
    """Return one page of the queue in `filters.sort` order, and the cursor of the next page.

    `review_flags` maps every registered workflow to its contract's review flag (or None).
    """
    _check_sort(filters.sort)
    query = _queue_query(session, filters, risk_min, review_flags)
    if cursor:
        query = query.where(_after(cursor, filters.sort))
    rows = session.execute(query.order_by(*_order_by(filters.sort)).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    latest = _latest_reviews(session, [row[0].run_id for row in rows])
    items = [
        QueueItem(
            row[0],
            [name for name in QUEUE_REASONS if row._mapping[name]],
            latest.get(row[0].run_id),
        )
        for row in rows
    ]
    next_cursor = encode_queue_cursor(rows[-1][0], filters.sort) if more and rows else None
    return items, next_cursor


def review_queue_count(
    session: Session,
    filters: QueueFilters,
    risk_min: float,
    review_flags: Mapping[str, str | None],
) -> int:
    """Return how many runs the queue holds under `filters` (all pages)."""
    query = _queue_query(session, filters, risk_min, review_flags)
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def _latest_reviews(session: Session, run_ids: list[str]) -> dict[str, Review]:
    return {review.run_id: review for review in reviews_of_runs(session, run_ids)}


def final_reviews(session: Session, workflow_type: str | None = None) -> list[tuple[Run, Review]]:
    """Return each run with its latest approve/override decision, by run id."""
    latest_final = (
        select(func.max(Review.id))
        .where(Review.decision.in_(FINAL_DECISIONS))
        .group_by(Review.run_id)
    )
    query = select(Run, Review).join(Review, Review.run_id == Run.run_id)
    query = query.where(Review.id.in_(latest_final))
    if workflow_type:
        query = query.where(Run.workflow_type == workflow_type)
    return [(row[0], row[1]) for row in session.execute(query.order_by(Run.run_id))]


def reviews_of_runs(session: Session, run_ids: list[str]) -> list[Review]:
    """Return the decisions on every run in `run_ids`, oldest first."""
    query = select(Review).where(Review.run_id.in_(run_ids))
    return list(session.scalars(query.order_by(Review.created_at, Review.id)))
