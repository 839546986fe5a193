"""Jobs: submit a heal, drift check or baseline freeze; follow it; cancel it (or a replay set)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from keel.auth.scopes import Scope
from keel.core.errors import InvalidInput, NotFound
from keel.jobs.kinds import JobKind
from keel.jobs.submit import cancel, submit_job
from keel.store.jobs import job_row
from keel.store.models import Job
from keel.web.deps import DatabaseDep
from keel.web.security import require

router = APIRouter(prefix="/api/v1", tags=["jobs"])

SUBMITTABLE = tuple(kind for kind in JobKind if kind != JobKind.REPLAY_SET)


class JobRequest(BaseModel):
    kind: JobKind = Field(description="heal, drift_check or baseline_freeze.")
    params: dict[str, Any] = Field(default_factory=dict, description="What the job does.")


def job_json(job: Job) -> dict[str, Any]:
    """Return a job as the API shows it."""
    return {
        "job_id": job.job_id,
        "kind": job.kind,
        "status": job.status,
        "params": job.params,
        "done": job.done,
        "total": job.total,
        "attempts": job.attempts,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "error": job.error,
        "result": job.result,
    }


def _actor(request: Request) -> str:
    principal = getattr(request.state, "principal", None)
    return principal.actor if principal is not None else "api"


@router.post("/jobs", dependencies=[require(Scope.REVIEW)], status_code=202)
async def start_job(body: JobRequest, request: Request, db: DatabaseDep) -> JSONResponse:
    """Queue a heal, drift check or baseline freeze (202 with the job's id)."""
    if body.kind not in SUBMITTABLE:
        raise InvalidInput("start replay sets with POST /api/v1/runs/{id}/replays", "kind")
    jobs = request.app.state.jobs
    job_id = await run_in_threadpool(submit_job, db, jobs, body.kind, body.params, _actor(request))
    location = f"/api/v1/jobs/{job_id}"
    payload = {"job_id": job_id, "status": "queued", "links": {"self": location}}
    return JSONResponse(payload, status_code=202, headers={"Location": location})


@router.get("/jobs/{job_id}", dependencies=[require(Scope.READ)])
def get_job(job_id: str, db: DatabaseDep) -> dict[str, Any]:
    """Return a job with its state, progress and, once done, its result or error."""
    with db.read() as session:
        job = job_row(session, job_id)
        if job is None:
            raise NotFound(f"no job {job_id!r}", field="job_id")
        return job_json(job)


@router.post("/jobs/{job_id}/cancel", dependencies=[require(Scope.REVIEW)])
def cancel_job(job_id: str, db: DatabaseDep) -> dict[str, Any]:
    """Cancel a queued or running job; a finished one is returned unchanged."""
    with db.read() as session:
        job = job_row(session, job_id)
    if job is None:
        raise NotFound(f"no job {job_id!r}", field="job_id")
    cancelled = cancel(db, JobKind(job.kind), job_id)
    with db.read() as session:
        job = job_row(session, job_id)
        assert job is not None
        return {**job_json(job), "cancelled": cancelled}
