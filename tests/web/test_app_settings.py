"""The app runs with the settings it was created with: replays it starts use its model."""

from __future__ import annotations

import time

from keel.core.settings import Settings
from keel.store.engine import Database
from tests.conftest import OTLP_FIXTURES, ApiClient, api_client
from tests.fake_openai import FakeOpenAI, completion

ANSWER = "Early withdrawal fees are reported on Form 1099-INT."
PROTOBUF = {"content-type": "application/x-protobuf"}


def _finished(client: ApiClient, set_id: str, timeout_s: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/replays/{set_id}").json()
        if body["status"] not in ("queued", "running"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"replay set {set_id} did not finish in {timeout_s} s")


def test_a_replay_set_started_from_the_app_uses_the_apps_model(
    database: Database, fake_openai: FakeOpenAI, tmp_path
) -> None:
    for _ in range(2):  # one seed-only replay and one P1 replay, each answering at once
        fake_openai.reply(completion(content=ANSWER, prompt_tokens=40, completion_tokens=12))
    model = f"openai:gpt-4o-mini@{fake_openai.base_url}"
    with api_client(Settings(home=tmp_path, model=model), database) as client:
        body = (OTLP_FIXTURES / "openllmetry-openai-agent.pb").read_bytes()
        assert client.post("/v1/traces", content=body, headers=PROTOBUF).status_code == 200
        run_id = client.get("/api/v1/runs").json()["runs"][0]["run_id"]
        started = client.post(
            f"/api/v1/runs/{run_id}/replays", json={"perturbations": ["P1"], "samples": 1}
        )
        assert started.status_code == 202, started.text
        finished = _finished(client, started.json()["replay_set_id"])
    assert finished["status"] == "completed", finished
    assert len(fake_openai.requests) == 2
    assert {request["model"] for request in fake_openai.requests} == {"gpt-4o-mini"}


def test_an_app_whose_model_cannot_chat_refuses_to_replay_a_traced_run(
    database: Database, tmp_path
) -> None:
    with api_client(Settings(home=tmp_path, model="offline"), database) as client:
        body = (OTLP_FIXTURES / "openllmetry-openai-agent.pb").read_bytes()
        assert client.post("/v1/traces", content=body, headers=PROTOBUF).status_code == 200
        run_id = client.get("/api/v1/runs").json()["runs"][0]["run_id"]
        refused = client.post(f"/api/v1/runs/{run_id}/replays", json={"perturbations": ["P1"]})
    assert refused.status_code == 409
    assert "KEEL_MODEL=offline" in refused.json()["error"]["message"]
