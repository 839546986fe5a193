"""The support agent on a real language model, end to end: SmolLM2-135M on llama.cpp's
server through keel's `openai:` provider, keel's fintech tools over `keel mcp serve` (stdio),
the run stored, replayed (P1, P3 and a seed-only replay) and scored. Slow, part of make test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from keel.core.settings import Settings
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.reference.agents.support import SupportAnswer, SupportInputs, run_support
from keel.reference.agents.support.replay_target import SupportTarget
from keel.reference.world import World
from keel.replay.engine import run_replay_set, start_replay_set
from keel.replay.plan import Perturbation
from keel.store.engine import Database
from keel.store.replays import replay_set_detail
from keel.store.runs import run_detail

#: The store is tested on both dialects elsewhere; here a minute of real sampling per run is
#: what costs, so it runs once, on the embedded default.
pytestmark = [pytest.mark.slow, pytest.mark.dialects("sqlite")]


def test_a_ticket_runs_on_the_real_model_is_stored_replayed_and_scored(
    real_model: str, world_home: Path, built_world: World, database: Database, database_url: str
) -> None:
    settings = Settings(home=world_home, database_url=database_url)
    ticket = next(t for t in built_world.tickets() if t.gold_category == "TAX" and t.customer_id)
    inputs = SupportInputs(
        ticket_text=ticket.text,
        ticket_id=ticket.ticket_id,
        customer_id=ticket.customer_id,
        model=real_model,
        seed=3,
        retrieval_k=3,
        max_revisions=0,
    )
    (base,) = run_support([inputs], settings, database)  # keel's fintech server, over stdio
    assert base.status == "COMPLETED", base.error
    SupportAnswer.model_validate(base.output)
    assert base.tool_calls and {c.server for c in base.tool_calls} == {"keel-fintech"}
    generations = [e.payload["generation"] for e in base.events if e.event_type == "llm"]
    assert generations and all(g["provider"] == "openai" for g in generations)
    # the model's own name, its quantisation, the seed and temperature of every generation
    assert {g["model"] for g in generations} == {"SmolLM2-135M-Instruct.Q4_1"}
    assert {g["quantization"] for g in generations} == {"Q4_1"}
    assert all(g["temperature"] == 0.7 and isinstance(g["seed"], int) for g in generations)
    assert all(g["output_tokens"] > 0 for g in generations)
    planner = next(e for e in base.events if e.name == "planner")
    assert planner.payload["details"]["dialect"] == "llama.cpp"

    target = SupportTarget(database, settings)
    # a budget of 3: one paraphrase, one tool constraint, and the seed-only noise floor
    kinds = [Perturbation.P1, Perturbation.P3]
    try:
        set_id = start_replay_set(database, base.run_id, kinds, samples=1, seed=5, targets=[target])
        outcome = run_replay_set(database, set_id, [target], embedder(DEFAULT_EMBEDDER))
    finally:
        target.close()
    assert 0 <= outcome.result.score <= 100
    with database.read() as session:
        detail = replay_set_detail(session, set_id)
        assert detail is not None and len(detail.replays) == 3
        replays = [run_detail(session, r.replay_run_id or "") for r in detail.replays]
    for replay in replays:
        assert replay is not None and replay.run.parent_run_id == base.run_id
        assert replay.run.status in ("COMPLETED", "FAILED")
        assert replay.run.model == real_model
