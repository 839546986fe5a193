"""Run jobs in the background of the process that accepted them (the worker-less default).

A job's status and progress live in the database, so every keel process (and page) sees them;
only the execution is local. One job at a time per process: a replay set already runs its
replays concurrently when its model is behind an API, and an in-process model is CPU-bound,
where a second job would only fight for the cores. On start, the jobs a crash left behind
(queued, or running under a lease that has run out) are taken up again.
"""

from __future__ import annotations

import logging
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

    def submit(self, key: str, kind: JobKind = JobKind.REPLAY_SET) -> Future[Claim]:
        """Queue job `key` of `kind` (a replay set's id by default)."""
        future = self._pool.submit(run_job, self.database, self.settings, kind, key)
        future.add_done_callback(_log_failure)
        return future

    def recover(self) -> int:
        """Queue the unfinished jobs nobody holds; return how many."""
        found = list(abandoned_jobs(self.database))
        for kind, key in found:
            self.submit(key, kind)
        if found:
            log.info("taking up %d job(s) left unfinished", len(found))
        return len(found)

    def shutdown(self) -> None:
        """Stop taking jobs; the one running finishes, queued ones stay queued in the database."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _log_failure(future: Future[Claim]) -> None:
    if future.cancelled():
        return
    error = future.exception()
    if error is not None:
        log.warning("job failed: %s", error)
