"""`keel worker`: run keel's jobs from the broker (a thin wrapper over Celery's worker).

Threads, not processes: a job mostly waits on a model API, the database and the broker, and a
worker killed outright is then one process whose jobs the broker hands to another worker.
"""

from __future__ import annotations

import os

import typer

from keel.cli.context import cli_settings
from keel.cli.database import migrated_url
from keel.cli.output import keel_errors
from keel.core.errors import InvalidInput


def worker(
    concurrency: int = typer.Option(
        4, "--concurrency", "-c", min=1, max=64, help="Jobs this worker runs at once."
    ),
    log_level: str = typer.Option("info", "--log-level", help="Celery log level."),
) -> None:
    """Run jobs (replay sets, heals, drift checks, baseline freezes) from KEEL_BROKER_URL."""
    from keel.jobs.celery_app import celery_app, register_task
    from keel.store.engine import Database

    settings = cli_settings()
    with keel_errors():
        if not settings.broker_url:
            raise InvalidInput(
                "keel worker needs a broker: set KEEL_BROKER_URL=redis://host:6379/0",
                field="KEEL_BROKER_URL",
            )
        url = migrated_url(settings)
    # Load now what every job needs (seconds of imports and the embedder), before the first
    # job is taken, not during it.
    import keel.jobs.work
    import keel.models.openai_compatible  # noqa: F401
    from keel.models.embeddings import embedder

    embedder(settings.embedder).encode(["warm up"])
    database = Database(url)
    app = celery_app(settings)
    register_task(app, database, settings)
    try:
        app.worker_main(
            [
                "worker",
                f"--concurrency={concurrency}",
                "--pool=threads",
                f"--queues={settings.job_queue}",
                f"--hostname=keel-{os.getpid()}@%h",  # several workers on one machine
                f"--loglevel={log_level}",
                "--without-gossip",
                "--without-mingle",
            ]
        )
    finally:
        database.dispose()
