"""A bounded queue of finished runs, sent in batches by one background daemon thread.

The host thread only appends to a deque under a lock (or counts a drop when it is full); all
network and database work happens on the SDK's thread. Delivery problems never reach the host:
they become counters (`stats()`) and a single logged warning.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass

from keel.sdk.config import SdkConfig
from keel.sdk.transport import DeliveryOutcome, DeliveryVerdict, Transport

logger = logging.getLogger("keel.sdk")


@dataclass(frozen=True)
class SdkStats:
    """What happened to the runs handed to the SDK, counted in runs (not batches)."""

    accepted: int = 0  # taken into the queue
    sent: int = 0  # stored by the server or the in-process store (inserted or already there)
    dropped: int = 0  # lost: queue full, destination unreachable after retries, unsent at exit
    failed: int = 0  # refused by the destination (4xx: auth, invalid run); never retried
    retries: int = 0  # extra delivery attempts after 5xx, 429 or connection errors
    batches: int = 0  # requests (or transactions) that stored runs
    queued: int = 0  # waiting in the queue right now

    def as_dict(self) -> dict[str, int]:
        """Return the counters as a JSON-ready dict."""
        return asdict(self)


_COUNTERS = ("accepted", "sent", "dropped", "failed", "retries", "batches")


class Batcher:
    """Queues serialised runs and delivers them from a daemon thread, by size or interval."""

    def __init__(self, config: SdkConfig, open_transport: Callable[[], Transport]) -> None:
        self.config = config
        self._open_transport = open_transport
        self._reset()

    def _reset(self) -> None:
        self._cond = threading.Condition()
        self._items: deque[tuple[float, bytes]] = deque()
        self._waiting_bytes = 0
        self._flush_wanted = False
        self._closing = False
        self._stop = threading.Event()  # wakes the worker from a retry backoff
        self._thread: threading.Thread | None = None
        self._transport: Transport | None = None
        self._target = "keel"
        self._last_open_error = ""
        self._counts = dict.fromkeys(_COUNTERS, 0)
        self._settled = 0  # runs sent, failed or dropped after being accepted
        self._warned = False

    # -- host side ------------------------------------------------------------------------

    def submit(self, item: bytes) -> bool:
        """Queue one serialised run; return False (and count a drop) when it cannot be taken."""
        with self._cond:
            if self._closing or len(self._items) >= self.config.queue_size:
                self._counts["dropped"] += 1
                reason = "the SDK is shut down" if self._closing else "the SDK's queue is full"
                full = f"{reason} ({len(self._items)} runs waiting for {self._target})"
            else:
                full = ""
                self._items.append((time.monotonic(), item))
                self._waiting_bytes += len(item)
                self._counts["accepted"] += 1
                if len(self._items) == 1 or self._batch_due():
                    self._cond.notify_all()
                self._ensure_thread()
        if full:
            self.warn_once(full)
        return not full

    def flush(self, timeout_s: float) -> bool:
        """Send what is queued now; wait at most `timeout_s`; return True when all settled."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            target = self._counts["accepted"]
            self._flush_wanted = True
            self._cond.notify_all()
            while self._settled < target:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._thread is None or not self._thread.is_alive():
                    return False
                self._cond.wait(remaining)
        return True

    def close(self, timeout_s: float) -> bool:
        """Give each queued batch one last attempt within `timeout_s`, then drop the rest."""
        with self._cond:
            self._closing = True
            self._stop.set()
        done = self.flush(timeout_s)
        with self._cond:
            left = len(self._items)
            self._items.clear()
            self._waiting_bytes = 0
            self._counts["dropped"] += left
            self._settled += left
            self._cond.notify_all()
        if left:
            self.warn_once(f"{left} runs were not sent to {self._target} before exit")
        transport = self._transport
        if done and transport is not None:
            transport.close()
        return done and not left

    @property
    def closed(self) -> bool:
        """Return True once `close()` has begun."""
        return self._closing

    def count_dropped(self, problem: str) -> None:
        """Count a run dropped before it reached the queue, and warn (once)."""
        with self._cond:
            self._counts["dropped"] += 1
        self.warn_once(problem)

    def stats(self) -> SdkStats:
        """Return a snapshot of the counters."""
        with self._cond:
            return SdkStats(**self._counts, queued=len(self._items))

    def after_fork_in_child(self) -> None:
        """Start afresh in a forked child: the parent's thread and queue do not exist here."""
        if self._transport is not None:
            self._transport.forget()
        self._reset()

    def warn_once(self, problem: str) -> None:
        """Log the first delivery problem as a warning; later ones only at debug level."""
        with self._cond:
            first = not self._warned
            self._warned = True
        if first:
            logger.warning(
                "keel: %s; undelivered runs are dropped and counted in keel.sdk.stats() "
                "(this warning is shown once)",
                problem,
            )
        else:
            logger.debug("keel: %s", problem)

    # -- SDK thread -----------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._work, name="keel-sdk-sender", daemon=True)
        self._thread.start()

    def _batch_due(self) -> bool:
        limit = min(self.config.max_batch_runs, self.config.queue_size)
        if self._flush_wanted or self._closing or len(self._items) >= limit:
            return True
        if self._waiting_bytes >= self.config.max_batch_bytes:
            return True
        return time.monotonic() >= self._items[0][0] + self.config.flush_interval_s

    def _work(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            try:
                self._deliver(batch)
            except Exception as exc:  # a bug here must not kill the thread or reach the host
                logger.debug("keel: delivery crashed", exc_info=True)
                self._settle(len(batch), "dropped", f"internal error {exc!r}")

    def _next_batch(self) -> list[bytes] | None:
        with self._cond:
            while True:
                if self._items and self._batch_due():
                    return self._take()
                if not self._items:
                    if self._closing:
                        return None
                    self._flush_wanted = False
                    self._cond.wait()
                else:
                    wait_s = self._items[0][0] + self.config.flush_interval_s - time.monotonic()
                    self._cond.wait(max(wait_s, 0.001))

    def _take(self) -> list[bytes]:
        batch: list[bytes] = []
        size = 0
        while self._items and len(batch) < self.config.max_batch_runs:
            item = self._items[0][1]
            if batch and size + len(item) > self.config.max_batch_bytes:
                break
            self._items.popleft()
            batch.append(item)
            size += len(item)
        self._waiting_bytes -= size
        return batch

    def _settle(self, runs: int, counter: str, problem: str = "") -> None:
        with self._cond:
            self._counts[counter] += runs
            self._settled += runs
            if counter == "sent":
                self._counts["batches"] += 1
            self._cond.notify_all()
        if problem:
            self.warn_once(problem)

    def _transport_or_none(self) -> Transport | None:
        if self._transport is None:
            try:
                self._transport = self._open_transport()
            except Exception as exc:
                logger.debug("keel: cannot open transport", exc_info=True)
                self._last_open_error = f"{type(exc).__name__}: {exc}"
                return None
            self._target = self._transport.target
        return self._transport

    def _deliver(self, batch: list[bytes]) -> None:
        transport = self._transport_or_none()
        if transport is None:
            problem = f"cannot open the SDK's destination ({self._last_open_error})"
            self._settle(len(batch), "dropped", problem)
            return
        pending = [batch]
        while pending:
            chunk = pending.pop()
            outcome = self._send(transport, chunk)
            pending.extend(self._apply(outcome, chunk))

    def _apply(self, outcome: DeliveryOutcome, chunk: list[bytes]) -> list[list[bytes]]:
        """Count what `outcome` settles of `chunk`; return the parts still worth sending."""
        verdict, index = outcome.verdict, outcome.run_index
        if verdict is DeliveryVerdict.DELIVERED:
            self._settle(len(chunk), "sent")
            return []
        if verdict is DeliveryVerdict.INVALID_RUN and index is not None and index < len(chunk):
            self._settle(1, "failed", f"{self._target} refused a run ({outcome.reason})")
            rest = chunk[:index] + chunk[index + 1 :]
            return [rest] if rest else []
        if verdict is DeliveryVerdict.TOO_LARGE and len(chunk) > 1:
            half = len(chunk) // 2
            return [chunk[half:], chunk[:half]]
        if verdict is DeliveryVerdict.RETRY:
            problem = f"could not deliver runs to {self._target} ({outcome.reason})"
            self._settle(len(chunk), "dropped", problem)
            return []
        self._settle(len(chunk), "failed", f"{self._target} refused runs ({outcome.reason})")
        return []

    def _send(self, transport: Transport, chunk: list[bytes]) -> DeliveryOutcome:
        body = b'{"runs":[' + b",".join(chunk) + b"]}"
        attempt = 0
        while True:
            try:
                outcome = transport.send(body)
            except Exception as exc:  # a transport bug: report it, never retry it forever
                logger.debug("keel: transport crashed", exc_info=True)
                outcome = DeliveryOutcome(DeliveryVerdict.REFUSED, f"internal error {exc!r}")
            if outcome.verdict is not DeliveryVerdict.RETRY or attempt >= self.config.max_retries:
                return outcome
            # Exponential backoff with jitter, so many hosts do not retry in lockstep.
            delay_s = self.config.retry_backoff_s * 2**attempt * random.uniform(0.5, 1.0)
            attempt += 1
            if self._stop.wait(delay_s):  # closing: the exit deadline does not wait for backoff
                return outcome
            with self._cond:
                self._counts["retries"] += 1
