"""The Runs page and its JSON twin as the support lead uses them, over HTTP on both databases:
originals with their replays and heals folded in, flags, risk in words, and bad filter input."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from keel.store.engine import Database
from keel.store.flags import replace_flags
from keel.store.models import Run
from tests.conftest import ApiClient
from tests.web.test_pages import HTML, post_runs, row_ids
from tests.web.test_runs_api import make_run


def seed(api: ApiClient, database: Database) -> None:
    post_runs(
        api,
        *[make_run(f"t{i}", created_at=f"2026-11-0{i + 1}T09:00:00Z") for i in range(4)],
        make_run("t0-healed", parent_run_id="t0", created_at="2026-11-09T09:00:00Z"),
    )
    with database.write() as session:
        replace_flags(
            session,
            "t1",
            "rules",
            [{"rule_id": "claim.guarantee", "category": "claim", "severity": "high"}],
        )
        replace_flags(
            session,
            "t2",
            "rules",
            [{"rule_id": "disclaimer.tax", "category": "disclaimer", "severity": "medium"}],
        )
        for run_id, risk in (("t0", 10.0), ("t1", 80.0), ("t2", 50.0), ("t3", 95.0)):
            session.execute(update(Run).where(Run.run_id == run_id).values(risk=risk))


def test_the_page_lists_originals_and_folds_the_heal_under_its_base(
    api: ApiClient, database: Database
) -> None:
    seed(api, database)
    page = api.get("/", headers=HTML).text
    assert row_ids(page) == ["t3", "t2", "t1", "t0"]
    assert "+1 derived" in page and 'href="/runs/t0-healed"' in page
    every = api.get("/", params={"show": "all"}, headers=HTML).text
    assert row_ids(every) == ["t0-healed", "t3", "t2", "t1", "t0"]
    assert "↳ from" in every
    twin = api.get("/api/v1/runs").json()["runs"]
    assert [run["run_id"] for run in twin] == row_ids(page)
    assert twin[-1]["derived"][0]["run_id"] == "t0-healed"


def test_the_next_page_keeps_the_toggle(api: ApiClient, database: Database) -> None:
    seed(api, database)
    first = api.get("/", params={"show": "all", "limit": 2}, headers=HTML).text
    next_link = re.search(r'rel="next" href="([^"]+)"', first)
    assert next_link is not None and "show=all" in next_link.group(1)
    second = api.get(next_link.group(1).replace("&amp;", "&"), headers=HTML).text
    assert row_ids(second) == ["t2", "t1"]


def test_flags_and_risk_words_show_and_filter(api: ApiClient, database: Database) -> None:
    seed(api, database)
    page = api.get("/", headers=HTML).text
    assert "claim.guarantee <small>high</small>" in page
    assert "critical 95" in page and "high 80" in page and "medium 50" in page
    params = {"risk": "high", "severity": "high"}
    assert row_ids(api.get("/", params=params, headers=HTML).text) == ["t1"]
    assert [run["run_id"] for run in api.get("/api/v1/runs", params=params).json()["runs"]] == [
        "t1"
    ]
    flagged = api.get("/", params={"flag": "disclaimer.tax"}, headers=HTML).text
    assert row_ids(flagged) == ["t2"]
    assert '<option value="disclaimer.tax" selected>' in flagged
    risky = api.get("/api/v1/runs", params={"risk": "high"}).json()["runs"]
    assert [(run["run_id"], run["risk_level"]) for run in risky] == [
        ("t3", "critical"),
        ("t1", "high"),
    ]


def test_blank_triage_fields_mean_any(api: ApiClient, database: Database) -> None:
    seed(api, database)
    blank = {"flag": "", "severity": "", "risk": "", "search": "", "config": ""}
    assert row_ids(api.get("/", params=blank, headers=HTML).text) == ["t3", "t2", "t1", "t0"]
    assert len(api.get("/api/v1/runs", params=blank).json()["runs"]) == 4


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"severity": "dire"}, "severity"),
        ({"risk": "extreme"}, "risk"),
        ({"show": "children"}, "show"),
        ({"flag": "x" * 65}, "flag"),
    ],
)
def test_bad_filter_input_is_a_422_naming_the_field(
    api: ApiClient, database: Database, params: dict[str, str], field: str
) -> None:
    response = api.get("/api/v1/runs", params=params)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    page = api.get("/", params=params, headers=HTML)
    assert page.status_code == 422 and field in page.text


def test_config_column_filter_and_search_match_their_json_twin(
    api: ApiClient, database: Database
) -> None:
    post_runs(
        api,
        make_run(
            "c1",
            inputs={"ticket": "Which form shows my early withdrawal fee?"},
            output={"answer": "Form 1099-R shows it."},
            metrics={"config": "baseline-v1"},
        ),
        make_run(
            "c2",
            created_at="2026-11-02T10:00:00Z",
            inputs={"ticket": "My wire is late"},
            output={"answer": "Wires arrive the same day."},
            metrics={"config": "candidate-v2"},
        ),
    )
    page = api.get("/", headers=HTML).text
    assert "<td>candidate-v2</td>" in page and '<option value="baseline-v1"' in page
    for params, expected in (
        ({"config": "baseline-v1"}, ["c1"]),
        ({"search": "withdrawals"}, ["c1"]),
        ({"search": "wire", "config": "baseline-v1"}, []),
        ({"sort": "config", "order": "asc"}, ["c1", "c2"]),
    ):
        assert row_ids(api.get("/", params=params, headers=HTML).text) == expected, params
        twin = api.get("/api/v1/runs", params=params).json()["runs"]
        assert [run["run_id"] for run in twin] == expected, params
    assert twin[0]["config"] == "baseline-v1"
    refused = api.get("/api/v1/runs", params={"search": "?!"})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "search"
