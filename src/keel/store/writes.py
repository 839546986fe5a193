"""Idempotent bulk writes of runs with their events and tool calls, in the caller's transaction.

Order matters for concurrency: the run rows are inserted (or locked) first, so that a writer
holds the run before it reads the run's highest `seq` and appends after it. On SQLite the first
INSERT takes the database write lock; on PostgreSQL a run this transaction inserted is locked
by that insert (a concurrent insert of the same run waits for our commit, then sees it as
stored), and runs stored before are locked with `SELECT ... FOR UPDATE`. A second request
carrying more spans of the same trace therefore appends, never collides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from keel.core.records import EventRecord, RunRecord, RunStatus, ToolCallRecord, WriteCounts
from keel.core.sanitize import check_sealed
from keel.store.bulk import count_new, insert_new
from keel.store.models import CONFIG_COLUMN_CHARS, Event, Run, RunText, ToolCall
from keel.store.profile_facts import ProfileFacts, no_facts
from keel.store.search import search_body

_RUN_COLUMNS = [
    "run_id",
    "workflow_type",
    "created_at",
    "ended_at",
    "model",
    "status",
    "source",
    "trace_id",
    "loop_depth",
    "latency_ms",
    "parent_run_id",
    "error",
    "inputs",
    "output",
    "metrics",
]


#: The profile's facts of runs by run id, judged by their contracts (keel.ingest passes
#: keel.evaluate.profile_judging.record_facts; the store cannot read contracts itself).
FactsOf = Callable[[Sequence[RunRecord]], Mapping[str, ProfileFacts]]


def write_runs(
    session: Session, runs: Sequence[RunRecord], facts_of: FactsOf | None = None
) -> WriteCounts:
    """Store `runs` with their events and tool calls; return inserted vs already-stored counts.

    `facts_of` gives the reliability profile's facts of new runs (without: NULL, and the
    profile reads their JSON). Raises UnsanitizedRecord for a record that did not pass
    `keel.core.sanitize`.
    """
    if not runs:
        return WriteCounts()
    check_sealed(runs)
    merged = _merge_by_run_id(runs)
    facts = facts_of(merged) if facts_of else {}
    # New runs are inserted complete (totals and span-derived fields computed here), so the
    # common case costs one INSERT per table; only runs stored before are re-read and updated.
    run_rows = [_run_row(run, facts.get(run.run_id)) for run in merged]
    inserted_runs = set(insert_new(session, Run, run_rows, "run_id"))
    _write_texts(session, [run for run in merged if run.run_id in inserted_runs])
    stored = [run for run in merged if run.run_id not in inserted_runs]
    stored_ids = sorted(run.run_id for run in stored)
    if stored_ids and session.get_bind().dialect.name == "postgresql":
        session.execute(select(Run.run_id).where(Run.run_id.in_(stored_ids)).with_for_update())
    events_in, events_new = _write_children(session, Event, merged, stored_ids, _events)
    calls_in, calls_new = _write_children(session, ToolCall, merged, stored_ids, _tool_calls)
    if stored_ids:
        refresh_trace_runs(session, [run.run_id for run in stored if run.from_trace])
        refresh_run_totals(session, stored_ids)
    return WriteCounts(
        runs_inserted=len(inserted_runs),
        runs_duplicate=len(run_rows) - len(inserted_runs),
        events_inserted=events_new,
        events_duplicate=events_in - events_new,
        tool_calls_inserted=calls_new,
        tool_calls_duplicate=calls_in - calls_new,
        run_ids=tuple(sorted(run.run_id for run in merged)),
        inserted_run_ids=tuple(sorted(inserted_runs)),
    )


def _write_texts(session: Session, runs: Sequence[RunRecord]) -> None:
    """Store the searchable text of newly inserted runs (the search index follows it)."""
    rows = [{"run_id": run.run_id, "body": search_body(run.inputs, run.output)} for run in runs]
    count_new(session, RunText, rows)


def config_label(metrics: dict[str, Any]) -> str | None:
    """Return the run's configuration label (`metrics["config"]`), when it is a string."""
    label = metrics.get("config")
    return label[:CONFIG_COLUMN_CHARS] if isinstance(label, str) else None


