"""Submit work: check it can be done, store it as queued, and hand it to the jobs backend."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from keel.core.errors import InvalidInput
from keel.core.settings import Settings
from keel.heal.controller import start_heal
from keel.jobs.backend import Jobs
from keel.jobs.kinds import JobKind
from keel.jobs.params import PARAMS
from keel.jobs.runner import model_of
from keel.replay.engine import start_replay_set
from keel.replay.plan import Perturbation
from keel.replay.registry import replay_targets
from keel.store import leases
from keel.store.engine import Database
from keel.store.jobs import create_job


def submit_replay_set(
    database: Database,
    settings: Settings,
    jobs: Jobs,
    run_id: str,
    perturbations: Sequence[Perturbation],
    samples: int,
    seed: int,
    live_tools: Sequence[str] = (),
    actor: str = "api",
) -> str:
    """Store a queued replay set of run `run_id`, queue it on `jobs`, and return its id.

    `live_tools` may run for real in its replays (audited as `actor`'s opt-in). Raises
    Conflict (naming the reason) when no replay target can re-execute the run.
    """
    with replay_targets(database, settings) as targets:
        set_id = start_replay_set(
            database, run_id, perturbations, samples, seed, targets, live_tools, actor
        )
    jobs.submit(set_id)
    return set_id


def submit_job(
    database: Database,
    jobs: Jobs,
    kind: JobKind,
    params: dict[str, Any],
    actor: str = "api",
) -> str:
    """Store a queued job of `kind` (a heal, drift check or baseline freeze) asked to do
    `params`, queue it on `jobs`, and return its id; InvalidInput names a bad parameter."""
    try:
        checked = PARAMS[kind].model_validate(params).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "params"
        raise InvalidInput(f"params.{field}: {first['msg']}", field=f"params.{field}") from None
    job_id = f"job-{uuid.uuid4().hex[:16]}"
    with database.write() as session:
        create_job(session, job_id, str(kind), checked, actor)
    jobs.submit(job_id, kind)
    return job_id


def cancel(database: Database, kind: JobKind, key: str) -> bool:
    """Cancel job `key` of `kind` (a replay set's id for REPLAY_SET); False when it had
    finished already. A running job stops before its next step; what it stored stays."""
    with database.write() as session:
        return leases.cancel(session, model_of(kind), key)


def submit_heal(
    database: Database,
    settings: Settings,
    jobs: Jobs,
    run_id: str,
    samples: int = 2,
    seed: int = 0,
    live_tools: Sequence[str] = (),
    actor: str = "api",
) -> str:
    """Store a queued heal of run `run_id` (the run's page follows it), queue it on `jobs` as a
    heal job, and return its rerun's id.

    Raises Conflict (naming the reason) when the run cannot be healed or is being healed.
    """
    with replay_targets(database, settings) as targets:
        healed_id = start_heal(
            database,
            run_id,
            targets,
            samples=samples,
            seed=seed,
            live_tools=live_tools,
            actor=actor,
        )
    params = {"run_id": run_id, "samples": samples, "seed": seed, "live_tools": list(live_tools)}
    submit_job(database, jobs, JobKind.HEAL, params, actor)
    return healed_id
