"""Page C, Replay Comparison, over HTTP on both databases, with a real replay set."""

from __future__ import annotations

import json
import re
import time

from keel.core.records import RunRecord
from keel.core.sanitize import seal_runs
from keel.core.settings import Settings
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.replay.engine import run_replay_set
from keel.replay.registry import default_targets
from keel.store.engine import Database
from keel.store.models import utcnow
from keel.store.writes import write_runs
from tests.conftest import ApiClient
from tests.web.replay_sets import queued_set, replayed_set, user_run

HTML = {"accept": "text/html"}


def test_a_finished_set_compares_base_and_replays(api: ApiClient, database: Database) -> None:
    set_id = replayed_set(database, user_run(database))
    page = api.get(f"/replays/{set_id}", headers=HTML)
    assert page.status_code == 200, page.text
    labels = re.findall(r'<th scope="col" data-label="([^"]+)"', page.text)
    assert labels == ["base", "seed", "P1", "P2", "P3"]
    for field in ("text", "category", "sources"):
        assert f'data-field="{field}"' in page.text
    assert 'id="field-variance"' in page.text and 'id="sensitivity"' in page.text
    figure_json = re.search(r'id="similarity-figure">(.*?)</script>', page.text, re.S)
    assert figure_json is not None
    figure = json.loads(figure_json.group(1))
    assert figure["data"][0]["x"] == ["base", "seed", "P1", "P2", "P3"]
    assert len(figure["data"][0]["z"]) == 5
    assert len(re.findall(r'<details class="tool-diff"', page.text)) == 4
    twin = api.get(f"/api/v1/replays/{set_id}").json()
    score = twin["result"]["stability"]["score"]
    assert f"{score:,.1f}" in page.text
    base = api.get(f"/runs/{twin['base_run_id']}", headers=HTML).text
    assert f'href="/replays/{set_id}"' in base


def test_a_running_set_shows_progress_that_polls_then_reloads(
    api: ApiClient, database: Database
) -> None:
    set_id = queued_set(database, user_run(database))
    page = api.get(f"/replays/{set_id}", headers=HTML)
    assert page.status_code == 200
    assert f'hx-get="/replays/{set_id}/progress"' in page.text and "every 1s" in page.text
    assert "0 of 4 replays done" in page.text
    partial = api.get(f"/replays/{set_id}/progress", headers=HTML)
    assert "<html" not in partial.text and "HX-Refresh" not in partial.headers
    run_replay_set(
        database, set_id, default_targets(database, Settings()), embedder(DEFAULT_EMBEDDER)
    )
    done = api.get(f"/replays/{set_id}/progress", headers=HTML)
    assert done.headers["hx-refresh"] == "true" and "4 of 4 replays done" in done.text


def test_unknown_set_is_a_404_page(api: ApiClient) -> None:
    page = api.get("/replays/rs-nope", headers=HTML)
    assert page.status_code == 404 and "<html" in page.text and "rs-nope" in page.text
    assert api.get("/replays/rs-nope/progress", headers=HTML).status_code == 404


def test_the_replay_action_starts_a_set_shows_progress_then_links_to_it(
    api: ApiClient, database: Database
) -> None:
    run_id = user_run(database)
    hx = {**HTML, "hx-request": "true"}
    started = api.post(f"/runs/{run_id}/replay", headers=hx)
    assert started.status_code == 200 and "<html" not in started.text
    set_id = re.search(r'data-set="([^"]+)"', started.text)
    assert set_id is not None and "every 1s" in started.text
    progress = f"/replays/{set_id.group(1)}/progress?compact=1"
    deadline = time.monotonic() + 120
    while "every 1s" in (text := api.get(progress, headers=hx).text):
        assert time.monotonic() < deadline, text
        time.sleep(0.3)
    assert f'href="/replays/{set_id.group(1)}"' in text and "Compare (" in text


def test_the_replay_action_says_when_a_run_cannot_be_replayed(
    api: ApiClient, database: Database
) -> None:
    with database.write() as session:
        record = RunRecord(run_id="ext-1", workflow_type="otel", created_at=utcnow(), source="otlp")
        write_runs(session, seal_runs([record]))
    answer = api.post("/runs/ext-1/replay", headers=HTML)
    assert answer.status_code == 200 and "cannot replay" in answer.text
    assert "cannot be replayed" in answer.text
    missing = api.post("/runs/nope/replay", headers=HTML)
    assert missing.status_code == 404