def _events(run: RunRecord) -> list[EventRecord]:
    return run.events


def _tool_calls(run: RunRecord) -> list[ToolCallRecord]:
    return run.tool_calls


def _merge_by_run_id(runs: Sequence[RunRecord]) -> list[RunRecord]:
    """Fold several records of one run into one, keeping the first record of each span."""
    by_id: dict[str, RunRecord] = {}
    for run in runs:
        first = by_id.get(run.run_id)
        if first is None:
            by_id[run.run_id] = run
        else:
            first.events.extend(run.events)
            first.tool_calls.extend(run.tool_calls)
    for run in by_id.values():
        run.events = _first_per_span(run.events)
        run.tool_calls = _first_per_span(run.tool_calls)
    return list(by_id.values())


def _first_per_span(children: list[Any]) -> list[Any]:
    seen: set[str] = set()
    kept = []
    for child in children:
        if child.span_id is not None:
            if child.span_id in seen:
                continue
            seen.add(child.span_id)
        kept.append(child)
    return kept


def _run_row(run: RunRecord, facts: ProfileFacts | None) -> dict[str, Any]:
    """Return the row of `run` as stored when it is new: totals (and span fields) included."""
    row = {name: getattr(run, name) for name in _RUN_COLUMNS}
    row["config"] = config_label(run.metrics or {})
    row.update(facts.columns() if facts else no_facts())
    events = run.events
    row["input_tokens"] = sum(event.input_tokens for event in events)
    row["output_tokens"] = sum(event.output_tokens for event in events)
    row["total_tokens"] = row["input_tokens"] + row["output_tokens"]
    row["cost_usd"] = float(sum(event.cost_usd for event in events))
    row["tool_count"] = len(run.tool_calls)
    failed_spans = {event.span_id for event in events if event.status == "ERROR"}
    row["error_count"] = sum(1 for event in events if event.status == "ERROR") + sum(
        1
        for call in run.tool_calls
        if call.error and (call.span_id is None or call.span_id not in failed_spans)
    )
    if run.from_trace:
        order = sorted(
            range(len(events)),
            key=lambda i: (events[i].started_at is None, events[i].started_at or 0, i),
        )
        row.update(trace_fields([_span_fields(events[i]) for i in order]))
    return row


def _span_fields(event: EventRecord) -> SpanFields:
    agent = event.payload.get("agent_name")
    return SpanFields(
        event.event_type,
        event.parent_span_id,
        event.started_at,
        event.ended_at,
        event.model,
        event.status,
        agent if isinstance(agent, str) else None,
    )


def _write_children(
    session: Session,
    table: Any,
    runs: Iterable[RunRecord],
    stored_ids: list[str],
    children: Callable[[RunRecord], list[Any]],
) -> tuple[int, int]:
    """Insert events or tool calls; records without `seq` are appended after the stored ones.

    Only runs in `stored_ids` can already have children (the others were inserted by this
    transaction), so only those are looked up.
    """
    runs = list(runs)
    stored = set(stored_ids)
    needs_seq = [
        run.run_id
        for run in runs
        if run.run_id in stored and any(c.seq is None for c in children(run))
    ]
    next_seq = _next_seq(session, table, needs_seq)
    known_spans = _stored_span_ids(session, table, needs_seq)
    rows: list[dict[str, Any]] = []
    skipped = 0
    for run in runs:
        run_id = run.run_id
        seq = next_seq.get(run_id, 0)
        for child in children(run):
            if child.span_id is not None and (run_id, child.span_id) in known_spans:
                skipped += 1
                continue
            # A shallow copy: dataclasses.asdict would deep-copy every payload.
            row = dict(child.__dict__)
            if row["seq"] is None:
                row["seq"] = seq
                seq += 1
            row["run_id"] = run_id
            rows.append(row)
    if not rows:
        return skipped, 0
    return len(rows) + skipped, count_new(session, table, rows)


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
    # A failed tool call counts once: as its ERROR span when it has one, else as itself.
    failed_span = select(Event.span_id).where(
        Event.run_id == ToolCall.run_id, Event.span_id == ToolCall.span_id, Event.status == "ERROR"
    )
    tool_errors = (
        select(func.count())
        .where(ToolCall.run_id == Run.run_id, ToolCall.error.is_not(None), ~failed_span.exists())
        .scalar_subquery()
    )
    tool_count = select(func.count()).where(ToolCall.run_id == Run.run_id).scalar_subquery()
    session.execute(
        update(Run)
        .where(Run.run_id.in_(run_ids))
        .values(
            input_tokens=events.with_only_columns(events.selected_columns[0]).scalar_subquery(),
            output_tokens=events.with_only_columns(events.selected_columns[1]).scalar_subquery(),
            cost_usd=events.with_only_columns(events.selected_columns[2]).scalar_subquery(),
            tool_count=tool_count,
            error_count=event_errors + tool_errors,
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Run)
        .where(Run.run_id.in_(run_ids))
        .values(total_tokens=Run.input_tokens + Run.output_tokens)
        .execution_options(synchronize_session=False)
    )


