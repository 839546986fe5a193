"""Replay the user's own agent: decorated, run, replayed under P1/P2/P3, scored (issue 9)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import keel
from keel.core.errors import Conflict
from keel.core.records import DECLARED_CONTRACT_KEY
from keel.core.settings import Settings
from keel.evaluate.generation import BASE
from keel.evaluate.stability import stability
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.replay.engine import run_replay_set, start_replay_set
from keel.replay.generations import generation_of
from keel.replay.plan import Perturbation
from keel.replay.registry import default_targets
from keel.store.engine import Database
from keel.store.replays import replay_set_detail
from keel.store.runs import RunFilters, run_detail, runs_page
from tests.replay import user_agent


@pytest.fixture
def sdk_into(database: Database) -> Iterator[Database]:
    keel.configure(endpoint="", database_url=database.url, flush_interval_s=0.05)
    yield database
    keel.flush()
    keel.configure()


def run_user_agent(database: Database) -> str:
    user_agent.answer(
        "You are a support agent. Always answer from the documents.",
        "I want to know the fee for a withdrawal at another ATM",
        ["fees", "tax"],
        ["search", "lookup"],
    )
    assert keel.flush(10)
    with database.read() as session:
        page = runs_page(session, RunFilters(workflow_type="byo-support"))
    assert len(page.runs) == 1
    return page.runs[0].run_id


def test_user_agent_is_replayed_under_each_perturbation_and_scored(sdk_into: Database) -> None:
    database = sdk_into
    base_id = run_user_agent(database)
    targets = default_targets(database, Settings())
    kinds = [Perturbation.P1, Perturbation.P2, Perturbation.P3]
    set_id = start_replay_set(database, base_id, kinds, samples=4, seed=11, targets=targets)
    outcome = run_replay_set(database, set_id, targets, embedder(DEFAULT_EMBEDDER))

    assert 0 <= outcome.result.score <= 100
    with database.read() as session:
        detail = replay_set_detail(session, set_id)
        assert detail is not None
        replays = {(r.perturbation_type, r.sample): r for r in detail.replays}
        assert len(replays) == 16
        for replay in detail.replays:
            run = run_detail(session, replay.replay_run_id or "")
            assert run is not None and run.run.parent_run_id == base_id
            check_perturbation(replay.perturbation_type, replay.metrics["perturbation"], run)
        base = run_detail(session, base_id)
    assert base is not None and base.run.stability == pytest.approx(outcome.result.score)


def check_perturbation(kind: str, record: dict, run) -> None:  # type: ignore[no-untyped-def]
    arguments = run.run.inputs["arguments"]
    if kind == "P1":
        assert record["user_input"] == arguments["message"]
        assert record["user_input"] != "I want to know the fee for a withdrawal at another ATM"
    if kind == "P2":
        assert record["context_order"] == [1, 0]
        assert arguments["documents"] == ["tax", "fees"]
    if kind == "P3":
        constraint = record["constraint"]
        calls = {call.tool_name: call for call in run.tool_calls}
        tool = constraint.get("tool")
        if constraint["kind"] in ("unavailable", "timeout"):
            assert tool not in calls or calls[tool].error, (constraint, calls)
        if constraint["kind"] == "latency":
            assert calls[tool].latency_ms >= constraint["latency_ms"]


def test_tools_see_a_smaller_k_and_truncated_results(sdk_into: Database) -> None:
    from keel.sdk.replay_context import ReplayContext, replaying

    smaller = ReplayContext("r1", "p", {"kind": "smaller_k", "tool": "search", "k": 1})
    with replaying(smaller), keel.trace_run("byo-support"):
        assert len(user_agent.search("withdrawal fee interest card", k=3)) == 1
    truncated = ReplayContext("r2", "p", {"kind": "truncate", "tool": "lookup", "max_chars": 5})
    with replaying(truncated), keel.trace_run("byo-support"):
        assert user_agent.lookup("customer-42").endswith("[truncated]")
    assert len(smaller.finished_runs) == len(truncated.finished_runs) == 1


def test_unimportable_entrypoint_is_refused_with_how_to_fix_it(sdk_into: Database) -> None:
    database = sdk_into
    base_id = run_user_agent(database)
    from sqlalchemy import update

    from keel.store.models import Run

    with database.write() as session:
        stored = run_detail(session, base_id).run.inputs  # type: ignore[union-attr]
        inputs = {**stored, "entrypoint": "nowhere.agent:answer", "entrypoint_file": "/nowhere.py"}
        session.execute(update(Run).where(Run.run_id == base_id).values(inputs=inputs))
    with pytest.raises(Conflict, match=r"cannot be imported here.*PYTHONPATH"):
        start_replay_set(
            database, base_id, [Perturbation.P1], 1, 0, default_targets(database, Settings())
        )


def test_a_replayable_workflow_with_its_own_declared_fields_is_scored_on_them(
    sdk_into: Database,
) -> None:
    database = sdk_into
    message = "What fee applies at another ATM?"
    user_agent.triage("Decide the case.", message, ["fees", "tax"], [], case_id="case-7")
    assert keel.flush(10)
    with database.read() as session:
        (base_run,) = runs_page(session, RunFilters(workflow_type="byo-triage")).runs
    assert base_run.inputs[DECLARED_CONTRACT_KEY]["categorical"] == ["decision"]
    assert base_run.inputs["case_id"] == "case-7"
    targets = default_targets(database, Settings())
    set_id = start_replay_set(database, base_run.run_id, [Perturbation.P2], 3, 5, targets)
    result = run_replay_set(database, set_id, targets, embedder(DEFAULT_EMBEDDER)).result

    rows = {row.field: row for row in result.fields}
    assert (rows["decision"].kind, rows["steps"].kind, rows["summary"].kind) == (
        "categorical",
        "set",
        "text",
    )
    # P2 puts "tax" first: the decision and the steps really vary.
    assert rows["decision"].agreement < 1.0 and rows["steps"].agreement < 1.0
    declared = (rows["decision"].agreement + rows["steps"].agreement) / 2
    assert result.components.structural == pytest.approx(declared)
    # Undeclared, the constant `version`, `escalate` and empty `answer` would be compared too.
    with database.read() as session:
        replays = replay_set_detail(session, set_id).replays  # type: ignore[union-attr]
        details = [run_detail(session, r.replay_run_id or "") for r in replays]
        base = run_detail(session, base_run.run_id)
    assert base is not None
    generations = [generation_of(base, BASE)] + [generation_of(d, "P2") for d in details if d]
    inferred = stability(generations, embedder(DEFAULT_EMBEDDER)).components.structural
    assert inferred is not None and inferred > declared
