"""Submit work: check it can be done, store it as queued, and hand it to the jobs backend."""

from __future__ import annotations

from collections.abc import Sequence

from keel.core.settings import Settings
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
