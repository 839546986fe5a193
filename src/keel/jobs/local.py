"""Run jobs in the background of the process that accepted them (the worker-less default).

A job's status and progress live in the database, so every keel process (and page) sees them;
only the execution is local. One job at a time per process: a replay set already runs its
replays concurrently when its model is behind an API, and an in-process model is CPU-bound,
where a second job would only fight for the cores. The jobs a crash left behind (queued, or
running under a lease that has run out) are taken up again on start and then every lease
length, so a restarted server, or another one on the same database, finishes them.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from keel.core.settings import Settings
from keel.jobs.kinds import JobKind
from keel.jobs.runner import abandoned_jobs, run_job
from keel.store.engine import Database
from keel.store.leases import Claim

log = logging.getLogger(__name__)


class LocalJobs:
    """A single background worker thread for this process's jobs."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keel-job")
        self._pending: set[tuple[JobKind, str]] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._sweeper: threading.Thread | None = None

    def submit(self, key: str, kind: JobKind = JobKind.REPLAY_SET) -> Future[Claim] | None:
        """Queue job `key` of `kind` (a replay set's id by default); None if queued already."""
        with self._lock:
            if (kind, key) in self._pending or self._stopped.is_set():
                return None
            self._pending.add((kind, key))
        future = self._pool.submit(self._run, kind, key)
        future.add_done_callback(_log_failure)
        return future

    def _run(self, kind: JobKind, key: str) -> Claim:
        try:
            return run_job(self.database, self.settings, kind, key)
        finally:
            with self._lock:
                self._pending.discard((kind, key))

    def recover(self) -> int:
        """Queue the unfinished jobs nobody holds (and keep doing so); return how many now."""
        found = self._sweep()
        if self._sweeper is None:
            self._sweeper = threading.Thread(target=self._sweep_often, daemon=True)
            self._sweeper.start()
        return found

    def _sweep(self) -> int:
        found = [job for job in abandoned_jobs(self.database) if self.submit(job[1], job[0])]
        if found:
            log.info("taking up %d job(s) left unfinished", len(found))
        return len(found)

    def _sweep_often(self) -> None:
        while not self._stopped.wait(self.settings.job_lease_s):
            try:
                self._sweep()
            except Exception as exc:  # a database hiccup must not end the sweeps
                log.warning("looking for unfinished jobs failed: %s", exc)

    def shutdown(self) -> None:
        """Stop taking jobs; the one running finishes, queued ones stay queued in the database."""
        self._stopped.set()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _log_failure(future: Future[Claim]) -> None:
    if future.cancelled():
        return
    error = future.exception()
    if error is not None:
        log.warning("job failed: %s", error)
