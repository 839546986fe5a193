"""keel's jobs on Celery: the app both sides build from one Settings, and the one task.

Durability comes from the broker and the database together. The task is acknowledged only
when it has returned (late ack), so a job a dead worker held stays in Redis and is handed to
another worker once `KEEL_JOB_VISIBILITY_TIMEOUT_S` has passed. The database then decides: a
job still leased by a live runner is put back until its lease ends; a finished one is dropped;
an abandoned one is taken over and resumed (keel.jobs.runner).
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task

from keel.core.settings import Settings
from keel.jobs.kinds import JobKind
from keel.jobs.runner import run_job
from keel.store.engine import Database
from keel.store.leases import Claim

TASK = "keel.run_job"


def celery_app(settings: Settings) -> Celery:
    """Return a Celery app on KEEL_BROKER_URL that routes keel's task to KEEL_JOB_QUEUE."""
    assert settings.broker_url, "KEEL_BROKER_URL is not set"
    app = Celery("keel", broker=settings.broker_url, set_as_current=False)
    visibility_s = settings.job_visibility_timeout_s
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.job_queue,
        task_ignore_result=True,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility_s,
            # Look for jobs of dead workers about ten times per visibility timeout.
            "unacked_restore_interval": max(1, min(10, int(visibility_s / 10))),
            "unacked_restore_throttle": 1,
        },
    )
    return app


def register_task(app: Celery, database: Database, settings: Settings) -> Task:
    """Register the task a worker runs: one job, by kind and key, on `database`."""

    @app.task(name=TASK, bind=True, max_retries=None)
    def run(self: Task, kind: str, key: str) -> str:
        claim = run_job(database, settings, JobKind(kind), key)
        if claim == Claim.BUSY:
            # Held by a live runner (this is a redelivery): look again once its lease may end.
            raise self.retry(countdown=settings.job_lease_s)
        return str(claim)

    return run


class CeleryJobs:
    """Jobs sent to the broker, for `keel worker` processes to run."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = celery_app(settings)

    def submit(self, key: str, kind: JobKind = JobKind.REPLAY_SET) -> Any:
        """Send job `key` of `kind` to the queue."""
        return self.app.send_task(TASK, args=(str(kind), key), queue=self.settings.job_queue)

    def recover(self) -> int:
        """Nothing to do here: the broker keeps unacknowledged jobs and redelivers them."""
        return 0

    def shutdown(self) -> None:
        """Close the broker connections."""
        self.app.close()
