"""`trace_run`: record one agent run (events, tool calls, output, status) and hand it to the SDK.

A run is built in memory while the `with` block runs and queued, as one JSON object in the native
batch format, when the block ends. Nothing here raises into the host: a recording error is
logged once and the host's own exceptions pass through unchanged.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar, Token
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, ParamSpec, TypeVar

from keel.core.side_effects import ToolEffects
from keel.sdk import client
from keel.sdk.capture import (
    as_dict,
    capture_args,
    describe_error,
    new_run_id,
    priced_cost,
    summarise_result,
    utcnow,
)
from keel.sdk.replay_context import active_replay

logger = logging.getLogger("keel.sdk")
_current: ContextVar[TracedRun | None] = ContextVar("keel_current_run", default=None)
P = ParamSpec("P")
R = TypeVar("R")


def current_run() -> TracedRun | None:
    """Return the run being traced in this thread or task, or None outside `trace_run`."""
    return _current.get()


def guarded(method: Callable[P, R]) -> Callable[P, R | None]:
    """Wrap an SDK method so that a recording error is reported once, never raised."""

    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> R | None:
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            logger.debug("keel: recording failed", exc_info=True)
            client.report_problem(f"could not record {method.__name__} ({exc!r})")
            return None

    return call


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _compact(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


class PendingToolCall:
    """A tool call whose arguments are captured; `end()` records its outcome on the run."""

    def __init__(
        self,
        run: TracedRun,
        tool_name: str,
        args: Any,
        server: str | None,
        effects: ToolEffects | None = None,
    ) -> None:
        self.run = run
        self.seq = run.next_tool_seq()
        self.tool_name = tool_name
        self.server = server
        self.hints = effects.hints() if effects is not None else {}
        self.digest, self.preview = capture_args(args)
        self.started_at = utcnow()
        self._t0 = time.perf_counter()

    @guarded
    def end(
        self,
        result: Any = None,
        error: BaseException | str | None = None,
        latency_ms: float | None = None,
        ended_at: datetime | None = None,
        call_id: str | None = None,
        replay: str | None = None,
    ) -> None:
        """Record the call's result or error, and its latency (measured unless given).

        `replay` says how a replay answered a tool it did not run (keel.core.side_effects).
        """
        if latency_ms is None:
            latency_ms = (time.perf_counter() - self._t0) * 1000.0
        meta = summarise_result(result) if result is not None else {}
        if self.hints:
            meta["annotations"] = self.hints
        if replay is not None:
            meta["replay"] = replay
        call = {
            "seq": self.seq,
            "tool_name": self.tool_name,
            "server": self.server,
            "call_id": call_id,
            "args_digest": self.digest,
            "args_preview": self.preview,
            "started_at": _iso(self.started_at),
            "ended_at": _iso(ended_at or utcnow()),
            "latency_ms": float(latency_ms),
            "result_meta": meta,
            "error": describe_error(error) if error is not None else None,
        }
        self.run.append("tool_calls", _compact(call))


class TracedRun:
    """One run being recorded: add events and tool calls; it is sent when its block ends."""

    def __init__(
        self,
        workflow_type: str,
        model: str | None,
        run_id: str | None,
        inputs: Any,
        parent_run_id: str | None,
    ) -> None:
        self.run_id = run_id or new_run_id()
        self.workflow_type = workflow_type
        self.model = model
        self.parent_run_id = parent_run_id
        self.inputs = as_dict(inputs, "input") if inputs is not None else {}
        self.output: dict[str, Any] | None = None
        self.created_at = utcnow()
        self._t0 = time.perf_counter()
        self._lock = threading.Lock()  # tools may run in threads or tasks sharing this run
        self._items: dict[str, list[dict[str, Any]]] = {"events": [], "tool_calls": []}
        self._tool_seq = 0
        self._finished = False

    def next_tool_seq(self) -> int:
        """Return the next tool call number (in call order)."""
        with self._lock:
            self._tool_seq += 1
            return self._tool_seq - 1

    def append(self, kind: str, item: dict[str, Any]) -> None:
        """Add an event or tool call; events get their seq here (in recording order)."""
        with self._lock:
            if self._finished:
                logger.debug("keel: %s recorded after run %s ended; ignored", kind, self.run_id)
                return
            if kind == "events":
                item["seq"] = len(self._items["events"])
            self._items[kind].append(item)

    @guarded
    def event(
        self,
        event_type: str,
        name: str | None = None,
        payload: dict[str, Any] | None = None,
        model: str | None = None,
        input_tokens: int = 0,
        output_tokens: int = 0,
        cost_usd: float = 0.0,
        status: str | None = None,
        started_at: datetime | None = None,
        ended_at: datetime | None = None,
    ) -> None:
        """Record one step of the run; times default to now."""
        ended_at = ended_at or utcnow()
        event = {
            "event_type": event_type,
            "name": name,
            "started_at": _iso(started_at or ended_at),
            "ended_at": _iso(ended_at),
            "model": model,
            "input_tokens": int(input_tokens),
            "output_tokens": int(output_tokens),
            "cost_usd": float(cost_usd),
            "status": status,
            "payload": dict(payload) if payload else None,
        }
        self.append("events", _compact(event))

    @guarded
    def llm_call(
        self,
        name: str | None = None,
        model: str | None = None,
        input_tokens: int = 0,
        output_tokens: int = 0,
        cost_usd: float | None = None,
        prompt: Any = None,
        completion: Any = None,
        payload: dict[str, Any] | None = None,
        status: str | None = None,
        started_at: datetime | None = None,
        ended_at: datetime | None = None,
    ) -> None:
        """Record an LLM call (event type "llm"); the model defaults to the run's.

        Without `cost_usd`, the cost comes from keel's price table (as for OTLP spans), and the
        payload says so in `cost_source`; an unknown model costs 0.
        """
        model = model or self.model
        body = dict(payload or {})
        if cost_usd is None:
            cost_usd = priced_cost(model, int(input_tokens), int(output_tokens))
            if cost_usd is not None:
                body["cost_source"] = "price_table"
        else:
            body["cost_source"] = "provided"
        if prompt is not None:
            body["prompt"] = prompt
        if completion is not None:
            body["completion"] = completion
        self.event(
            "llm",
            name,
            body,
            model,
            input_tokens,
            output_tokens,
            cost_usd or 0.0,
            status,
            started_at,
            ended_at,
        )

    @guarded
    def tool_call(
        self,
        tool_name: str,
        args: Any = None,
        result: Any = None,
        error: BaseException | str | None = None,
        latency_ms: float | None = None,
        started_at: datetime | None = None,
        ended_at: datetime | None = None,
        server: str | None = None,
        call_id: str | None = None,
    ) -> None:
        """Record a finished tool call; only a digest and redacted preview of `args` are kept."""
        pending = PendingToolCall(self, tool_name, args, server)
        ended_at = ended_at or utcnow()
        if started_at is None and latency_ms is not None:
            started_at = ended_at - timedelta(milliseconds=latency_ms)
        pending.started_at = started_at or ended_at
        if latency_ms is None:
            latency_ms = (ended_at - pending.started_at).total_seconds() * 1000.0
        pending.end(result, error, latency_ms, ended_at, call_id)

    def start_tool_call(
        self, tool_name: str, args: Any, server: str | None, effects: ToolEffects | None = None
    ) -> PendingToolCall:
        """Return a pending call with `args` captured now (used by `@keel.tool`)."""
        return PendingToolCall(self, tool_name, args, server, effects)

    @guarded
    def set_output(self, output: Any) -> None:
        """Record the run's final output (a dict; other values are stored as {"output": value})."""
        self.output = as_dict(output, "output")

    def finish(self, error: BaseException | None) -> bytes:
        """Close the run and return it as one JSON object of the native batch format."""
        with self._lock:
            self._finished = True
            events, calls = self._items["events"], self._items["tool_calls"]
        failed = error is not None and not _clean_exit(error)
        run = {
            "run_id": self.run_id,
            "workflow_type": self.workflow_type,
            "created_at": _iso(self.created_at),
            "ended_at": _iso(utcnow()),
            "model": self.model,
            "status": "FAILED" if failed else "COMPLETED",
            "source": "sdk",
            "parent_run_id": self.parent_run_id,
            # Same definition as runs assembled from traces: LLM rounds beyond the first.
            "loop_depth": max(0, sum(1 for e in events if e["event_type"] == "llm") - 1),
            "latency_ms": (time.perf_counter() - self._t0) * 1000.0,
            "error": describe_error(error) if failed and error is not None else None,
            "inputs": self.inputs,
            "output": self.output,
            "events": events,
            "tool_calls": calls,
        }
        text = json.dumps(
            _compact(run), default=str, allow_nan=False, ensure_ascii=False, separators=(",", ":")
        )
        return text.encode()


