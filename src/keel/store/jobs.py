"""Jobs other than replay sets (heals, drift checks, baseline freezes): store, finish, read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from keel.store.models import Job, utcnow


def create_job(session: Session, job_id: str, kind: str, params: dict[str, Any], actor: str) -> Job:
    """Store a queued job and return it."""
    job = Job(job_id=job_id, kind=kind, status="queued", params=params, actor=actor, done=0)
    session.add(job)
    session.flush()
    return job


def job_row(session: Session, job_id: str) -> Job | None:
    """Return job `job_id`, or None when unknown."""
    return session.get(Job, job_id)


def finish_job(
    session: Session, job_id: str, result: dict[str, Any] | None, error: str | None = None
) -> bool:
    """Mark an unfinished job completed with its result, or failed with the reason; False,
    changing nothing, when it had already finished or been cancelled."""
    finished = session.execute(
        update(Job)
        .where(Job.job_id == job_id, Job.status.in_(("queued", "running")))
        .values(
            status="failed" if error else "completed",
            result=result or {},
            error=error,
            finished_at=utcnow(),
            done=Job.total,
        )
        .execution_options(synchronize_session=False)
    )
    return finished.rowcount == 1  # type: ignore[attr-defined]


def abandoned_jobs_of_kind(session: Session) -> list[tuple[str, str]]:
    """Return (job id, kind) of unfinished jobs nobody holds a live lease on, oldest first."""
    query = select(Job.job_id, Job.kind).where(
        Job.status.in_(("queued", "running")),
        or_(Job.lease_expires_at.is_(None), Job.lease_expires_at < utcnow()),
    )
    return [(row.job_id, row.kind) for row in session.execute(query.order_by(Job.created_at))]
