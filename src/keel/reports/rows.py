"""Stored rows as every report shows them: pydantic models read straight off the ORM objects."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer

from keel.store.models import ReplaySet


class FromRow(BaseModel):
    """A model validated from an ORM object's attributes."""

    model_config = ConfigDict(from_attributes=True)


class RunSummary(FromRow):
    run_id: str
    workflow_type: str
    created_at: datetime
    model: str | None
    status: str
    source: str
    tool_count: int
    total_tokens: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    loop_depth: int
    latency_ms: float | None
    stability: float | None
    risk: float | None
    error_count: int
    parent_run_id: str | None
    config: str | None


class EventOut(FromRow):
    seq: int
    event_type: str
    name: str | None
    span_id: str | None
    parent_span_id: str | None
    started_at: datetime | None
    ended_at: datetime | None
    model: str | None
    input_tokens: int
    output_tokens: int
    cost_usd: float
    status: str | None
    payload: dict[str, Any]


class ToolCallOut(FromRow):
    seq: int
    tool_name: str
    server: str | None
    call_id: str | None
    args_digest: str
    args_preview: str
    started_at: datetime | None
    ended_at: datetime | None
    latency_ms: float | None
    result_meta: dict[str, Any]
    error: str | None


class PolicyFlagOut(FromRow):
    source: str
    rule_id: str
    rule_version: str
    category: str
    severity: str
    message: str
    evidence: dict[str, Any]
    created_at: datetime


class LinkedRunOut(FromRow):
    run_id: str
    status: str
    created_at: datetime
    stability: float | None


class ReplayLinkOut(FromRow):
    replay_id: str
    perturbation_type: str
    created_at: datetime
    replay_run_id: str | None
    base_run_id: str


class RunLinksOut(FromRow):
    parent: LinkedRunOut | None = None
    children: list[LinkedRunOut] = []
    replays: list[ReplayLinkOut] = []
    replay_of: ReplayLinkOut | None = None


class ReviewOut(FromRow):
    id: int
    run_id: str
    decision: str
    category: str | None
    answer: str | None
    reason: str
    reviewer: str
    created_at: datetime


# `GET /api/v1/runs/{id}/replays` has always written this time with `isoformat()` (+00:00, not Z).
IsoDatetime = Annotated[
    datetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json")
]


class ReplaySetSummary(BaseModel):
    """A replay set as a run's page lists it: its state, and its score once it has one."""

    replay_set_id: str
    status: str
    created_at: IsoDatetime
    stability: float | None
    done: int
    total: int


class RunOut(RunSummary):
    """A run in full: its row, inputs and output, and everything stored about it."""

    ended_at: datetime | None
    trace_id: str | None
    error: str | None
    inputs: dict[str, Any]
    output: dict[str, Any] | None
    metrics: dict[str, Any]
    events: list[EventOut]
    tool_calls: list[ToolCallOut]
    policy_flags: list[PolicyFlagOut] = []
    links: RunLinksOut = RunLinksOut()
    reviews: list[ReviewOut] = []
    replay_sets: list[ReplaySetSummary] = []


def replay_set_summary(replay_set: ReplaySet) -> ReplaySetSummary:
    """Return the summary of a stored replay set."""
    stability = replay_set.result.get("stability") or {}
    return ReplaySetSummary(
        replay_set_id=replay_set.set_id,
        status=replay_set.status,
        created_at=replay_set.created_at,
        stability=stability.get("score"),
        done=replay_set.done,
        total=replay_set.total,
    )
