"""A real replay set for the page tests: the user's agent runs, keel replays it under P1/P2/P3."""

from __future__ import annotations

import keel
from keel.core.settings import Settings
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.replay.engine import replays_of, resolve_target, run_replay_set, start_replay_set
from keel.replay.plan import Perturbation
from keel.replay.registry import default_targets
from keel.store.engine import Database
from keel.store.runs import RunFilters, run_detail, runs_page
from tests.replay import user_agent

PERTURBATIONS = [Perturbation.P1, Perturbation.P2, Perturbation.P3]


def user_run(database: Database) -> str:
    """Run the user's agent once through the SDK and return the stored run's id."""
    keel.configure(endpoint="", database_url=database.url, flush_interval_s=0.05)
    try:
        user_agent.answer(
            "Be concise.", "What fee do I pay at another ATM?", ["fees"], ["search", "lookup"]
        )
        assert keel.flush(10)
    finally:
        keel.configure()
    with database.read() as session:
        return runs_page(session, RunFilters(workflow_type="byo-support")).runs[0].run_id


def seed_making_unavailable(database: Database, run_id: str, tool: str) -> int:
    """Return the first replay seed whose (first) P3 replay of `run_id` makes `tool` unavailable.

    P3's draw depends on the run's inputs, which hold the user agent's file path, so the seed
    that gives a wanted constraint depends on where the checkout lives: find it, don't fix it.
    """
    with database.read() as session:
        base = run_detail(session, run_id)
    assert base is not None
    target = resolve_target(base, default_targets(database, Settings()))
    wanted = {"kind": "unavailable", "tool": tool}
    for seed in range(200):
        p3 = replays_of(base, [Perturbation.P3], 1, seed)[-1]
        if target.perturb(base, p3).record.get("constraint") == wanted:
            return seed
    raise AssertionError(f"no seed below 200 makes {tool} unavailable")


def queued_set(database: Database, run_id: str, seed: int = 3) -> str:
    """Store a queued replay set of `run_id` (seed-only plus P1/P2/P3) and return its id."""
    return start_replay_set(
        database, run_id, PERTURBATIONS, 1, seed, default_targets(database, Settings())
    )


def replayed_set(database: Database, run_id: str, seed: int = 3) -> str:
    """Replay `run_id` to completion and return the set's id."""
    set_id = queued_set(database, run_id, seed)
    run_replay_set(
        database, set_id, default_targets(database, Settings()), embedder(DEFAULT_EMBEDDER)
    )
    return set_id
