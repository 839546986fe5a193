"""Submit work: check it can be done, store it as queued, and hand it to the jobs backend."""

from __future__ import annotations

from collections.abc import Sequence

from keel.core.settings import Settings
from keel.heal.controller import start_heal
from keel.jobs.local import LocalJobs
from keel.replay.engine import start_replay_set
from keel.replay.plan import Perturbation
from keel.replay.registry import replay_targets
from keel.store.engine import Database


def submit_replay_set(
    database: Database,
    settings: Settings,
    jobs: LocalJobs,
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


def submit_heal(
    database: Database,
    settings: Settings,
    jobs: LocalJobs,
    run_id: str,
    samples: int = 2,
    seed: int = 0,
    live_tools: Sequence[str] = (),
    actor: str = "api",
) -> str:
    """Store a queued heal of run `run_id`, queue it on `jobs`, and return its rerun's id.

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
    jobs.submit_heal(run_id)
    return healed_id
