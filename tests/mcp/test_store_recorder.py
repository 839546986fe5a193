"""Writing captured calls to the store: one small transaction each, idempotent."""

from __future__ import annotations

import threading
import time

from keel.core.records import RunStatus
from keel.mcp.recorder import finish_call, start_call
from keel.mcp.store_recorder import StoreRecorder
from keel.store.engine import Database
from keel.store.runs import run_detail


def test_a_call_recorded_twice_is_stored_once(database: Database) -> None:
    call = finish_call(start_call("srv", "lookup", {"id": 1}), result={"content": []})
    first = StoreRecorder(database, "run-twice").open()
    first.record(call)
    first.record(call)  # same batch
    first.close(RunStatus.COMPLETED)
    retry = StoreRecorder(database, "run-twice").open()
    retry.record(call)  # a later transaction, as a retry would be
    retry.close()
    with database.read() as session:
        detail = run_detail(session, "run-twice")
    assert detail is not None
    assert [c.tool_name for c in detail.tool_calls] == ["lookup"]
    assert detail.run.tool_count == 1
    assert detail.run.status == "COMPLETED" and detail.run.latency_ms is not None


def test_a_burst_of_calls_is_stored_in_full_and_in_order(database: Database) -> None:
    recorder = StoreRecorder(database, "run-burst").open()
    for n in range(120):
        recorder.record(finish_call(start_call("srv", f"t{n}", {"n": n}), result={"content": []}))
    recorder.close(RunStatus.COMPLETED)
    with database.read() as session:
        detail = run_detail(session, "run-burst")
    assert detail is not None and detail.run.tool_count == 120
    assert [c.tool_name for c in detail.tool_calls] == [f"t{n}" for n in range(120)]
    assert [c.seq for c in detail.tool_calls] == list(range(120))


def _status(database: Database, run_id: str) -> str:
    with database.read() as session:
        detail = run_detail(session, run_id)
    assert detail is not None
    return detail.run.status


def test_only_the_recorder_that_created_the_run_finishes_it(database: Database) -> None:
    first = StoreRecorder(database, "run-shared").open()
    second = StoreRecorder(database, "run-shared").open()
    assert first.created_run and not second.created_run
    second.close(RunStatus.FAILED, "not second's to say")
    assert _status(database, "run-shared") == "RUNNING"
    first.close(RunStatus.COMPLETED)
    assert _status(database, "run-shared") == "COMPLETED"


def test_a_recorder_opened_in_the_background_connects_off_the_callers_path(
    database: Database,
) -> None:
    connected = threading.Event()

    def slow_connect() -> Database:
        time.sleep(0.5)  # the imports and migrations a proxy no longer waits for
        connected.set()
        return database

    started = time.perf_counter()
    recorder = StoreRecorder(slow_connect, "run-later", batch_window_s=0.05).open(
        in_background=True
    )
    recorder.record(finish_call(start_call("srv", "echo", {"n": 1}), result={"content": []}))
    assert time.perf_counter() - started < 0.25 and not connected.is_set()
    recorder.close(RunStatus.COMPLETED)
    assert recorder.created_run
    with database.read() as session:
        detail = run_detail(session, "run-later")
    assert detail is not None and detail.run.tool_count == 1
    assert detail.run.status == "COMPLETED"
