"""What the reviewer decides from: excerpt, flags, orders with keyset paging, the count, the
decided category, and a decision that returns to the same view. Both databases."""

from __future__ import annotations

import re
from typing import Any

import pytest

from keel.store.engine import Database
from keel.store.flags import replace_flags
from keel.store.models import Run
from tests.conftest import ApiClient

LONG_ANSWER = "Withholding tax applies to interest earned on your savings. " * 10


def seed(api: ApiClient, database: Database) -> dict[str, float | None]:
    """Eight runs in the queue with distinct, tied and missing risks; return risk by run."""
    risks: dict[str, float | None] = {
        "q1": 80.0,
        "q2": 95.0,
        "q3": 80.0,
        "q4": None,
        "q5": 62.5,
        "q6": 95.0,
        "q7": 70.0,
        "q8": None,
    }
    runs = [
        {
            "run_id": run_id,
            "workflow_type": "support",
            "status": "UNSTABLE",
            "created_at": f"2026-11-{day:02d}T09:00:00Z",
            "output": {"category": "TAX", "answer": LONG_ANSWER if run_id == "q2" else "Short."},
        }
        for day, run_id in enumerate(risks, start=1)
    ]
    api.post("/api/v1/runs:batch", json={"runs": runs}).raise_for_status()
    with database.write() as session:
        for run_id, risk in risks.items():
            session.get(Run, run_id).risk = risk  # type: ignore[union-attr]
        replace_flags(
            session,
            "q2",
            "test",
            [
                {"rule_id": "disclaimer.tax", "category": "disclaimer", "severity": "medium"},
                {"rule_id": "claim.guarantee", "category": "claim", "severity": "high"},
            ],
        )
    return risks


def walk(api: ApiClient, **params: Any) -> list[str]:
    """Return the run ids of every page of the queue, one run per page."""
    seen, cursor = [], None
    while True:
        query = {**params, "limit": 1, **({"cursor": cursor} if cursor else {})}
        response = api.get("/api/v1/review", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [item["run"]["run_id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def test_each_order_pages_every_run_once_in_that_order(api: ApiClient, database: Database) -> None:
    risks = seed(api, database)
    by_age = list(risks)
    assert walk(api) == by_age
    assert walk(api, sort="newest") == by_age[::-1]
    expected = sorted(by_age, key=lambda r: (-(risks[r] if risks[r] is not None else -1), r))
    assert walk(api, sort="risk") == expected == ["q2", "q6", "q1", "q3", "q7", "q5", "q4", "q8"]
    first = api.get("/api/v1/review", params={"sort": "risk", "limit": 3}).json()
    assert first["total"] == 8 and first["sort"] == "risk" and len(first["items"]) == 3


def test_a_row_carries_excerpt_flags_and_then_its_decided_category(
    api: ApiClient, database: Database
) -> None:
    seed(api, database)
    item = api.get("/api/v1/review", params={"sort": "risk", "limit": 1}).json()["items"][0]
    assert item["run"]["run_id"] == "q2"
    assert item["answer_excerpt"].startswith("Withholding tax applies")
    assert item["answer_excerpt"].endswith("…") and len(item["answer_excerpt"]) <= 241
    flags = [(f["rule_id"], f["severity"]) for f in item["flags"]]
    # Ingestion's own policy rules flag it too; ours are among them, most severe first.
    assert flags[0] == ("claim.guarantee", "high") and ("disclaimer.tax", "medium") in flags
    rank = ["critical", "high", "medium", "low", "info"]
    assert [rank.index(s) for _r, s in flags] == sorted(rank.index(s) for _r, s in flags)
    assert item["decided_category"] is None
    override = {"decision": "override", "category": "SECURITY", "reason": "asks about a PIN"}
    api.post("/api/v1/runs/q2/reviews", json=override).raise_for_status()
    approve = {"decision": "approve", "reason": "right"}
    api.post("/api/v1/runs/q1/reviews", json=approve).raise_for_status()
    decided = api.get("/api/v1/review", params={"state": "decided"}).json()
    assert {i["run"]["run_id"]: i["decided_category"] for i in decided["items"]} == {
        "q1": "TAX",
        "q2": "SECURITY",
    }
    assert decided["total"] == 2
    assert api.get("/api/v1/review").json()["total"] == 6


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "loudest"}, "sort"),
        ({"cursor": "!!!"}, "cursor"),
        ({"state": "maybe"}, "state"),
        ({"limit": 0}, "limit"),
    ],
)
def test_bad_queue_input_is_a_4xx_naming_the_field(
    api: ApiClient, params: dict[str, Any], field: str
) -> None:
    response = api.get("/api/v1/review", params=params)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["field"] == field


def test_a_cursor_of_one_order_is_refused_by_another(api: ApiClient, database: Database) -> None:
    seed(api, database)
    cursor = api.get("/api/v1/review", params={"limit": 2}).json()["next_cursor"]
    response = api.get("/api/v1/review", params={"sort": "risk", "cursor": cursor})
    assert response.status_code == 422 and response.json()["error"]["field"] == "cursor"
    page = api.get("/review", params={"sort": "loudest"}, headers={"accept": "text/html"})
    assert page.status_code == 422 and "sort" in page.text


def test_the_page_shows_the_queue_and_a_decision_keeps_the_view(
    api: ApiClient, database: Database
) -> None:
    seed(api, database)
    with api.session() as client:
        html = client.get("/review", params={"sort": "risk", "reason": "unstable"}).text
        assert "8 runs in this view" in html
        assert "claim.guarantee" in html and "Withholding tax applies" in html
        assert "Lower risk →" not in html  # one page of 50 holds all eight
        assert 'recorded in the audit log as <strong>"anonymous"</strong>' in html
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
        view = re.search(r'name="view" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
        response = client.post(
            "/review/q2",
            data={
                "csrf_token": token,
                "view": view.replace("&amp;", "&"),
                "decision": "override",
                "category": "SECURITY",
                "reason": "asks about a PIN",
            },
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/review?reason=unstable&sort=risk&recorded=q2"
        after = client.get(response.headers["location"]).text
        assert "7 runs in this view" in after and "Decision on q2 recorded." in after
        decided = client.get("/review", params={"state": "decided"}).text
        assert "override: <strong>SECURITY</strong>" in decided
        pager = client.get("/review", params={"sort": "risk"}).text
        assert "highest risk first" in pager


def test_the_pager_says_where_each_order_goes(api: ApiClient, database: Database) -> None:
    runs = [
        {"run_id": f"p{i:02d}", "workflow_type": "support", "status": "UNSTABLE"} for i in range(51)
    ]
    api.post("/api/v1/runs:batch", json={"runs": runs}).raise_for_status()
    labels = {"oldest": "Newer runs →", "newest": "Older runs →", "risk": "Lower risk →"}
    for sort, label in labels.items():
        html = api.get("/review", params={"sort": sort}, headers={"accept": "text/html"}).text
        assert label in html, sort
        assert "51 runs in this view; showing 50" in html
