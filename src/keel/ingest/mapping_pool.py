"""Decode, map and seal OTLP exports in worker processes, so one server uses every core.

Mapping spans is CPU-bound Python: in the server's own threads it only takes turns on the GIL
with the writes. A pool of `workers` processes (spawned, so no thread state is forked) runs
`keel.ingest.traces.prepare_export` and hands back sealed records; the server then stores them
in one transaction as before, so a 2xx still means committed. Each worker installs the same
sanitizer as the server (the user's redaction patterns, the field limit) before its first job.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from keel.core import sanitize
from keel.core.pricing import load_prices
from keel.core.redaction import Redactor
from keel.ingest.traces import PreparedExport, prepare_export


def default_workers() -> int:
    """Return the pool size for this machine: one process per core but the server's own."""
    return max(0, (os.cpu_count() or 1) - 1)


def _install(redact_patterns: Sequence[str], max_field_chars: int) -> None:
    sanitize.install(sanitize.Sanitizer(Redactor(redact_patterns), max_field_chars))


def _prepare(
    body: bytes, encoding: str, prices_file: Path | None, max_depth: int
) -> PreparedExport:
    return prepare_export(body, encoding, load_prices(prices_file), max_depth)


def _ready() -> bool:
    return True


class MappingPool:
    """A process pool that prepares exports. The first `available()` spawns the workers in the
    background; until they are up the server maps in its own threads."""

    def __init__(self, workers: int, redact_patterns: Sequence[str], max_field_chars: int) -> None:
        self.workers = workers
        self._initargs = (tuple(redact_patterns), max_field_chars)
        self._executor: ProcessPoolExecutor | None = None
        self._warm: Future[bool] | None = None

    def start(self) -> None:
        """Spawn the workers; returns at once (a first job waits for them to import keel)."""
        self._executor = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_install,
            initargs=self._initargs,
        )
        self._warm = self._executor.submit(_ready)

    def available(self) -> bool:
        """Whether the workers are up to take an export now; starts them on the first call."""
        if self._executor is None:
            self.start()
        warm = self._warm
        return (
            warm is not None and warm.done() and not warm.cancelled() and warm.exception() is None
        )

    def submit(
        self, body: bytes, encoding: str, prices_file: Path | None, max_depth: int
    ) -> Future[PreparedExport]:
        """Queue one export; the future holds its PreparedExport or the KeelError it raised.

        A pool whose worker died (BrokenProcessPool) is replaced; the exports it held fail
        with a 5xx, which OTLP exporters retry, and nothing of them was stored.
        """
        executor = self._executor
        assert executor is not None, "start() the pool first"
        future = executor.submit(_prepare, body, encoding, prices_file, max_depth)
        future.add_done_callback(lambda done: self._restart_if_broken(executor, done))
        return future

    def _restart_if_broken(self, executor: ProcessPoolExecutor, done: Future[Any]) -> None:
        broken = not done.cancelled() and isinstance(done.exception(), BrokenProcessPool)
        if broken and executor is self._executor:  # once per broken pool, not per export
            executor.shutdown(wait=False, cancel_futures=True)
            self.start()

    def close(self) -> None:
        """Stop the worker processes (queued exports are cancelled; none are left at shutdown)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
            self._warm = None
