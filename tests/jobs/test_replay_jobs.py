"""Replay sets as jobs in one process: resumed without rerunning stored replays, scored once,
run concurrently for a model behind an API, cancelled from the API and the page."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from keel.core.settings import Settings
from keel.jobs.kinds import JobKind
from keel.jobs.runner import run_job
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.models.registry import calls_in_flight
from keel.replay.engine import run_replay_set, start_replay_set
from keel.replay.llm_calls import LlmCallTarget
from keel.replay.plan import Perturbation
from keel.store.engine import Database
from keel.store.leases import Claim
from keel.store.models import AuditEntry, Replay, ReplaySet
from tests.conftest import ApiClient
from tests.fake_openai import FakeOpenAI
from tests.replay.test_llm_calls import ANSWER, ingest_fixture

KINDS = [Perturbation.P1, Perturbation.P2, Perturbation.P3]


class WorkerDied(BaseException):
    """What a killed worker's attempt amounts to: it stops, and nothing it would do runs."""


def _scored(database: Database, set_id: str) -> int:
    with database.read() as session:
        query = select(func.count()).where(
            AuditEntry.action == "run.replayed", AuditEntry.details.contains(f'"{set_id}"')
        )
        return session.scalar(query) or 0


def test_a_set_taken_up_again_runs_only_the_replays_not_stored_and_is_scored_once(
    api: ApiClient, database: Database
) -> None:
    with FakeOpenAI(answer=ANSWER) as model:
        base_id = ingest_fixture(api, "openllmetry-openai-agent.pb")
        targets = [LlmCallTarget(database, Settings(model=f"openai:gpt-4o-mini@{model.base_url}"))]
        set_id = start_replay_set(database, base_id, KINDS, 1, 0, targets)
        embed = embedder(DEFAULT_EMBEDDER)
        started: list[int] = []

        def die_after_two() -> bool:  # the first attempt's worker dies after two replays
            started.append(1)
            if len(started) > 2:
                raise WorkerDied
            return False

        with pytest.raises(WorkerDied):
            run_replay_set(database, set_id, targets, embed, stop=die_after_two)
        assert len(model.requests) == 2
        run_replay_set(database, set_id, targets, embed)
        assert len(model.requests) == 4  # the two stored replays were not run again
        run_replay_set(database, set_id, targets, embed)  # a redelivered job
        assert len(model.requests) == 4
    with database.read() as session:
        replay_set = session.get(ReplaySet, set_id)
        assert replay_set is not None and replay_set.status == "completed"
        assert replay_set.done == 4
        assert session.scalar(select(func.count()).where(Replay.set_id == set_id)) == 4
    assert _scored(database, set_id) == 1


def test_the_replays_of_a_budget_run_at_once_for_a_model_behind_an_api(
    api: ApiClient, database: Database
) -> None:
    with FakeOpenAI(answer=ANSWER, latency_s=0.5) as model:
        base_id = ingest_fixture(api, "openllmetry-openai-agent.pb")
        targets = [LlmCallTarget(database, Settings(model=f"openai:gpt-4o-mini@{model.base_url}"))]
        set_id = start_replay_set(database, base_id, KINDS, 2, 0, targets)
        run_replay_set(database, set_id, targets, embedder(DEFAULT_EMBEDDER), concurrency=8)
        one_by_one = start_replay_set(database, base_id, KINDS, 2, 1, targets)
        assert model.most_in_flight >= 4  # of 8; how long a budget takes: bench/workers.py
        model.most_in_flight = 0
        run_replay_set(database, one_by_one, targets, embedder(DEFAULT_EMBEDDER))
    assert len(model.requests) == 16
    assert model.most_in_flight == 1


def test_an_in_process_model_runs_one_replay_at_a_time() -> None:
    assert calls_in_flight("offline", 8) == 1
    assert calls_in_flight("openai:gpt-4o-mini@http://127.0.0.1:9/v1", 8) == 8


def test_a_cancelled_set_is_not_run_and_its_page_says_so(
    api: ApiClient, database: Database, settings: Settings
) -> None:
    with FakeOpenAI(answer=ANSWER) as model:
        settings = settings.model_copy(update={"model": f"openai:gpt-4o-mini@{model.base_url}"})
        base_id = ingest_fixture(api, "openllmetry-openai-agent.pb")
        targets = [LlmCallTarget(database, settings)]
        set_id = start_replay_set(database, base_id, KINDS, 1, 0, targets)
        reply = api.post(f"/api/v1/replays/{set_id}/cancel")
        assert reply.status_code == 200, reply.text
        assert (reply.json()["status"], reply.json()["cancelled"]) == ("cancelled", True)
        assert run_job(database, settings, JobKind.REPLAY_SET, set_id) == Claim.FINISHED
        assert model.requests == []
    again = api.post(f"/api/v1/replays/{set_id}/cancel").json()
    assert again["cancelled"] is False
    page = api.get(f"/replays/{set_id}")
    assert "was cancelled" in page.text
    assert api.post("/api/v1/replays/rs-nope/cancel").status_code == 404


def test_a_baseline_freeze_submitted_as_a_job_runs_and_shows_its_result(
    api: ApiClient, database: Database
) -> None:
    ingest_fixture(api, "openllmetry-openai-agent.pb")
    workflow = api.get("/api/v1/runs").json()["runs"][0]["workflow_type"]
    body = {"kind": "baseline_freeze", "params": {"name": "b1", "workflow": workflow}}
    reply = api.post("/api/v1/jobs", json=body)
    assert reply.status_code == 202, reply.text
    job_url = reply.headers["location"]
    deadline = time.monotonic() + 60
    while (job := api.get(job_url).json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    assert job["status"] == "completed", job
    assert job["result"] == {"baseline": "b1", "n_runs": 1}


def test_a_job_with_a_bad_parameter_is_refused_naming_it(api: ApiClient) -> None:
    body = {"kind": "heal", "params": {"run_id": "r", "samples": 99}}
    reply = api.post("/api/v1/jobs", json=body)
    assert reply.status_code == 422
    assert reply.json()["error"]["field"] == "params.samples"
    replay = api.post("/api/v1/jobs", json={"kind": "replay_set", "params": {}})
    assert replay.status_code == 422 and replay.json()["error"]["field"] == "kind"


def test_the_cancel_button_of_a_running_sets_page_cancels_it(
    api: ApiClient, database: Database, settings: Settings
) -> None:
    base_id = ingest_fixture(api, "openllmetry-openai-agent.pb")
    model = settings.model_copy(update={"model": "openai:gpt-4o-mini@http://127.0.0.1:9/v1"})
    set_id = start_replay_set(database, base_id, KINDS, 1, 0, [LlmCallTarget(database, model)])
    html = {"accept": "text/html", "hx-request": "true"}
    page = api.get(f"/replays/{set_id}", headers={"accept": "text/html"})
    assert f'hx-post="/replays/{set_id}/cancel"' in page.text
    answer = api.post(f"/replays/{set_id}/cancel", headers=html)
    assert answer.status_code == 200 and "cancelled" in answer.text
    assert answer.headers["hx-refresh"] == "true" and "/cancel" not in answer.text
    with database.read() as session:
        assert session.get(ReplaySet, set_id).status == "cancelled"  # type: ignore[union-attr]
