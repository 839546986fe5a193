"""Loaded tool-policy versions, and what a policy check reads and writes of runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from keel.store.models import PolicyFlag, Run, ToolCall, ToolPolicyVersion


def policy_version(session: Session, workflow_type: str, version: str) -> ToolPolicyVersion | None:
    """Return the loaded version `version` of `workflow_type`'s policy, or None."""
    query = select(ToolPolicyVersion).where(
        ToolPolicyVersion.workflow_type == workflow_type, ToolPolicyVersion.version == version
    )
    return session.scalars(query).first()


def add_policy_version(session: Session, row: ToolPolicyVersion) -> None:
    """Store a newly loaded policy version."""
    session.add(row)
    session.flush()


def newest_policies(
    session: Session, workflow_types: Sequence[str] | None = None
) -> list[ToolPolicyVersion]:
    """Return the most recently loaded version per workflow type (all types when None)."""
    newest = select(func.max(ToolPolicyVersion.id)).group_by(ToolPolicyVersion.workflow_type)
    if workflow_types is not None:
        newest = newest.where(ToolPolicyVersion.workflow_type.in_(list(workflow_types)))
    query = select(ToolPolicyVersion).where(ToolPolicyVersion.id.in_(newest))
    return list(session.scalars(query.order_by(ToolPolicyVersion.workflow_type)))


def policy_history(session: Session) -> list[ToolPolicyVersion]:
    """Return every loaded version, oldest first."""
    return list(session.scalars(select(ToolPolicyVersion).order_by(ToolPolicyVersion.id)))


def run_facts_of_runs(session: Session, run_ids: Sequence[str]) -> list[Row[Any]]:
    """Return (run_id, workflow_type, loop_depth, latency_ms, cost_usd) of the runs that exist.

    Columns, not ORM objects: a policy check after ingestion reads every run of the batch.
    """
    query = select(Run.run_id, Run.workflow_type, Run.loop_depth, Run.latency_ms, Run.cost_usd)
    return list(session.execute(query.where(Run.run_id.in_(list(run_ids)))))


def tool_calls_of_runs(session: Session, run_ids: Sequence[str]) -> list[Row[Any]]:
    """Return (run_id, seq, tool_name, args_digest, args_preview) of the tool calls of
    `run_ids`, by run then seq."""
    query = select(
        ToolCall.run_id,
        ToolCall.seq,
        ToolCall.tool_name,
        ToolCall.args_digest,
        ToolCall.args_preview,
    ).where(ToolCall.run_id.in_(list(run_ids)))
    return list(session.execute(query.order_by(ToolCall.run_id, ToolCall.seq)))


def flag_keys_of_source(
    session: Session, run_ids: Sequence[str], source: str
) -> set[tuple[str, str, str]]:
    """Return (run_id, rule_id, message) of the stored flags of `source` on `run_ids`."""
    query = select(PolicyFlag.run_id, PolicyFlag.rule_id, PolicyFlag.message).where(
        PolicyFlag.run_id.in_(list(run_ids)), PolicyFlag.source == source
    )
    return {(row[0], row[1], row[2]) for row in session.execute(query)}


def run_ids_of_workflow(session: Session, workflow_type: str) -> list[str]:
    """Return the ids of every run of `workflow_type`, oldest first."""
    query = select(Run.run_id).where(Run.workflow_type == workflow_type)
    return list(session.scalars(query.order_by(Run.created_at, Run.run_id)))
