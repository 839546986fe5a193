"""Tool calls a replay may answer from: those of a run and of the runs recorded under it."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from keel.store.models import Run, ToolCall


def calls_of_run_and_children(session: Session, run_id: str) -> list[ToolCall]:
    """Return the tool calls of run `run_id` and of its child runs (a proxy started with
    `--parent-run-id`), in run then call order."""
    children = select(Run.run_id).where(Run.parent_run_id == run_id)
    query = (
        select(ToolCall)
        .where(or_(ToolCall.run_id == run_id, ToolCall.run_id.in_(children)))
        .order_by(ToolCall.run_id != run_id, ToolCall.run_id, ToolCall.seq)
    )
    return list(session.scalars(query))
