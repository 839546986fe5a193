"""OTLP trace ingestion end to end: decode an export request, map traces to runs, store them.

A trace becomes a run (run_id = the trace id in hex) and each span an event; tool spans also
become tool calls. Spans of one trace may arrive over several requests and in any order: the
store derives the run's times, model and status from all the spans it holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from keel.core.pricing import PriceTable
from keel.core.records import RunRecord, RunStatus, WriteCounts
from keel.ingest.chat_tools import ChatToolTraffic, attach_chat_tool_calls
from keel.ingest.otlp import SpanData, decode_request, spans_of
from keel.ingest.semconv import span_records
from keel.ingest.storing import store_runs
from keel.store.engine import Database
from keel.store.models import utcnow

DEFAULT_WORKFLOW = "otel"


@dataclass(frozen=True)
class TraceExport:
    """What one export request stored, and the spans it rejected (with reasons)."""

    counts: WriteCounts
    rejected: list[str]


def runs_from_spans(spans: list[SpanData], prices: PriceTable) -> list[RunRecord]:
    """Return one run per trace, its events and tool calls in span start order.

    Tool calls are completed from the trace's chat messages (arguments, results), and calls
    only the messages record are added (`ingest.chat_tools`).
    """
    runs: dict[str, RunRecord] = {}
    traffic: dict[str, ChatToolTraffic] = {}
    for span in sorted(spans, key=lambda span: span.start_ns):
        event, call, chat_tools = span_records(span, prices)
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


def store_export(
    database: Database, body: bytes, encoding: str, prices: PriceTable, actor: str = "otlp"
) -> TraceExport:
    """Decode an OTLP export request and store its traces in one transaction."""
    decoded = spans_of(decode_request(body, encoding))
    runs = runs_from_spans(decoded.spans, prices)
    counts = WriteCounts()
    if runs:
        with database.write() as session:
            counts = store_runs(session, runs, actor, "otlp")
    return TraceExport(counts, decoded.rejected)
