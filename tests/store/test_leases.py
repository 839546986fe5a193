"""Leases on background work: one runner at a time, a dead runner's work taken over."""

from __future__ import annotations

from datetime import timedelta

from keel.store import leases
from keel.store.engine import Database
from keel.store.jobs import create_job, finish_job
from keel.store.leases import Claim
from keel.store.models import Job, utcnow


def _job(database: Database) -> None:
    with database.write() as session:
        create_job(session, "job-1", "drift_check", {"baseline": "b"}, "test")


def test_of_two_runners_only_the_first_claims_and_the_other_finds_it_busy(
    database: Database,
) -> None:
    _job(database)
    with database.write() as session:
        assert leases.claim(session, Job, "job-1", "a", 60) == Claim.CLAIMED
        assert leases.claim(session, Job, "job-1", "b", 60) == Claim.BUSY
        job = session.get(Job, "job-1")
        assert job is not None and (job.status, job.claimed_by, job.attempts) == ("running", "a", 1)


def test_work_whose_lease_ran_out_is_taken_over_and_counted_as_a_new_attempt(
    database: Database,
) -> None:
    _job(database)
    with database.write() as session:
        leases.claim(session, Job, "job-1", "dead", 60)
        session.get(Job, "job-1").lease_expires_at = utcnow() - timedelta(seconds=1)  # type: ignore[union-attr]
    with database.write() as session:
        assert leases.abandoned(session, Job) == ["job-1"]
        assert leases.claim(session, Job, "job-1", "alive", 60) == Claim.CLAIMED
        assert not leases.renew(session, Job, "job-1", "dead", 60)
        assert leases.renew(session, Job, "job-1", "alive", 60)
        assert session.get(Job, "job-1").attempts == 2  # type: ignore[union-attr]


def test_finished_or_cancelled_work_is_never_claimed_again(database: Database) -> None:
    _job(database)
    with database.write() as session:
        assert leases.cancel(session, Job, "job-1")
        assert not leases.cancel(session, Job, "job-1")
        assert leases.claim(session, Job, "job-1", "a", 60) == Claim.FINISHED
        assert not finish_job(session, "job-1", {"late": True})
        assert session.get(Job, "job-1").status == "cancelled"  # type: ignore[union-attr]
