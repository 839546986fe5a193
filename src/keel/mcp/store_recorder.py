"""Writes captured tool calls of one run to the store as they finish, off the caller's path.

A background thread takes finished calls from a queue and stores them at once, in a small
transaction (one call, or the few that finished while the previous write ran), so a slow
database never delays the MCP traffic, and a crash loses at most the calls still in the queue,
never one already written. Every record carries a fixed span id, so writing it again (a retry)
stores nothing twice.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import UTC, datetime

from keel.core.records import RunRecord, RunStatus, ToolCallRecord
from keel.ingest.storing import store_runs
from keel.store.engine import Database
from keel.store.run_status import finish_run

logger = logging.getLogger(__name__)
_STOP = object()
_RETRY_DELAYS_S = (0.05, 0.5, 2.0)
MAX_BATCH = 500


class StoreRecorder:
    """Records calls into run `run_id`, creating it (RUNNING) on `open()` when it is new."""

    def __init__(
        self,
        database: Database,
        run_id: str,
        *,
        workflow_type: str = "mcp",
        source: str = "mcp",
        inputs: dict[str, object] | None = None,
    ) -> None:
        self.database = database
        self.run_id = run_id
        self.workflow_type = workflow_type
        self.source = source
        self.inputs = dict(inputs or {})
        self.created_run = False
        self.failed_writes = 0
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread = threading.Thread(target=self._drain, name="keel-mcp-recorder", daemon=True)

    def open(self) -> StoreRecorder:
        """Create the run if it does not exist yet, and start the writer thread."""
        with self.database.write() as session:
            counts = store_runs(session, [self._run_record([])], "mcp", "mcp")
        self.created_run = counts.runs_inserted == 1
        self._thread.start()
        return self

    def record(self, call: ToolCallRecord) -> None:
        """Queue `call` for writing; returns at once."""
        self._queue.put(call)

    def close(self, status: RunStatus | None = None, error: str | None = None) -> None:
        """Write every queued call, stop the thread, and finish the run if this recorder made it."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
        if status is not None and self.created_run:
            with self.database.write() as session:
                finish_run(session, self.run_id, status, datetime.now(UTC), error)

    def _run_record(self, calls: list[ToolCallRecord]) -> RunRecord:
        return RunRecord(
            run_id=self.run_id,
            workflow_type=self.workflow_type,
            created_at=datetime.now(UTC),
            source=self.source,
            status=RunStatus.RUNNING,
            inputs=self.inputs,
            tool_calls=calls,
        )

    def _drain(self) -> None:
        while True:
            batch = [self._queue.get()]
            # Whatever else finished while the last write ran goes in the same transaction:
            # nothing waits to be batched, but a burst costs one commit instead of many.
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            calls = [item for item in batch if isinstance(item, ToolCallRecord)]
            if calls:
                self._write(calls)
            if any(item is _STOP for item in batch):
                return

    def _write(self, calls: list[ToolCallRecord]) -> None:
        for attempt, delay_s in enumerate((0.0, *_RETRY_DELAYS_S)):
            time.sleep(delay_s)
            try:
                with self.database.write() as session:
                    store_runs(session, [self._run_record(calls)], "mcp", "mcp")
                return
            except Exception:
                # The traffic must go on even when the store is away; say so, don't crash.
                if attempt == len(_RETRY_DELAYS_S):
                    self.failed_writes += len(calls)
                    logger.exception(
                        "could not store %d tool call(s) of run %s", len(calls), self.run_id
                    )
