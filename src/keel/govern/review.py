"""Human review: decisions on runs (audited, attributed), and the labels they give evaluation.

A decision is `approve` (the output stands), `override` (a corrected category and/or answer),
or `escalate` (hand to someone with more authority; the run stays in the queue). The latest
approve/override decision on a run is its reviewer-confirmed label.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.orm import Session

from keel.core.errors import InvalidInput, NotFound
from keel.evaluate.contract import contract_for, registered_contracts
from keel.govern import audit
from keel.govern.decision import Decision
from keel.store import reviews as review_store
from keel.store.models import Review, Run, utcnow


class Reviewer(Protocol):
    """Who decides: a name, the key they acted with (None: none), and their audit name.

    `keel.auth.keys.Principal` is one; governance needs no more of authentication than this.
    """

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> str | None: ...

    @property
    def actor(self) -> str: ...


class ReviewIn(BaseModel):
    """A reviewer's decision as submitted (API body or form)."""

    model_config = ConfigDict(extra="forbid")

    decision: Decision
    reason: str = Field(min_length=1, max_length=4000)
    category: str | None = Field(default=None, min_length=1, max_length=128)
    answer: str | None = Field(default=None, min_length=1, max_length=20000)

    @model_validator(mode="after")
    def _override_says_what(self) -> ReviewIn:
        if self.decision is Decision.OVERRIDE and self.category is None and self.answer is None:
            raise ValueError("an override needs a category, an answer, or both")
        if self.decision is not Decision.OVERRIDE and (self.category or self.answer):
            raise ValueError("only an override carries a category or an answer")
        return self


def parse_review(data: dict[str, Any]) -> ReviewIn:
    """Return `data` as a decision, or raise InvalidInput naming the bad field."""
    try:
        return ReviewIn.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise InvalidInput(f"{field or 'review'}: {first['msg']}", field=field) from None


def record_review(session: Session, run_id: str, decision: ReviewIn, who: Reviewer) -> Review:
    """Store `decision` on run `run_id` by `who`, audited; NotFound for an unknown run."""
    run = session.get(Run, run_id)
    if run is None:
        raise NotFound(f"no run with id {run_id!r}", field="run_id")
    if decision.category is not None:
        _check_category(run, decision.category)
    review = Review(
        run_id=run_id,
        decision=decision.decision.value,
        category=decision.category,
        answer=decision.answer,
        reason=decision.reason.strip(),
        reviewer=who.name,
        key_id=who.key_id,
        created_at=utcnow(),
    )
    review_store.add_review(session, review)
    details = {
        "review_id": review.id,
        "decision": review.decision,
        "category": review.category,
        "answer_overridden": review.answer is not None,
        "reason": review.reason,
    }
    audit.append(session, "review.recorded", audit.run_subject(run_id), who.actor, details)
    return review


def _check_category(run: Run, category: str) -> None:
    """Refuse an override category the run's workflow does not know (InvalidInput, `category`)."""
    contract = contract_for(run.workflow_type, run.inputs, [run.output])
    if contract.decision is None:
        raise InvalidInput(
            f"runs of workflow {run.workflow_type!r} declare no decision field to override; "
            "override the answer instead",
            field="category",
        )
    allowed = contract.decision_values()
    if allowed and category not in allowed:
        raise InvalidInput(
            f"category must be one of {', '.join(allowed)} for workflow {run.workflow_type!r}",
            field="category",
        )


def decisions_on(session: Session, run_id: str) -> list[Review]:
    """Return the decisions on run `run_id`, oldest first; NotFound for an unknown run."""
    if session.get(Run, run_id) is None:
        raise NotFound(f"no run with id {run_id!r}", field="run_id")
    return review_store.reviews_of_run(session, run_id)


@dataclass(frozen=True)
class Label:
    """A reviewer-confirmed label of one run, for evaluation scripts."""

    run_id: str
    workflow_type: str
    category: str | None
    original_category: str | None
    answer_overridden: bool
    decision: str
    reviewer: str
    decided_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """Return the label as JSON-ready data."""
        return {**self.__dict__, "decided_at": self.decided_at.isoformat()}


def review_flags() -> dict[str, str | None]:
    """Return each registered workflow's review flag (None: its runs never ask for a person)."""
    return {workflow: c.review_flag for workflow, c in registered_contracts().items()}


def output_decision(run: Run) -> str | None:
    """Return the decision run `run` output, read through its workflow's contract."""
    return contract_for(run.workflow_type, run.inputs, [run.output]).decision_of(run.output)


def labels(session: Session, workflow_type: str | None = None) -> list[Label]:
    """Return the reviewer-confirmed category of every run with a final decision."""
    found = []
    for run, review in review_store.final_reviews(session, workflow_type):
        original = output_decision(run)
        found.append(
            Label(
                run.run_id,
                run.workflow_type,
                review.category or original,
                original,
                review.answer is not None,
                review.decision,
                review.reviewer,
                review.created_at,
            )
        )
    return found
