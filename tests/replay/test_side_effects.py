"""Replays and heals never move money (issue 17): a user's `@keel.replayable` agent whose
`transfer` tool is declared not read-only is replayed and healed, and the transfer never runs
again unless `--live-tools` names it, which the audit log then records."""

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
from keel.store.models import AuditEntry, Run
from keel.store.replays import replay_set_detail
from keel.store.runs import RunFilters, run_detail, runs_page
from tests.replay import paying_agent

KINDS = [Perturbation.P1, Perturbation.P2, Perturbation.P3]


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "ledger.jsonl"
    path.touch()
    monkeypatch.setenv("PAYING_AGENT_LEDGER", str(path))
    return path


@pytest.fixture
def sdk_into(database: Database) -> Iterator[Database]:
    keel.configure(endpoint="", database_url=database.url, flush_interval_s=0.05)
    yield database
    keel.flush()
    keel.configure()


def transfers(ledger: Path) -> int:
    return len(ledger.read_text().splitlines())


def paid_once(database: Database) -> str:
    paying_agent.pay("You are a careful payments assistant.", "Please pay Ann 40 dollars")
    assert keel.flush(10)
    with database.read() as session:
        (run,) = runs_page(session, RunFilters(workflow_type="byo-payments")).runs
    return run.run_id


def replay_calls(database: Database, set_id: str, tool: str) -> list[dict]:
    with database.read() as session:
        detail = replay_set_detail(session, set_id)
        assert detail is not None
        runs = [run_detail(session, r.replay_run_id or "") for r in detail.replays]
    return [c.result_meta for run in runs if run for c in run.tool_calls if c.tool_name == tool]


def test_replays_and_a_heal_answer_the_transfer_from_the_record_and_never_run_it(
    sdk_into: Database, ledger: Path
) -> None:
    database = sdk_into
    base_id = paid_once(database)
    assert transfers(ledger) == 1
    targets = default_targets(database, Settings())
    set_id = start_replay_set(database, base_id, KINDS, samples=2, seed=3, targets=targets)
    run_replay_set(database, set_id, targets, embedder(DEFAULT_EMBEDDER))
    assert transfers(ledger) == 1
    answered = replay_calls(database, set_id, "transfer")
    # P3 may take `lookup` away, and the agent then stops before paying: every replay whose
    # lookup answered reached the transfer, and each transfer was answered from the record.
    looked_up = [m for m in replay_calls(database, set_id, "lookup") if "preview" in m]
    assert len(answered) == len(looked_up) >= 6
    assert {meta["replay"] for meta in answered} == {"recorded"}
    assert {meta["annotations"]["readOnlyHint"] for meta in answered} == {False}
    assert {m.get("replay") for m in replay_calls(database, set_id, "lookup")} == {None}

    with database.write() as session:  # heal only takes unstable runs
        session.execute(update(Run).where(Run.run_id == base_id).values(status="UNSTABLE"))
    outcome = heal_run(database, base_id, targets, embedder(DEFAULT_EMBEDDER), samples=1)
    assert transfers(ledger) == 1
    with database.read() as session:
        healed = run_detail(session, outcome.healed_run_id)
    assert healed is not None
    assert [c.result_meta.get("replay") for c in healed.tool_calls] == [None, "recorded"]


def test_a_transfer_with_other_arguments_is_not_executed_and_counts_as_divergence(
    sdk_into: Database, ledger: Path
) -> None:
    from keel.core.side_effects import ReplayToolPolicy
    from keel.sdk.replay_context import ReplayContext, replaying

    database = sdk_into
    paid_once(database)
    gate = ReplayToolPolicy("base-run")  # nothing recorded: any transfer is refused
    with replaying(ReplayContext("replay-1", "base-run", tools=gate)) as context:
        out = paying_agent.pay("system", "pay Bob", payee="Bob", amount_usd=5.0)
    assert transfers(ledger) == 1
    assert "not executed in replay: transfer is not declared read-only" in out["answer"]
    assert b'"replay":"not_executed"' in context.finished_runs[0]


def test_live_tools_opt_in_runs_the_transfer_and_is_audited(
    sdk_into: Database, ledger: Path
) -> None:
    database = sdk_into
    base_id = paid_once(database)
    targets = default_targets(database, Settings())
    set_id = start_replay_set(
        database, base_id, [Perturbation.P1], 1, 3, targets, live_tools=["transfer"], actor="t"
    )
    run_replay_set(database, set_id, targets, embedder(DEFAULT_EMBEDDER))
    assert transfers(ledger) == 1 + 2  # the seed-only replay and P1 both ran it for real
    with database.read() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "replay.live_tools")
        ).one()
    assert entry.actor == "t" and "transfer" in entry.details