class SpanFields(NamedTuple):
    """What a run derives from each of its spans (events), in start order."""

    event_type: str
    parent_span_id: str | None
    started_at: datetime | None
    ended_at: datetime | None
    model: str | None
    status: str | None
    agent_name: str | None


def refresh_trace_runs(session: Session, run_ids: Sequence[str]) -> None:
    """Derive times, model, workflow, loop depth and status of trace runs from all their spans.

    Spans of one trace arrive in any order and in several requests, so these fields are
    recomputed from everything stored rather than from the request at hand.
    """
    if not run_ids:
        return
    rows = session.execute(
        select(
            Event.run_id,
            Event.event_type,
            Event.parent_span_id,
            Event.started_at,
            Event.ended_at,
            Event.model,
            Event.status,
            Event.payload["agent_name"].as_string(),
        )
        .where(Event.run_id.in_(run_ids))
        .order_by(Event.run_id, Event.started_at.is_(None), Event.started_at, Event.seq)
    ).all()
    spans: dict[str, list[SpanFields]] = {run_id: [] for run_id in run_ids}
    for run_id, *fields in rows:
        spans[run_id].append(SpanFields(*fields))
    updates = [{"run_id": run_id, **trace_fields(spans[run_id])} for run_id in run_ids]
    # ORM bulk UPDATE by primary key: one executemany per distinct set of columns.
    session.execute(update(Run), updates)


def trace_fields(spans: Sequence[SpanFields]) -> dict[str, Any]:
    """Return a trace run's times, model, loop depth, status and workflow from its spans."""
    fields: dict[str, Any] = {}
    starts = [span.started_at for span in spans if span.started_at is not None]
    ends = [span.ended_at for span in spans if span.ended_at is not None]
    if starts:
        fields["created_at"] = min(starts)
    if ends:
        fields["ended_at"] = max(ends)
    if starts and ends:
        fields["latency_ms"] = (max(ends) - min(starts)).total_seconds() * 1000.0
    models = [span.model for span in spans if span.model and span.event_type == "llm"]
    if models:
        fields["model"] = models[0]
    fields["loop_depth"] = max(0, sum(1 for span in spans if span.event_type == "llm") - 1)
    roots = [span for span in spans if span.parent_span_id is None]
    if not roots:
        fields["status"] = RunStatus.RUNNING
        return fields
    fields["status"] = RunStatus.FAILED if roots[0].status == "ERROR" else RunStatus.COMPLETED
    # The root's own agent name first: a graph's nodes may be agent spans of their own.
    agent_names = [roots[0].agent_name] if roots[0].agent_name else []
    agent_names += [span.agent_name for span in spans if span.agent_name]
    if agent_names:
        fields["workflow_type"] = agent_names[0][:64]
    return fields
