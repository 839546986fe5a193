"""Idempotent bulk writes of runs with their events and tool calls, in the caller's transaction.

Order matters for concurrency: the run rows are inserted (or locked) first, so that a writer
holds the run before it reads the run's highest `seq` and appends after it. On SQLite the first
INSERT takes the database write lock; on PostgreSQL `SELECT ... FOR UPDATE` serialises writers
of the same run. A second request carrying more spans of the same trace therefore appends,
never collides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import Insert, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from keel.store.models import Event, Run, RunStatus, ToolCall
from keel.store.records import EventRecord, RunRecord, ToolCallRecord, WriteCounts

_RUN_COLUMNS = [
    "run_id", "workflow_type", "created_at", "ended_at", "model", "status", "source", "trace_id",
    "loop_depth", "latency_ms", "parent_run_id", "error", "inputs", "output", "metrics",
]  # fmt: skip


def _insert(session: Session, table: Any) -> Insert:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


def write_runs(session: Session, runs: Sequence[RunRecord]) -> WriteCounts:
    """Store `runs` with their events and tool calls; return inserted vs already-stored counts."""
    if not runs:
        return WriteCounts()
    merged = _merge_by_run_id(runs)
    run_rows = [{name: getattr(run, name) for name in _RUN_COLUMNS} for run in merged]
    inserted_runs = set(
        session.scalars(_insert(session, Run).returning(Run.run_id), run_rows).all()
    )
    run_ids = sorted(run.run_id for run in merged)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Run.run_id).where(Run.run_id.in_(run_ids)).with_for_update())
    events_in, events_new = _write_children(session, Event, merged, lambda r: r.events)
    calls_in, calls_new = _write_children(session, ToolCall, merged, lambda r: r.tool_calls)
    trace_ids = [run.run_id for run in merged if run.from_trace]
    if trace_ids:
        refresh_trace_runs(session, trace_ids)
    refresh_run_totals(session, run_ids)
    return WriteCounts(
        runs_inserted=len(inserted_runs),
        runs_duplicate=len(run_rows) - len(inserted_runs),
        events_inserted=events_new,
        events_duplicate=events_in - events_new,
        tool_calls_inserted=calls_new,
        tool_calls_duplicate=calls_in - calls_new,
    )


def _merge_by_run_id(runs: Sequence[RunRecord]) -> list[RunRecord]:
    """Fold several records of one run (spans of one trace in one request) into one."""
    by_id: dict[str, RunRecord] = {}
    for run in runs:
        first = by_id.get(run.run_id)
        if first is None:
            by_id[run.run_id] = run
        else:
            first.events.extend(run.events)
            first.tool_calls.extend(run.tool_calls)
    return list(by_id.values())


def _write_children(
    session: Session, table: Any, runs: Iterable[RunRecord], children: Any
) -> tuple[int, int]:
    """Insert events or tool calls; records without `seq` are appended after the stored ones."""
    runs = list(runs)
    needs_seq = [run.run_id for run in runs if any(c.seq is None for c in children(run))]
    next_seq = _next_seq(session, table, needs_seq)
    known_spans = _stored_span_ids(session, table, needs_seq)
    rows: list[dict[str, Any]] = []
    skipped = 0
    for run in runs:
        for child in children(run):
            if child.span_id is not None and (run.run_id, child.span_id) in known_spans:
                skipped += 1
                continue
            row = _child_row(child)
            if row["seq"] is None:
                row["seq"] = next_seq.get(run.run_id, 0)
                next_seq[run.run_id] = row["seq"] + 1
            if child.span_id is not None:
                known_spans.add((run.run_id, child.span_id))
            row["run_id"] = run.run_id
            rows.append(row)
    if not rows:
        return skipped, 0
    inserted = session.scalars(_insert(session, table).returning(table.id), rows).all()
    return len(rows) + skipped, len(inserted)


def _child_row(child: EventRecord | ToolCallRecord) -> dict[str, Any]:
    return asdict(child)


def _next_seq(session: Session, table: Any, run_ids: list[str]) -> dict[str, int]:
    if not run_ids:
        return {}
    query = (
        select(table.run_id, func.max(table.seq))
        .where(table.run_id.in_(run_ids))
        .group_by(table.run_id)
    )
    return {run_id: top + 1 for run_id, top in session.execute(query)}


def _stored_span_ids(session: Session, table: Any, run_ids: list[str]) -> set[tuple[str, str]]:
    if not run_ids:
        return set()
    query = select(table.run_id, table.span_id).where(
        table.run_id.in_(run_ids), table.span_id.is_not(None)
    )
    return {(run_id, span_id) for run_id, span_id in session.execute(query)}


def refresh_run_totals(session: Session, run_ids: Sequence[str]) -> None:
    """Recompute tokens, cost, tool count and error count of `run_ids` from their rows."""
    events = select(
        func.coalesce(func.sum(Event.input_tokens), 0),
        func.coalesce(func.sum(Event.output_tokens), 0),
        func.coalesce(func.sum(Event.cost_usd), 0.0),
    ).where(Event.run_id == Run.run_id)
    event_errors = (
        select(func.count()).where(Event.run_id == Run.run_id, Event.status == "ERROR")
    ).scalar_subquery()
    tool_count = select(func.count()).where(ToolCall.run_id == Run.run_id).scalar_subquery()
    session.execute(
        update(Run)
        .where(Run.run_id.in_(run_ids))
        .values(
            input_tokens=events.with_only_columns(events.selected_columns[0]).scalar_subquery(),
            output_tokens=events.with_only_columns(events.selected_columns[1]).scalar_subquery(),
            cost_usd=events.with_only_columns(events.selected_columns[2]).scalar_subquery(),
            tool_count=tool_count,
            error_count=event_errors,
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Run)
        .where(Run.run_id.in_(run_ids))
        .values(total_tokens=Run.input_tokens + Run.output_tokens)
        .execution_options(synchronize_session=False)
    )


def refresh_trace_runs(session: Session, run_ids: Sequence[str]) -> None:
    """Derive times, model, workflow, loop depth and status of trace runs from all their spans.

    Spans of one trace arrive in any order and in several requests, so these fields are
    recomputed from everything stored rather than from the request at hand.
    """
    for run_id in run_ids:
        session.execute(
            update(Run)
            .where(Run.run_id == run_id)
            .values(**_trace_fields(session, run_id))
            .execution_options(synchronize_session=False)
        )


def _trace_fields(session: Session, run_id: str) -> dict[str, Any]:
    rows = session.execute(
        select(
            Event.event_type,
            Event.name,
            Event.parent_span_id,
            Event.started_at,
            Event.ended_at,
            Event.model,
            Event.status,
            Event.payload["agent_name"].as_string(),
        )
        .where(Event.run_id == run_id)
        .order_by(Event.started_at, Event.seq)
    ).all()
    fields: dict[str, Any] = {}
    starts = [row.started_at for row in rows if row.started_at is not None]
    ends = [row.ended_at for row in rows if row.ended_at is not None]
    if starts:
        fields["created_at"] = min(starts)
    if ends:
        fields["ended_at"] = max(ends)
    if starts and ends:
        fields["latency_ms"] = (max(ends) - min(starts)).total_seconds() * 1000.0
    models = [row.model for row in rows if row.model and row.event_type == "llm"]
    if models:
        fields["model"] = models[0]
    fields["loop_depth"] = max(0, sum(1 for row in rows if row.event_type == "llm") - 1)
    roots = [row for row in rows if row.parent_span_id is None]
    if not roots:
        fields["status"] = RunStatus.RUNNING
        return fields
    root = roots[0]
    fields["status"] = RunStatus.FAILED if root.status == "ERROR" else RunStatus.COMPLETED
    agent_names = [row[7] for row in rows if row[7]]
    if agent_names:
        fields["workflow_type"] = agent_names[0][:64]
    return fields
