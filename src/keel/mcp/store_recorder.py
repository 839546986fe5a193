"""Writes captured tool calls of one run to the store as they finish, off the caller's path.

A background thread takes finished calls from a queue and stores them at once, in a small
transaction (one call, or the few that finished while the previous write ran), so a slow
database never delays the MCP traffic, and a crash loses at most the calls still in the queue,
never one already written. Every record carries a fixed span id, so writing it again (a retry)
stores nothing twice.

`open(in_background=True)` (the proxy) lets the thread also connect to the store and create the
run, so the traffic starts at once instead of after the store's imports and migrations: the
calls made meanwhile wait in the queue.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from keel.core.records import RunRecord, RunStatus, ToolCallRecord

if TYPE_CHECKING:
    from keel.store.engine import Database

logger = logging.getLogger(__name__)
_STOP = object()
_OPEN = object()
_RETRY_DELAYS_S = (0.05, 0.5, 2.0)
MAX_BATCH = 500


class StoreRecorder:
    """Records calls into run `run_id`, creating it (RUNNING) on `open()` when it is new."""

    def __init__(
        self,
        database: Database | Callable[[], Database],
        run_id: str,
        *,
        workflow_type: str = "mcp",
        source: str = "mcp",
        inputs: dict[str, object] | None = None,
        batch_window_s: float = 0.0,
        parent_run_id: str | None = None,
    ) -> None:
        # A callable connects when first needed (on the writer thread, with `in_background`);
        # a store this recorder connected to, it disposes of on close.
        self._database = database
        self._owns_database = callable(database)
        self.run_id = run_id
        self.parent_run_id = parent_run_id
        self.workflow_type = workflow_type
        self.source = source
        self.inputs = dict(inputs or {})
        self.created_run = False
        self.failed_writes = 0
        # > 0: after a call finishes, wait this long for others before writing (the proxy), so
        # a stream of calls shares transactions; a crash loses at most this window more.
        self.batch_window_s = batch_window_s
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread = threading.Thread(target=self._drain, name="keel-mcp-recorder", daemon=True)

    @property
    def database(self) -> Database:
        """The store, connected on first use when a connector was given."""
        if callable(self._database):
            self._database = self._database()
        return self._database

    def open(self, *, in_background: bool = False) -> StoreRecorder:
        """Create the run if it does not exist yet, and start the writer thread.

        With `in_background`, the thread connects and creates the run before its first write,
        and this returns at once.
        """
        if in_background:
            self._queue.put(_OPEN)
        else:
            self._create_run()
        self._thread.start()
        return self

    def _create_run(self) -> None:
        from keel.ingest.storing import store_runs  # heavy: governance, scoring, SQLAlchemy

        with self.database.write() as session:
            counts = store_runs(session, [self._run_record([])], "mcp", "mcp")
        self.created_run = counts.runs_inserted == 1

    def record(self, call: ToolCallRecord) -> None:
        """Queue `call` for writing; returns at once."""
        self._queue.put(call)

    def close(self, status: RunStatus | None = None, error: str | None = None) -> None:
        """Write every queued call, stop the thread, and finish the run if this recorder made it."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
        if status is not None and self.created_run:
            from keel.store.run_status import finish_run

            with self.database.write() as session:
                finish_run(session, self.run_id, status, datetime.now(UTC), error)
        if self._owns_database and not callable(self._database):
            self._database.dispose()

    def _run_record(self, calls: list[ToolCallRecord]) -> RunRecord:
        return RunRecord(
            run_id=self.run_id,
            workflow_type=self.workflow_type,
            created_at=datetime.now(UTC),
            source=self.source,
            status=RunStatus.RUNNING,
            parent_run_id=self.parent_run_id,
            inputs=self.inputs,
            tool_calls=calls,
        )

    def _drain(self) -> None:
        while True:
            batch = [self._queue.get()]
            # Whatever else finished while the last write ran (or within the batch window) goes
            # in the same transaction: a burst costs one commit instead of many.
            if self.batch_window_s and batch[0] is not _STOP:
                time.sleep(self.batch_window_s)
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if batch[0] is _OPEN:
                self._retried(self._create_run, "create run")
            calls = [item for item in batch if isinstance(item, ToolCallRecord)]
            if calls:
                self._write(calls)
            if any(item is _STOP for item in batch):
                return

    def _write(self, calls: list[ToolCallRecord]) -> None:
        from keel.ingest.storing import store_runs

        def store() -> None:
            with self.database.write() as session:
                store_runs(session, [self._run_record(calls)], "mcp", "mcp")

        if not self._retried(store, f"store {len(calls)} tool call(s)"):
            self.failed_writes += len(calls)

    def _retried(self, action: Callable[[], None], what: str) -> bool:
        """Run `action`, retrying with backoff; return whether it succeeded."""
        for attempt, delay_s in enumerate((0.0, *_RETRY_DELAYS_S)):
            time.sleep(delay_s)
            try:
                action()
                return True
            except Exception:
                # The traffic must go on even when the store is away; say so, don't crash.
                if attempt == len(_RETRY_DELAYS_S):
                    logger.exception("could not %s of run %s", what, self.run_id)
        return False
