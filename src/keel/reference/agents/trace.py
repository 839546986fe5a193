"""A run's trace as the agents build it: steps become events, captured calls become tool calls.

One `AgentTrace` per run. Steps are appended as they finish; `record()` returns the RunRecord
that `keel.store.writes.write_runs` stores in one transaction (run, events, tool calls).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from keel.core.records import EventRecord, RunRecord, RunStatus
from keel.ingest.messages import genai_message
from keel.ingest.storing import store_runs
from keel.mcp.recorder import ListRecorder
from keel.models import Completion
from keel.models.provider import CompletionRequest, ToolCallRequest
from keel.store.engine import Database


def new_run_id(workflow_type: str) -> str:
    """Return a fresh run id, e.g. `support-3f2a...`."""
    return f"{workflow_type}-{uuid.uuid4().hex[:20]}"


def _genai(
    role: str,
    content: str,
    calls: Sequence[ToolCallRequest],
    call_id: str | None = None,
    finish_reason: str | None = None,
) -> dict[str, Any]:
    """Return one message in the GenAI parts shape, by the reader ingested traces go through."""
    message = genai_message(
        {
            "role": role,
            "content": content,
            "tool_call_id": call_id,
            "tool_calls": [
                {"id": c.call_id, "name": c.name, "arguments": c.arguments} for c in calls
            ],
            "finish_reason": finish_reason,
        }
    )
    assert message is not None  # the roles are the provider's own
    return message


@dataclass
class AgentTrace:
    """Everything recorded about one agent run while it executes."""

    workflow_type: str
    model: str
    inputs: dict[str, Any]
    run_id: str = ""
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    events: list[EventRecord] = field(default_factory=list)
    recorder: ListRecorder = field(default_factory=ListRecorder)
    _started_perf: float = field(default_factory=time.perf_counter)

    def __post_init__(self) -> None:
        self.run_id = self.run_id or new_run_id(self.workflow_type)

    def step(
        self,
        event_type: str,
        name: str,
        started_at: datetime,
        payload: dict[str, Any],
        generation: Completion | None = None,
        status: str = "OK",
        request: CompletionRequest | None = None,
    ) -> None:
        """Append one finished step; a model step carries its generation's accounting and, given
        its request, the messages it was sent and answered (OpenTelemetry GenAI's parts shape,
        as ingested traces store them: the Run Detail page shows both the same way)."""
        event = EventRecord(
            event_type=event_type,
            seq=len(self.events),
            name=name,
            started_at=started_at,
            ended_at=datetime.now(UTC),
            status=status,
            payload=payload,
        )
        if generation is not None:
            event.model = f"{generation.provider}:{generation.model}"
            event.input_tokens = generation.input_tokens
            event.output_tokens = generation.output_tokens
            event.cost_usd = generation.cost_usd
            event.payload = {**payload, "generation": generation.record()}
            if request is not None:
                event.payload["input_messages"] = [
                    _genai(m.role, m.content, m.tool_calls, m.tool_call_id)
                    for m in request.messages
                ]
                event.payload["output_messages"] = [
                    _genai(
                        "assistant",
                        generation.text,
                        generation.tool_calls,
                        finish_reason=generation.finish_reason,
                    )
                ]
        self.events.append(event)

    def record(
        self,
        status: RunStatus,
        output: dict[str, Any] | None,
        loop_depth: int = 0,
        error: str | None = None,
        metrics: dict[str, Any] | None = None,
    ) -> RunRecord:
        """Return the finished run with its events and captured tool calls, in call order."""
        calls = sorted(self.recorder.calls, key=lambda c: c.started_at or self.created_at)
        for seq, call in enumerate(calls):
            call.seq = seq
        return RunRecord(
            run_id=self.run_id,
            workflow_type=self.workflow_type,
            created_at=self.created_at,
            source="agent",
            model=self.model,
            status=status,
            ended_at=datetime.now(UTC),
            latency_ms=(time.perf_counter() - self._started_perf) * 1000.0,
            loop_depth=loop_depth,
            error=error,
            inputs=self.inputs,
            output=output,
            metrics=metrics or {},
            events=self.events,
            tool_calls=calls,
        )


def store_run(database: Database, run: RunRecord) -> None:
    """Store `run` with its events and tool calls, its policy flags and risk, in one transaction."""
    store_batch(database, [run])


def store_batch(database: Database, runs: list[RunRecord]) -> None:
    """Store `runs` as `store_run` does, all in one transaction (one audit append, one commit)."""
    with database.write() as session:
        store_runs(session, runs, "agent", "agent")