def _clean_exit(error: BaseException) -> bool:
    return isinstance(error, SystemExit) and error.code in (0, None)


class RunScope:
    """The context manager `trace_run` returns: sets the current run, queues it at the end."""

    def __init__(self, run: TracedRun) -> None:
        self.run = run
        self._token: Token[TracedRun | None] | None = None

    def __enter__(self) -> TracedRun:
        self._token = _current.set(self.run)
        return self.run

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self._token is not None:
                _current.reset(self._token)
        except (ValueError, RuntimeError):  # exited in another context, or exited twice
            _current.set(None)
        _submit(self.run, exc)

    async def __aenter__(self) -> TracedRun:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, traceback)


def _submit(run: TracedRun, error: BaseException | None) -> None:
    try:
        body = run.finish(error)
    except Exception as exc:
        logger.debug("keel: run %s could not be serialised", run.run_id, exc_info=True)
        client.drop_unsendable(f"run {run.run_id} could not be serialised ({exc!r})")
        return
    replay = active_replay()
    if replay is not None:
        replay.finished_runs.append(body)  # the replay engine stores it, synchronously
        return
    client.submit(body)


def trace_run(
    workflow_type: str,
    model: str | None = None,
    run_id: str | None = None,
    inputs: Any = None,
    parent_run_id: str | None = None,
) -> RunScope:
    """Return a context manager (`with` or `async with`) that records one run.

    The run is FAILED, with the error, when the block raises (the exception still propagates);
    a run started inside another takes it as `parent_run_id` unless one is given.
    """
    if parent_run_id is None:
        outer = _current.get()
        parent_run_id = outer.run_id if outer is not None else None
    return RunScope(TracedRun(workflow_type, model, run_id, inputs, parent_run_id))
