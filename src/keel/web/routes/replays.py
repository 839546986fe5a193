"""Replays: start a replay set of a run, follow its progress, read its result."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from keel.auth.scopes import Scope
from keel.core.errors import NotFound
from keel.jobs.submit import submit_replay_set
from keel.replay.plan import Perturbation
from keel.reports.rows import ReplaySetSummary, replay_set_summary
from keel.store.replays import ReplaySetDetail, replay_set_detail, replay_sets_of_run
from keel.web.deps import DatabaseDep, SettingsDep
from keel.web.security import require

router = APIRouter(prefix="/api/v1", tags=["replays"])


class ReplayRequest(BaseModel):
    perturbations: list[Perturbation] = Field(
        default_factory=lambda: [Perturbation.P1, Perturbation.P2, Perturbation.P3]
    )
    samples: int = Field(default=2, ge=1, le=16)
    seed: int = Field(default=0, ge=0, lt=2**31)


def replay_set_json(detail: ReplaySetDetail) -> dict[str, Any]:
    """Return a replay set, its replays and its result as JSON-ready data."""
    replay_set = detail.replay_set
    return {
        "replay_set_id": replay_set.set_id,
        "base_run_id": replay_set.base_run_id,
        "status": replay_set.status,
        "progress": {"done": replay_set.done, "total": replay_set.total},
        "seed": replay_set.seed,
        "samples": replay_set.samples,
        "perturbations": replay_set.perturbations.get("kinds", []),
        "created_at": replay_set.created_at.isoformat(),
        "finished_at": replay_set.finished_at.isoformat() if replay_set.finished_at else None,
        "error": replay_set.error,
        "replays": [
            {
                "perturbation": replay.perturbation_type,
                "sample": replay.sample,
                "run_id": replay.replay_run_id,
                "perturbation_record": replay.metrics.get("perturbation", {}),
            }
            for replay in detail.replays
        ],
        "result": replay_set.result,
    }


@router.post("/runs/{run_id}/replays", dependencies=[require(Scope.REVIEW)], status_code=202)
async def start_replay(
    run_id: str,
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    body: ReplayRequest | None = None,
) -> JSONResponse:
    """Start replaying run `run_id` (202 with the set's id); 409 when it cannot be replayed."""
    body = body or ReplayRequest()
    jobs = request.app.state.jobs
    set_id = await run_in_threadpool(
        submit_replay_set, db, settings, jobs, run_id, body.perturbations, body.samples, body.seed
    )
    location = f"/api/v1/replays/{set_id}"
    payload = {
        "replay_set_id": set_id,
        "status": "queued",
        "links": {"self": location, "page": f"/replays/{set_id}"},
    }
    return JSONResponse(payload, status_code=202, headers={"Location": location})


@router.get("/replays/{set_id}", dependencies=[require(Scope.READ)])
def get_replay_set(set_id: str, db: DatabaseDep) -> dict[str, Any]:
    """Return a replay set with its progress, replays and (once done) its stability result."""
    with db.read() as session:
        detail = replay_set_detail(session, set_id)
        if detail is None:
            raise NotFound(f"no replay set {set_id!r}", field="set_id")
        return replay_set_json(detail)


@router.get("/runs/{run_id}/replays", dependencies=[require(Scope.READ)])
def list_replay_sets(run_id: str, db: DatabaseDep) -> list[ReplaySetSummary]:
    """Return the replay sets of run `run_id`, newest first (without their replays)."""
    with db.read() as session:
        return [replay_set_summary(s) for s in replay_sets_of_run(session, run_id)]
