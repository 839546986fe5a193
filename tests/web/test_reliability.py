"""The Reliability page and its JSON twin `GET /api/v1/reliability`, on SQLite and PostgreSQL."""

from __future__ import annotations

from keel.store.engine import Database
from tests.conftest import ApiClient
from tests.web.reliability_runs import seed_configs


def test_the_twin_profiles_each_configuration_and_marks_the_worse_one(
    api: ApiClient, database: Database
) -> None:
    seed_configs(database)
    body = api.get("/api/v1/reliability?workflow=triage").json()
    assert body["selected"] == ["good", "bad"]
    good, bad = body["profiles"]
    accuracy = {p["label"]: p["metrics"][0] for p in body["profiles"]}
    assert accuracy["good"]["value"] == 1.0 and accuracy["good"]["items"] == 24
    differences = {d["key"]: d for d in body["comparisons"][0]["differences"]}
    assert differences["accuracy"]["verdict"] == "worse"
    assert differences["outcome_agreement"]["verdict"] == "worse"
    assert good["runs"] == bad["runs"] == 24 * 4


def test_the_page_shows_the_table_with_the_regression_marked(
    api: ApiClient, database: Database
) -> None:
    seed_configs(database)
    page = api.get("/reliability?workflow=triage&config=good&config=bad")
    assert page.status_code == 200
    assert 'id="reliability-table"' in page.text
    assert "▼ worse" in page.text


def test_an_empty_store_says_how_to_fill_the_page(api: ApiClient) -> None:
    page = api.get("/reliability")
    assert page.status_code == 200 and 'id="reliability-empty"' in page.text
    assert api.get("/api/v1/reliability").json()["profiles"] == []


def test_too_long_a_workflow_is_a_4xx_naming_the_field(api: ApiClient) -> None:
    answer = api.get("/api/v1/reliability", params={"workflow": "w" * 65})
    assert answer.status_code == 422
    assert answer.json()["error"]["field"]
