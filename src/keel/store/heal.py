"""Record self-heal on the runs it touches: the queued job and every attempt on the original,
the attempt (plan, before and after) on the rerun, which is SELF_HEALED only when it held.

A queued heal lives on the original as `metrics["heal_job"]` (status queued, running, done or
failed, and what the job was asked), so every keel process and page sees it, as replay sets'
progress is seen; the job itself runs wherever the jobs backend runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from keel.core.errors import Conflict, NotFound
from keel.core.records import RunStatus
from keel.store.models import ReplaySet, Run
from keel.store.replays import replay_sets_of_run

#: The heal job states in which another heal of the same run is refused.
PENDING = ("queued", "running")


def _run(session: Session, run_id: str) -> Run:
    run = session.get(Run, run_id)
    if run is None:
        raise NotFound(f"no run with id {run_id!r}", field="run_id")
    return run


def queue_heal(session: Session, run_id: str, healed_run_id: str, request: dict[str, Any]) -> None:
    """Store a queued heal of `run_id` (rerun `healed_run_id`, asked `request`); Conflict when
    one is already queued or running."""
    run = _run(session, run_id)
    job = run.metrics.get("heal_job") or {}
    if job.get("status") in PENDING:
        raise Conflict(f"run {run_id} is already being healed ({job['status']})", "run_id")
    job = {"status": "queued", "healed_run_id": healed_run_id, "request": request, "error": None}
    run.metrics = {**run.metrics, "heal_job": job}


def heal_job(session: Session, run_id: str) -> dict[str, Any] | None:
    """Return the heal job stored on `run_id`, or None when it was never queued."""
    job = _run(session, run_id).metrics.get("heal_job")
    return dict(job) if isinstance(job, dict) else None


def set_heal_job(session: Session, run_id: str, status: str, error: str | None = None) -> None:
    """Move the heal job of `run_id` to `status` (with the `error` of a failed one)."""
    run = _run(session, run_id)
    job = {**(run.metrics.get("heal_job") or {}), "status": status, "error": error}
    run.metrics = {**run.metrics, "heal_job": job}


def record_heal(
    session: Session, run_id: str, healed_run_id: str, attempt: dict[str, Any], *, healed: bool
) -> None:
    """Append `attempt` to the original's heal attempts; mark the rerun SELF_HEALED if it held."""
    original = session.get(Run, run_id)
    rerun = session.get(Run, healed_run_id)
    if original is None or rerun is None:
        return
    original.metrics = {
        **original.metrics,
        "heal_attempts": [*original.metrics.get("heal_attempts", []), attempt],
    }
    if "heal_job" in original.metrics:
        original.metrics = {
            **original.metrics,
            "heal_job": {**original.metrics["heal_job"], "status": "done", "error": None},
        }
    if healed:
        original.metrics = {**original.metrics, "healed_by": healed_run_id}
        rerun.status = RunStatus.SELF_HEALED
    rerun.metrics = {**rerun.metrics, "healed_from": run_id, "heal": attempt}


@dataclass(frozen=True)
class HealProgress:
    """Where a heal job of a run stands, as its page shows it."""

    run_id: str
    status: str
    stage: str
    done: int = 0
    total: int = 0
    error: str | None = None
    attempt: dict[str, Any] | None = None

    @property
    def pending(self) -> bool:
        """Return True while the job is queued or running."""
        return self.status in PENDING


def _rescoring(session: Session, healed_run_id: str) -> ReplaySet | None:
    if session.get(Run, healed_run_id) is None:
        return None
    sets = replay_sets_of_run(session, healed_run_id)
    return sets[0] if sets else None


def heal_progress(session: Session, run_id: str) -> HealProgress | None:
    """Return the progress of the heal job of `run_id` (None: never queued); once done, with the
    attempt it recorded."""
    job = heal_job(session, run_id)
    if job is None:
        return None
    status = str(job.get("status"))
    healed_id = str(job.get("healed_run_id"))
    if status == "done":
        attempts = _run(session, run_id).metrics.get("heal_attempts", [])
        found = [a for a in attempts if a.get("healed_run_id") == healed_id]
        return HealProgress(run_id, status, "done", attempt=found[-1] if found else None)
    if status == "failed":
        return HealProgress(run_id, status, "failed", error=job.get("error"))
    if status == "queued":
        return HealProgress(run_id, status, "queued")
    rescoring = _rescoring(session, healed_id)
    if rescoring is None:
        return HealProgress(run_id, status, "rerunning under the plan")
    return HealProgress(run_id, status, "re-scoring", rescoring.done, rescoring.total)
