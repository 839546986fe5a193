"""Run jobs in the background of the process that accepted them (the worker-less default).

A job's status and progress live in the database, so every keel process (and page) sees them;
only the execution is local. One job at a time per process: replays are CPU-bound here, and
queueing them is faster than letting them fight for two cores.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from keel.core.settings import Settings
from keel.heal.controller import HealOutcome, run_queued_heal
from keel.models.embeddings import embedder
from keel.replay.engine import ReplayOutcome, run_replay_set
from keel.replay.registry import replay_targets
from keel.store.engine import Database

log = logging.getLogger(__name__)


class LocalJobs:
    """A single background worker thread for replay sets and heals."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keel-replay")

    def submit(self, set_id: str) -> Future[ReplayOutcome]:
        """Queue replay set `set_id`; failures are recorded on the set and logged."""
        future = self._pool.submit(self._run, set_id)
        future.add_done_callback(_log_failure)
        return future

    def _run(self, set_id: str) -> ReplayOutcome:
        with replay_targets(self.database, self.settings) as targets:
            return run_replay_set(self.database, set_id, targets, embedder(self.settings.embedder))

    def submit_heal(self, run_id: str) -> Future[HealOutcome]:
        """Queue the heal stored on run `run_id`; failures are recorded on the job and logged."""
        future = self._pool.submit(self._heal, run_id)
        future.add_done_callback(_log_failure)
        return future

    def _heal(self, run_id: str) -> HealOutcome:
        with replay_targets(self.database, self.settings) as targets:
            return run_queued_heal(self.database, run_id, targets, embedder(self.settings.embedder))

    def shutdown(self) -> None:
        """Stop taking jobs; the one running finishes, queued ones stay queued in the database."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _log_failure(future: Future[ReplayOutcome] | Future[HealOutcome]) -> None:
    error = future.exception()
    if error is not None:
        log.warning("background job failed: %s", error)
