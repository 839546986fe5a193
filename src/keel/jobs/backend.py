"""The jobs backend a process uses: Celery workers when KEEL_BROKER_URL is set, else itself."""

from __future__ import annotations

from typing import Any, Protocol

from keel.core.settings import Settings
from keel.jobs.kinds import JobKind
from keel.store.engine import Database


class Jobs(Protocol):
    """Where submitted jobs go to be run."""

    def submit(self, key: str, kind: JobKind = JobKind.REPLAY_SET) -> Any:
        """Hand job `key` of `kind` (stored as queued already) to be run."""
        ...

    def recover(self) -> int:
        """Hand over again the jobs a crash left unfinished; return how many."""
        ...

    def shutdown(self) -> None:
        """Stop handing out jobs."""
        ...


def open_jobs(database: Database, settings: Settings) -> Jobs:
    """Return the backend `settings` choose, having recovered what a crash left behind."""
    jobs: Jobs
    if settings.broker_url:
        from keel.jobs.celery_app import CeleryJobs  # Celery loads only when it is used

        jobs = CeleryJobs(settings)
    else:
        from keel.jobs.local import LocalJobs

        jobs = LocalJobs(database, settings)
    jobs.recover()
    return jobs
