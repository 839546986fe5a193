"""The review queue (`/review`, `GET /api/v1/review`, `keel review list`): runs awaiting review.

Each item carries what a reviewer decides on without opening the run: an excerpt of the
answer, the policy flags behind its risk (rule and severity), and, once decided, the category
the decision settled on (the override's, else the run's own).
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.orm import Session

from keel.evaluate.contract import contract_for
from keel.govern.review import review_flags
from keel.reports.rows import ReviewOut, RunSummary
from keel.store.flags import flags_of_runs
from keel.store.models import PolicyFlag
from keel.store.reviews import (
    FINAL_DECISIONS,
    QueueFilters,
    QueueItem,
    review_queue,
    review_queue_count,
)

#: How much of the answer a queue row shows; the run's page has the rest.
EXCERPT_CHARS = 240
_SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


class QueueFlagOut(BaseModel):
    rule_id: str
    severity: str
    category: str
    message: str


class QueueItemOut(BaseModel):
    run: RunSummary
    reasons: list[str]
    output_category: str | None
    needs_human_review: bool | None
    latest_review: ReviewOut | None
    #: The start of the answer (its contract's answer field), None when the run has none.
    answer_excerpt: str | None = None
    #: The policy flags on the run, most severe first.
    flags: list[QueueFlagOut] = []
    #: The category a final decision (approve or override) settled on; None until decided.
    decided_category: str | None = None


class QueuePageOut(BaseModel):
    items: list[QueueItemOut]
    next_cursor: str | None
    risk_min: float
    sort: str = "oldest"
    #: How many runs the queue holds under these filters, all pages together.
    total: int = 0
    #: Per workflow on this page, the values its decision may take (what an override picks).
    decision_values: dict[str, list[str]] = {}


def excerpt(text: object, limit: int = EXCERPT_CHARS) -> str | None:
    """Return `text` cut at a word boundary to about `limit` characters, or None if not text."""
    if not isinstance(text, str) or not text.strip():
        return None
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return f"{cut}…"


def _flags_out(flags: list[PolicyFlag]) -> list[QueueFlagOut]:
    ordered = sorted(flags, key=lambda f: (_SEVERITY_ORDER.get(f.severity, 9), f.rule_id))
    return [
        QueueFlagOut(rule_id=f.rule_id, severity=f.severity, category=f.category, message=f.message)
        for f in ordered
    ]


def queue_item_out(item: QueueItem, flags: list[PolicyFlag] | None = None) -> QueueItemOut:
    """Return a queue item with its decision and review flag read through its output contract."""
    output = item.run.output or {}
    contract = contract_for(item.run.workflow_type, item.run.inputs, [output])
    category = output.get(contract.decision) if contract.decision else None
    flag = output.get(contract.review_flag) if contract.review_flag else None
    own = category if isinstance(category, str) else None
    latest = item.latest
    decided = latest is not None and latest.decision in FINAL_DECISIONS
    return QueueItemOut(
        run=RunSummary.model_validate(item.run),
        reasons=item.reasons,
        output_category=own,
        needs_human_review=flag if isinstance(flag, bool) else None,
        latest_review=ReviewOut.model_validate(latest) if latest else None,
        answer_excerpt=excerpt(output.get(contract.answer)) if contract.answer else None,
        flags=_flags_out(flags or []),
        decided_category=((latest.category or own) if decided and latest else None),
    )


def review_queue_data(
    session: Session,
    filters: QueueFilters,
    risk_min: float,
    limit: int = 50,
    cursor: str | None = None,
) -> QueuePageOut:
    """Return one page of the queue in `filters.sort` order, the cursor of the next, a count."""
    review = review_flags()
    items, next_cursor = review_queue(session, filters, risk_min, review, limit, cursor)
    workflows = dict.fromkeys(item.run.workflow_type for item in items)
    by_run: dict[str, list[PolicyFlag]] = {}
    for flag in flags_of_runs(session, [item.run.run_id for item in items]):
        by_run.setdefault(flag.run_id, []).append(flag)
    return QueuePageOut(
        items=[queue_item_out(item, by_run.get(item.run.run_id)) for item in items],
        next_cursor=next_cursor,
        risk_min=risk_min,
        sort=filters.sort,
        total=review_queue_count(session, filters, risk_min, review),
        decision_values={
            workflow: list(contract_for(workflow).decision_values()) for workflow in workflows
        },
    )
