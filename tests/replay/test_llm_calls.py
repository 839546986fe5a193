"""Replay ingested traces (real OpenLLMetry and OpenInference payloads) by re-issuing their LLM
calls to a local OpenAI-compatible server, answering tool calls from the trace's ledger."""

from __future__ import annotations

import json

import httpx
import pytest

from keel.core.errors import Conflict
from keel.core.records import EventRecord, RunRecord
from keel.core.sanitize import seal_runs
from keel.core.settings import Settings
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.models.provider import ModelError
from keel.replay.engine import run_replay_set, start_replay_set
from keel.replay.llm_calls import LlmCallTarget
from keel.replay.plan import Perturbation
from keel.store.engine import Database
from keel.store.models import utcnow
from keel.store.replays import replay_set_detail
from keel.store.runs import run_detail
from keel.store.writes import write_runs
from tests.conftest import OTLP_FIXTURES as FIXTURES
from tests.conftest import ApiClient
from tests.fake_openai import FakeOpenAI, completion

ANSWER = "Early withdrawal fees are reported on Form 1099-INT. This is not tax advice."
LEDGER_ARGS = json.dumps({"query": "early withdrawal fee 1099"})


def ingest_fixture(api: httpx.Client, name: str) -> str:
    body = (FIXTURES / name).read_bytes()
    headers = {"content-type": "application/x-protobuf"}
    assert api.post("/v1/traces", content=body, headers=headers).status_code == 200
    runs = api.get("/api/v1/runs").json()["runs"]
    return runs[0]["run_id"]


def script(fake: FakeOpenAI, replays: int, diverging: int | None = None) -> None:
    """Script each replay: a tool call (recorded, or new for `diverging`), then the answer."""
    for index in range(replays):
        args = (
            json.dumps({"query": "a question nobody asked"}) if index == diverging else LEDGER_ARGS
        )
        fake.reply(
            completion(
                tool_calls=[("knowledge_search", args)], prompt_tokens=57, completion_tokens=18
            )
        )
        fake.reply(completion(content=ANSWER, prompt_tokens=80, completion_tokens=20))


@pytest.mark.parametrize(
    "fixture", ["openllmetry-openai-agent.pb", "openinference-openai-agent.pb"]
)
def test_ingested_trace_is_replayed_from_its_ledger_and_scored(
    fixture: str, api: ApiClient, database: Database, fake_openai: FakeOpenAI
) -> None:
    base_id = ingest_fixture(api, fixture)
    settings = Settings(model=f"openai:gpt-4o-mini@{fake_openai.base_url}")
    targets = [LlmCallTarget(database, settings)]
    kinds = [Perturbation.P1, Perturbation.P2, Perturbation.P3]
    script(fake_openai, replays=4, diverging=2)
    set_id = start_replay_set(database, base_id, kinds, samples=1, seed=3, targets=targets)
    outcome = run_replay_set(database, set_id, targets, embedder(DEFAULT_EMBEDDER))

    with database.read() as session:
        detail = replay_set_detail(session, set_id)
        assert detail is not None
        replays = {
            r.perturbation_type: run_detail(session, r.replay_run_id or "") for r in detail.replays
        }
        base = run_detail(session, base_id)
    assert base is not None and base.run.stability == pytest.approx(outcome.result.score)
    for kind, replay in replays.items():
        assert replay is not None and replay.run.parent_run_id == base_id, kind
        assert replay.run.output == {"answer": ANSWER}
        assert replay.run.total_tokens == 175
    assert replays["P2"].run.metrics["divergences"] == 1  # type: ignore[union-attr]
    assert replays["seed"].run.metrics["divergences"] == 0  # type: ignore[union-attr]
    user_turns = [r["messages"][0]["content"] for r in fake_openai.requests[::2]]
    assert user_turns[0] == "Will my early withdrawal fee show on my tax forms?"
    assert user_turns[1] != user_turns[0] and "withdrawal fee" in user_turns[1]
    p3_tool_result = fake_openai.requests[7]["messages"][-1]["content"]
    assert p3_tool_result.endswith("[truncated]")
    assert fake_openai.requests[5]["messages"][-1]["content"].startswith("unavailable")
    assert outcome.result.score > 50  # the same answer every time: only the tool paths differ


def test_trace_without_captured_messages_says_how_to_fix_it(database: Database) -> None:
    record = RunRecord(
        run_id="no-messages",
        workflow_type="support",
        created_at=utcnow(),
        source="otlp",
        events=[EventRecord(event_type="llm", seq=0, model="gpt-4o-mini")],
    )
    with database.write() as session:
        write_runs(session, seal_runs([record]))
    targets = [LlmCallTarget(database, Settings(model="openai:gpt-4o-mini@http://127.0.0.1:9/v1"))]
    with pytest.raises(Conflict, match="turn on message capture"):
        start_replay_set(database, "no-messages", [Perturbation.P1], 1, 0, targets)


def test_replaying_llm_calls_needs_a_chat_model(api: ApiClient, database: Database) -> None:
    base_id = ingest_fixture(api, "openllmetry-openai-agent.pb")
    targets = [LlmCallTarget(database, Settings(model="offline"))]
    with pytest.raises(Conflict, match="KEEL_MODEL=openai"):
        start_replay_set(database, base_id, [Perturbation.P1], 1, 0, targets)


def test_a_replay_on_another_model_than_the_run_was_made_by_is_refused(
    api: ApiClient, database: Database, fake_openai: FakeOpenAI
) -> None:
    base_id = ingest_fixture(api, "openllmetry-openai-agent.pb")
    settings = Settings(model=f"openai:llama-3.1-8b@{fake_openai.base_url}")
    with pytest.raises(Conflict, match=r"made by gpt-4o-mini .* KEEL_MODEL=openai:gpt-4o-mini@"):
        start_replay_set(
            database, base_id, [Perturbation.P1], 1, 0, [LlmCallTarget(database, settings)]
        )


def test_a_dated_snapshot_of_the_runs_model_may_replay_it(
    api: ApiClient, database: Database, fake_openai: FakeOpenAI
) -> None:
    base_id = ingest_fixture(api, "openllmetry-openai-agent.pb")
    settings = Settings(model=f"openai:gpt-4o-mini-2024-07-18@{fake_openai.base_url}")
    assert start_replay_set(
        database, base_id, [Perturbation.P1], 1, 0, [LlmCallTarget(database, settings)]
    )


def test_a_model_keel_cannot_reach_gives_no_score(api: ApiClient, database: Database) -> None:
    base_id = ingest_fixture(api, "openllmetry-openai-agent.pb")
    targets = [LlmCallTarget(database, Settings(model="openai:gpt-4o-mini@http://127.0.0.1:9/v1"))]
    set_id = start_replay_set(database, base_id, [Perturbation.P1], 1, 0, targets)
    with pytest.raises(ModelError, match=r"not scored.*KEEL_MODEL=openai:<model>@<base_url>"):
        run_replay_set(database, set_id, targets, embedder(DEFAULT_EMBEDDER))
    with database.read() as session:
        detail = replay_set_detail(session, set_id)
        base = run_detail(session, base_id)
    assert detail is not None and detail.replay_set.status == "failed"
    assert base is not None and base.run.stability is None
