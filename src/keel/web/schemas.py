"""Response models of the JSON API (they also document it in /openapi.json)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class _FromRow(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class RunSummary(_FromRow):
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


class EventOut(_FromRow):
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


class ToolCallOut(_FromRow):
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


class PolicyFlagOut(_FromRow):
    source: str
    rule_id: str
    rule_version: str
    category: str
    severity: str
    message: str
    evidence: dict[str, Any]
    created_at: datetime


class LinkedRunOut(_FromRow):
    run_id: str
    status: str
    created_at: datetime
    stability: float | None


class ReplayLinkOut(_FromRow):
    replay_id: str
    perturbation_type: str
    created_at: datetime
    replay_run_id: str | None
    base_run_id: str


class RunLinksOut(_FromRow):
    parent: LinkedRunOut | None = None
    children: list[LinkedRunOut] = []
    replays: list[ReplayLinkOut] = []
    replay_of: ReplayLinkOut | None = None


class ReviewOut(_FromRow):
    id: int
    run_id: str
    decision: str
    category: str | None
    answer: str | None
    reason: str
    reviewer: str
    created_at: datetime


class RunOut(RunSummary):
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


class RunsPageOut(BaseModel):
    runs: list[RunSummary]
    next_cursor: str | None


class RunCounts(BaseModel):
    inserted: int
    duplicate: int


class BatchResult(BaseModel):
    runs: RunCounts
    events: RunCounts
    tool_calls: RunCounts
