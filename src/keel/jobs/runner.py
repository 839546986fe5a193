"""Run one job wherever it was picked up: claim its lease, keep it renewed, do the work.

Every backend (the worker-less one in `keel serve`, a Celery worker) calls `run_job`, so a job
runs the same way everywhere, and the database alone decides who runs it: a claim is one
conditional UPDATE (keel.store.leases). A runner that dies stops renewing its lease; once it
has expired, whoever picks the job up again takes it over and resumes it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from keel.core.settings import Settings
from keel.jobs.kinds import JobKind
from keel.jobs.work import WORK
from keel.store import leases
from keel.store.engine import Database
from keel.store.jobs import abandoned_jobs_of_kind
from keel.store.leases import Claim
from keel.store.models import Job, ReplaySet

log = logging.getLogger(__name__)


def model_of(kind: JobKind) -> leases.Leased:
    """Return the table a job of `kind` keeps its state in."""
    return ReplaySet if kind == JobKind.REPLAY_SET else Job


def runner_token() -> str:
    """Return a name for one attempt at a job: host, process and a random part."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


@contextmanager
def _renewing(database: Database, model: leases.Leased, key: str, token: str, lease_s: float):  # type: ignore[no-untyped-def]
    """Renew the lease every third of its length until the block ends."""
    done = threading.Event()

    def renew() -> None:
        while not done.wait(lease_s / 3):
            with database.write() as session:
                if not leases.renew(session, model, key, token, lease_s):
                    return

    thread = threading.Thread(target=renew, name=f"keel-lease-{key}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def run_job(database: Database, settings: Settings, kind: JobKind, key: str) -> Claim:
    """Run job `key` of `kind` if it is free; return CLAIMED once it ran (or failed, which is
    recorded on it), BUSY when a live runner holds it, FINISHED when nothing is left to do."""
    model, token, lease_s = model_of(kind), runner_token(), settings.job_lease_s
    with database.write() as session:
        claim = leases.claim(session, model, key, token, lease_s)
    if claim != Claim.CLAIMED:
        return claim
    stop = _cancel_check(database, model, key)
    try:
        with _renewing(database, model, key, token, lease_s):
            WORK[kind](database, settings, key, stop)
    except Exception as exc:  # recorded on the job by the work itself; a runner goes on
        log.warning("%s %s failed: %s", kind, key, exc)
    finally:
        with database.write() as session:
            leases.release(session, model, key, token)
    return Claim.CLAIMED


def _cancel_check(database: Database, model: leases.Leased, key: str) -> Callable[[], bool]:
    def cancelled() -> bool:
        with database.read() as session:
            return leases.is_cancelled(session, model, key)

    return cancelled


def abandoned_jobs(database: Database) -> Iterator[tuple[JobKind, str]]:
    """Yield the unfinished jobs nobody holds a live lease on (left behind by a crash)."""
    with database.read() as session:
        sets = leases.abandoned(session, ReplaySet)
        jobs = [(JobKind(kind), key) for key, kind in abandoned_jobs_of_kind(session)]
    yield from ((JobKind.REPLAY_SET, key) for key in sets)
    yield from jobs
