"""OTLP trace ingestion end to end: decode an export request, map traces to runs, store them.

A trace becomes a run (run_id = the trace id in hex) and each span an event; tool spans also
become tool calls. Spans of one trace may arrive over several requests and in any order: the
store derives the run's times, model and status from all the spans it holds.

A span keel cannot take (unusable ids, an unreadable field, a token count out of range) is
rejected alone: the export answers 200 with OTLP's `partial_success` naming it, and every
other span of the request is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from keel.core.errors import KeelError
from keel.core.limits import DEFAULT_MAX_JSON_DEPTH
from keel.core.pricing import PriceTable
from keel.core.records import RunRecord, RunStatus, WriteCounts
from keel.ingest.chat_tools import ChatToolTraffic, attach_chat_tool_calls
from keel.ingest.otlp import SpanData, decode_export
from keel.ingest.semconv import span_records
from keel.ingest.storing import seal_runs, store_runs
from keel.store.engine import Database
from keel.store.models import utcnow

DEFAULT_WORKFLOW = "otel"


@dataclass(frozen=True)
class TraceExport:
    """What one export request stored, and the spans it rejected (with reasons)."""

    counts: WriteCounts
    rejected: list[str]


#: What mapping one span may raise on hostile values: that span is rejected, not the export.
_SPAN_FAULTS = (KeelError, ValueError, TypeError, OverflowError, RecursionError)


def runs_from_spans(
    spans: list[SpanData],
    prices: PriceTable,
    rejected: list[str] | None = None,
    max_depth: int = DEFAULT_MAX_JSON_DEPTH,
) -> list[RunRecord]:
    """Return one run per trace, its events and tool calls in span start order.

    Tool calls are completed from the trace's chat messages (arguments, results), and calls
    only the messages record are added (`ingest.chat_tools`). A span that cannot be mapped is
    left out, and why is appended to `rejected`.
    """
    runs: dict[str, RunRecord] = {}
    traffic: dict[str, ChatToolTraffic] = {}
    for span in sorted(spans, key=lambda span: span.start_ns):
        try:
            event, call, chat_tools = span_records(span, prices, max_depth)
        except _SPAN_FAULTS as exc:
            reason = exc.message if isinstance(exc, KeelError) else f"{type(exc).__name__}: {exc}"
            if rejected is not None:
                rejected.append(f"span {span.span_id} {span.name[:64]!r}: {reason[:300]}")
            continue
        if chat_tools is not None:
            traffic.setdefault(span.trace_id, ChatToolTraffic()).merge(chat_tools)
        run = runs.get(span.trace_id)
        if run is None:
            run = runs[span.trace_id] = RunRecord(
                run_id=span.trace_id,
                # Until an agent span names the workflow, the emitting service does.
                workflow_type=(span.service_name or DEFAULT_WORKFLOW)[:64],
                created_at=event.started_at or utcnow(),
                source="otlp",
                from_trace=True,
                status=RunStatus.RUNNING,
                trace_id=span.trace_id,
            )
        run.events.append(event)
        if call is not None:
            run.tool_calls.append(call)
    for trace_id, found in traffic.items():
        attach_chat_tool_calls(runs[trace_id], found)
    return list(runs.values())


@dataclass(frozen=True)
class PreparedExport:
    """An export request decoded, mapped and sealed: ready for one transaction."""

    runs: list[RunRecord]
    rejected: list[str]


def prepare_export(
    body: bytes, encoding: str, prices: PriceTable, max_depth: int = DEFAULT_MAX_JSON_DEPTH
) -> PreparedExport:
    """Decode an OTLP export request, map its traces to runs and seal them (no database).

    Pure CPU work on plain data, so a server can run it in a worker process
    (`keel.ingest.mapping_pool`); raises InvalidInput for a body that is not OTLP at all.
    """
    decoded = decode_export(body, encoding, max_depth)
    rejected = list(decoded.rejected)
    runs = seal_runs(runs_from_spans(decoded.spans, prices, rejected, max_depth))
    return PreparedExport(runs, rejected)


def store_prepared(
    database: Database, prepared: PreparedExport, actor: str = "otlp"
) -> TraceExport:
    """Store a prepared export's runs in one transaction (governance and assessment included)."""
    counts = WriteCounts()
    if prepared.runs:
        with database.write() as session:
            counts = store_runs(session, prepared.runs, actor, "otlp")
    return TraceExport(counts, prepared.rejected)


def store_export(
    database: Database,
    body: bytes,
    encoding: str,
    prices: PriceTable,
    actor: str = "otlp",
    max_depth: int = DEFAULT_MAX_JSON_DEPTH,
) -> TraceExport:
    """Decode an OTLP export request and store its traces in one transaction."""
    # Mapped and sanitised before the transaction: the write lock is held for writes only.
    return store_prepared(database, prepare_export(body, encoding, prices, max_depth), actor)
