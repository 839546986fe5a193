"""An exact replay of an imported run (the same inputs, the same answer) scores 100."""

from __future__ import annotations

import pytest

from keel.core.settings import Settings
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.replay.engine import run_replay_set, start_replay_set
from keel.replay.llm_calls import LlmCallTarget
from keel.replay.plan import Perturbation
from keel.store.engine import Database
from tests.conftest import ApiClient
from tests.fake_openai import FakeOpenAI
from tests.replay.test_llm_calls import ingest_fixture, script


@pytest.mark.parametrize(
    "fixture",
    [
        "openllmetry-openai-agent.pb",
        "openinference-openai-agent.pb",
        "openllmetry-0.33-openai-agent.pb",
        "openinference-langgraph-agent.pb",
    ],
)
def test_exact_replay_of_an_imported_run_scores_100(
    fixture: str, api: ApiClient, database: Database, fake_openai: FakeOpenAI
) -> None:
    base_id = ingest_fixture(api, fixture)
    settings = Settings(model=f"openai:gpt-4o-mini@{fake_openai.base_url}")
    targets = [LlmCallTarget(database, settings)]
    script(fake_openai, replays=3)
    set_id = start_replay_set(database, base_id, [Perturbation.SEED], 3, seed=1, targets=targets)
    outcome = run_replay_set(database, set_id, targets, embedder(DEFAULT_EMBEDDER))
    assert outcome.result.score == pytest.approx(100.0)
