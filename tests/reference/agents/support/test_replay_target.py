"""Support runs replayed under P1/P2/P3 with one tool server kept open for the whole budget."""

from __future__ import annotations

import sys
from pathlib import Path

from keel.core.settings import Settings
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.reference.agents.support import SupportInputs, run_support
from keel.reference.agents.support.replay_target import SupportTarget
from keel.replay.engine import run_replay_set, start_replay_set
from keel.replay.plan import Perturbation
from keel.store.engine import Database
from keel.store.replays import replay_set_detail
from keel.store.runs import run_detail

TINY_SERVER = (sys.executable, str(Path(__file__).with_name("tiny_kb_server.py")))
TICKET = "My early withdrawal fee: will it show on my tax forms, or is it just a withdrawal charge?"


def test_support_run_is_replayed_perturbed_and_scored(
    settings: Settings, database: Database
) -> None:
    inputs = SupportInputs.model_validate({"ticket_text": TICKET, "seed": 1})
    base = run_support([inputs], settings, database, server_command=TINY_SERVER)[0]
    target = SupportTarget(database, settings, TINY_SERVER)
    kinds = [Perturbation.P1, Perturbation.P2, Perturbation.P3]
    try:
        set_id = start_replay_set(database, base.run_id, kinds, samples=1, seed=5, targets=[target])
        outcome = run_replay_set(database, set_id, [target], embedder(DEFAULT_EMBEDDER))
    finally:
        target.close()
    assert 0 <= outcome.result.score <= 100
    with database.read() as session:
        detail = replay_set_detail(session, set_id)
        assert detail is not None
        records = {r.perturbation_type: r.metrics["perturbation"] for r in detail.replays}
        replays = [run_detail(session, r.replay_run_id or "") for r in detail.replays]
    assert (
        records["P1"]["ticket_text"] != TICKET and "withdrawal fee" in records["P1"]["ticket_text"]
    )
    assert "context_shuffle_seed" in records["P2"]
    assert records["P3"]["tool_constraints"][0]["kind"] in {
        "smaller_k",
        "unavailable",
        "latency",
        "timeout",
        "truncate",
    }
    for replay in replays:
        assert replay is not None and replay.run.parent_run_id == base.run_id
        assert replay.run.status in ("COMPLETED", "FAILED")
    assert replays[0] is not None and replays[0].run.inputs["ticket_text"] == TICKET
