"""A third-party MCP server behind the proxy keeps its side effects out of replays (issue 17):
a replayed and a healed run of an agent paying through it never reach its `transfer` tool, which
declares nothing (so counts as not read-only); its read-only `balance` is still called."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

import keel
from keel.core.settings import Settings
from keel.heal.controller import heal_run
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.replay.engine import run_replay_set, start_replay_set
from keel.replay.plan import Perturbation
from keel.replay.registry import default_targets
from keel.store.engine import Database
from keel.store.models import Run, ToolCall
from keel.store.runs import RunFilters, runs_page
from tests.mcp import paying_mcp_agent
from tests.mcp.conftest import keel_env


@pytest.fixture
def bank(tmp_path: Path, database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    script = tmp_path / "tiny_bank.py"
    script.write_text(paying_mcp_agent.THIRD_PARTY_BANK)
    ledger = tmp_path / "transfers.txt"
    ledger.touch()
    for name, value in keel_env(database.url, tmp_path / "home").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TINY_BANK_SCRIPT", str(script))
    monkeypatch.setenv("TINY_BANK_LEDGER", str(ledger))
    keel.configure(endpoint="", database_url=database.url, flush_interval_s=0.05)
    yield ledger
    keel.flush()
    keel.configure()


def sent(ledger: Path) -> int:
    return len(ledger.read_text().splitlines())


def proxied_calls(database: Database) -> list[tuple[str, str | None, bool]]:
    with database.read() as session:
        calls = session.scalars(select(ToolCall).order_by(ToolCall.id)).all()
        return [(c.tool_name, c.result_meta.get("replay"), c.error is None) for c in calls]


@pytest.mark.slow
def test_replays_and_heals_through_the_proxy_never_reach_the_servers_transfer(
    database: Database, bank: Path
) -> None:
    out = paying_mcp_agent.pay("pay ACME")
    assert "error=False" in out["answer"] and sent(bank) == 1
    assert keel.flush(10)
    with database.read() as session:
        (base,) = runs_page(session, RunFilters(workflow_type="byo-mcp-payments")).runs
    targets = default_targets(database, Settings())
    set_id = start_replay_set(database, base.run_id, [Perturbation.P1], 1, 1, targets)
    run_replay_set(database, set_id, targets, embedder(DEFAULT_EMBEDDER))
    assert sent(bank) == 1

    with database.write() as session:
        session.execute(update(Run).where(Run.run_id == base.run_id).values(status="UNSTABLE"))
    heal_run(database, base.run_id, targets, embedder(DEFAULT_EMBEDDER), samples=1)
    assert sent(bank) == 1

    calls = proxied_calls(database)
    transfers = [call for call in calls if call[0] == "transfer"]
    assert transfers[0] == ("transfer", None, True)  # the one real payment
    assert len(transfers) > 4 and {call[1] for call in transfers[1:]} == {"recorded"}
    assert {call[1] for call in calls if call[0] == "balance"} == {None}  # read-only: called
