"""Batching, retries and drops: what the SDK does when the destination is slow, down or picky."""

from __future__ import annotations

import time

import pytest

import keel
import keel.sdk
from keel.core.settings import Settings
from keel.store.engine import Database
from tests.conftest import LiveServer
from tests.sdk.conftest import ScriptedServer, closed_port_url, stored


def trace(count: int, prefix: str = "run", padding: str = "") -> None:
    for index in range(count):
        with keel.trace_run(workflow_type="support", run_id=f"{prefix}-{index}") as run:
            run.llm_call(input_tokens=1, payload={"padding": padding} if padding else None)


def keel_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "keel.sdk" and r.levelno >= 30]


def test_runs_past_a_full_queue_are_dropped_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    with ScriptedServer(hold=True) as server:
        keel.configure(endpoint=server.url, queue_size=2, max_batch_runs=1)
        trace(1, "first")
        assert server.received.wait(timeout=30)  # the sender is now busy with the first run
        trace(7, "later")
        stats = keel.sdk.stats()
        assert (stats.accepted, stats.dropped, stats.queued) == (3, 5, 2)
        server.gate.set()
        assert keel.flush(timeout_s=30)
    assert keel.sdk.stats().sent == 3
    assert server.run_count() == 3
    warnings = keel_warnings(caplog)
    assert len(warnings) == 1 and "queue is full" in warnings[0]


def test_server_errors_are_retried_until_the_batch_is_stored() -> None:
    with ScriptedServer(statuses=[503, 502]) as server:
        keel.configure(endpoint=server.url, retry_backoff_s=0.01, flush_interval_s=60)
        trace(2)
        assert keel.flush(timeout_s=30)
    stats = keel.sdk.stats()
    assert (stats.sent, stats.retries, stats.dropped, stats.batches) == (2, 2, 0, 1)
    assert len(server.bodies) == 3  # the same batch three times: idempotent on the server


def test_unreachable_server_drops_after_bounded_retries_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    keel.configure(
        endpoint=closed_port_url(), max_retries=2, retry_backoff_s=0.01, flush_interval_s=60
    )
    for round_ in range(3):
        trace(2, f"round{round_}")
        assert keel.flush(timeout_s=30)
    stats = keel.sdk.stats()
    assert (stats.sent, stats.dropped, stats.retries) == (0, 6, 6)
    warnings = keel_warnings(caplog)
    assert len(warnings) == 1 and "could not deliver runs" in warnings[0]


def test_refused_key_is_counted_failed_and_not_retried(
    settings: Settings, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    locked = Settings(home=settings.home, database_url=settings.database_url, api_key="s3cret-key")
    with LiveServer(locked, database) as server:
        keel.configure(endpoint=server.url, api_key="wrong-key")
        trace(2, "denied")
        assert keel.flush(timeout_s=30)
        stats = keel.sdk.stats()
        assert (stats.failed, stats.retries, stats.sent) == (2, 0, 0)
        assert "HTTP 401" in keel_warnings(caplog)[0]

        keel.configure(endpoint=server.url, api_key="s3cret-key")
        trace(1, "allowed")
        assert keel.flush(timeout_s=30)
        assert keel.sdk.stats().sent == 1
    assert stored(database, "allowed-0").run.status == "COMPLETED"


def test_batch_over_the_server_limit_is_split_and_a_lone_huge_run_fails(
    settings: Settings, database: Database
) -> None:
    small = settings.model_copy(update={"max_request_bytes": 6_000})
    with LiveServer(small, database) as server:
        keel.configure(endpoint=server.url, flush_interval_s=60)
        trace(6, "fits", padding="x" * 1_500)
        trace(1, "huge", padding="x" * 10_000)
        assert keel.flush(timeout_s=30)
    stats = keel.sdk.stats()
    assert (stats.sent, stats.failed, stats.dropped) == (6, 1, 0)
    assert stats.batches >= 2
    for index in range(6):
        assert stored(database, f"fits-{index}").run.total_tokens == 1


def test_flush_interval_sends_without_an_explicit_flush(
    live_server: LiveServer, database: Database
) -> None:
    keel.configure(endpoint=live_server.url, flush_interval_s=0.05)
    trace(1, "timed")
    deadline = time.monotonic() + 30  # generous bound: "is sent at all", not "how fast"
    while keel.sdk.stats().sent == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert keel.sdk.stats().sent == 1
    assert stored(database, "timed-0").run.total_tokens == 1
