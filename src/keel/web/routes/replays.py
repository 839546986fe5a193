"""Replays: start a replay set of a run, follow its progress, read its result and comparison."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from keel.auth.scopes import Scope
from keel.jobs.kinds import JobKind
from keel.jobs.submit import cancel, submit_replay_set
from keel.reports.replay_comparison import (
    replay_comparison_data,
    replay_comparison_json,
    replay_set_of,
)
from keel.reports.rows import ReplaySetSummary, replay_set_summary
from keel.store.replays import replay_sets_of_run
from keel.web.deps import DatabaseDep, SettingsDep
from keel.web.schemas import ReplayRequest
from keel.web.security import require

router = APIRouter(prefix="/api/v1", tags=["replays"])


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
    principal = getattr(request.state, "principal", None)
    actor = principal.actor if principal is not None else "api"
    set_id = await run_in_threadpool(
        submit_replay_set,
        db,
        settings,
        jobs,
        run_id,
        body.perturbations,
        body.samples,
        body.seed,
        body.live_tools,
        actor,
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
    """Return a replay set with its progress and replays; once done, its stability result and
    the comparison its page shows (columns with perturbations and tool-call diffs)."""
    with db.read() as session:
        return replay_comparison_json(replay_comparison_data(session, set_id))


@router.get("/runs/{run_id}/replays", dependencies=[require(Scope.READ)])
def list_replay_sets(run_id: str, db: DatabaseDep) -> list[ReplaySetSummary]:
    """Return the replay sets of run `run_id`, newest first (without their replays)."""
    with db.read() as session:
        return [replay_set_summary(s) for s in replay_sets_of_run(session, run_id)]


@router.post("/replays/{set_id}/cancel", dependencies=[require(Scope.REVIEW)])
def cancel_replay_set(set_id: str, db: DatabaseDep) -> dict[str, Any]:
    """Cancel a queued or running replay set: no further replay starts, the ones stored stay,
    and it is not scored. A finished set is returned unchanged (`cancelled` false)."""
    with db.read() as session:
        replay_set_of(session, set_id)  # 404 when unknown
    cancelled = cancel(db, JobKind.REPLAY_SET, set_id)
    with db.read() as session:
        summary = replay_set_summary(replay_set_of(session, set_id).replay_set)
    return {**summary.model_dump(mode="json"), "cancelled": cancelled}
