"""keel's own support agent never moves money in a replay or a heal (issue 17): a ticket asking
for a transfer makes one real `payments.transfer` on keel's fintech server (which declares it
not read-only); its replays and its heal rerun answer that call from the record."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from keel.core.settings import Settings
from keel.heal.controller import heal_run
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.reference.agents.support import SupportInputs, run_support
from keel.reference.agents.support.inputs import TRANSFER_TOOL, TransferRequest
from keel.reference.agents.support.replay_target import SupportTarget
from keel.replay.engine import run_replay_set, start_replay_set
from keel.replay.plan import Perturbation
from keel.store.engine import Database
from keel.store.models import Run
from keel.store.replays import replay_set_detail
from keel.store.runs import run_detail

TICKET = "Please send 45 dollars from my checking to my landlord's account ending 4321."


def transfers(home: Path) -> int:
    ledger = home / "payments" / "transfers.jsonl"
    return len(ledger.read_text().splitlines()) if ledger.exists() else 0


@pytest.mark.slow
def test_replays_and_a_heal_of_a_paying_ticket_make_no_transfer(
    world_home: Path, database: Database
) -> None:
    settings = Settings(home=world_home, database_url=database.url)
    inputs = SupportInputs(
        ticket_text=TICKET,
        customer_id="CUS-0016",
        transfer=TransferRequest(to_account="****4321", amount_usd=45.0),
    )
    (base,) = run_support([inputs], settings, database)
    assert [c.tool_name for c in base.tool_calls].count(TRANSFER_TOOL) == 1
    assert transfers(world_home) == 1
    target = SupportTarget(database, settings)
    try:
        kinds = [Perturbation.P1, Perturbation.P2, Perturbation.P3]
        set_id = start_replay_set(database, base.run_id, kinds, 1, 2, [target])
        run_replay_set(database, set_id, [target], embedder(DEFAULT_EMBEDDER))
        assert transfers(world_home) == 1
        with database.write() as session:
            session.execute(update(Run).where(Run.run_id == base.run_id).values(status="UNSTABLE"))
        outcome = heal_run(database, base.run_id, [target], embedder(DEFAULT_EMBEDDER), samples=1)
    finally:
        target.close()
    assert transfers(world_home) == 1
    with database.read() as session:
        detail = replay_set_detail(session, set_id)
        assert detail is not None
        runs = [run_detail(session, r.replay_run_id or "") for r in detail.replays]
        runs.append(run_detail(session, outcome.healed_run_id))
    answered = [
        call.result_meta.get("replay")
        for run in runs
        if run is not None
        for call in run.tool_calls
        if call.tool_name == TRANSFER_TOOL
    ]
    assert answered and set(answered) <= {"recorded", "not_executed"}
    assert "recorded" in answered
