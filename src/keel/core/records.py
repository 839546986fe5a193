"""Plain records that ingestion hands to the store: a run with its events and tool calls."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Key of a run's `inputs` holding the output contract its caller declared (`@keel.replayable`),
#: as plain data: here, so the SDK writes it without importing the evaluators.
DECLARED_CONTRACT_KEY = "output_contract"
#: What a run id may be (the native batch format, `--run-id`s): here, so checking one is cheap.
RUN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$"


class RunStatus(enum.StrEnum):
    """Where a run stands: running, finished (completed or failed), or judged by its replays."""

    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    UNSTABLE = "UNSTABLE"
    SELF_HEALED = "SELF_HEALED"


@dataclass
class EventRecord:
    """An event to store; `seq` None means "append after what the run already has"."""

    event_type: str
    seq: int | None = None
    name: str | None = None
    span_id: str | None = None
    parent_span_id: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    model: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    status: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class ToolCallRecord:
    """A tool call to store; arguments already digested and redacted."""

    tool_name: str
    args_digest: str
    args_preview: str = ""
    seq: int | None = None
    server: str | None = None
    call_id: str | None = None
    span_id: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    latency_ms: float | None = None
    result_meta: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass
class RunRecord:
    """A run to store. `from_trace` runs derive times, model and status from their spans."""

    run_id: str
    workflow_type: str
    created_at: datetime
    source: str = "sdk"
    from_trace: bool = False
    ended_at: datetime | None = None
    model: str | None = None
    status: str = "COMPLETED"
    trace_id: str | None = None
    loop_depth: int = 0
    latency_ms: float | None = None
    parent_run_id: str | None = None
    error: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    output: dict[str, Any] | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    events: list[EventRecord] = field(default_factory=list)
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    #: Set by keel.core.sanitize once every value passed the redactor; the store checks it.
    sealed: object = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class WriteCounts:
    """How many rows a write inserted, and how many it found already stored."""

    runs_inserted: int = 0
    runs_duplicate: int = 0
    events_inserted: int = 0
    events_duplicate: int = 0
    tool_calls_inserted: int = 0
    tool_calls_duplicate: int = 0
    #: Every run the write touched, and those it created (for the audit log and policy checks).
    run_ids: tuple[str, ...] = field(default=(), compare=False)
    inserted_run_ids: tuple[str, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, int]:
        """Return the counts as a JSON-ready dict."""
        return {name: value for name, value in self.__dict__.items() if isinstance(value, int)}
