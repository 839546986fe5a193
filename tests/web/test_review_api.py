"""The review queue and decisions through the API, on both databases."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from keel.auth import keys as key_domain
from keel.auth.scopes import Scope
from keel.core.settings import Settings
from keel.govern import audit
from keel.store.engine import Database
from keel.store.models import AuditEntry, Run
from tests.conftest import ApiClient, api_client


def run(run_id: str, day: int, **fields: Any) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "workflow_type": fields.pop("workflow_type", "support"),
        "created_at": f"2026-11-{day:02d}T09:00:00Z",
        **fields,
    }


def seed(api: httpx.Client, database: Database) -> None:
    runs = [
        run("r-review", 3, output={"category": "TAX", "needs_human_review": True}),
        run("r-unstable", 1, status="UNSTABLE", output={"category": "WITHDRAWAL"}),
        run("r-risky", 2, workflow_type="sql_analysis"),
        run("r-fine", 4, output={"category": "GENERAL", "needs_human_review": False}),
        run("r-odd", 5, output={"needs_human_review": "yes"}),
    ]
    api.post("/api/v1/runs:batch", json={"runs": runs}).raise_for_status()
    with database.write() as session:
        session.get(Run, "r-risky").risk = 75.0  # type: ignore[union-attr]


def queue(api: httpx.Client, **params: Any) -> list[str]:
    response = api.get("/api/v1/review", params=params)
    assert response.status_code == 200, response.text
    return [item["run"]["run_id"] for item in response.json()["items"]]


def test_queue_holds_runs_needing_a_human_oldest_first(api: ApiClient, database: Database) -> None:
    seed(api, database)
    assert queue(api) == ["r-unstable", "r-risky", "r-review"]
    assert queue(api, reason="needs_human_review") == ["r-review"]
    # Risk is keel.evaluate's score; r-risky's was set past the threshold by hand.
    high = queue(api, reason="high_risk")
    assert "r-risky" in high and "r-fine" not in high and "r-unstable" not in high
    assert queue(api, workflow_type="support") == ["r-unstable", "r-review"]
    first = api.get("/api/v1/review", params={"limit": 2}).json()
    assert [i["run"]["run_id"] for i in first["items"]] == ["r-unstable", "r-risky"]
    assert queue(api, cursor=first["next_cursor"]) == ["r-review"]
    item = api.get("/api/v1/review").json()["items"][2]
    assert "needs_human_review" in item["reasons"] and item["output_category"] == "TAX"
    bad = api.get("/api/v1/review", params={"reason": "vibes"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "reason"


def test_a_decision_round_trips_and_leaves_the_queue(api: ApiClient, database: Database) -> None:
    seed(api, database)
    url = "/api/v1/runs/r-review/reviews"
    override = {"decision": "override", "category": "SECURITY", "reason": "asks about a PIN"}
    created = api.post(url, json=override)
    assert created.status_code == 201, created.text
    assert created.json()["reviewer"] == "anonymous"
    assert queue(api) == ["r-unstable", "r-risky"]
    assert queue(api, state="decided") == ["r-review"]
    detail = api.get("/api/v1/runs/r-review").json()
    assert [(r["decision"], r["category"], r["reason"]) for r in detail["reviews"]] == [
        ("override", "SECURITY", "asks about a PIN")
    ]
    escalated = {"decision": "escalate", "reason": "needs legal"}
    api.post("/api/v1/runs/r-unstable/reviews", json=escalated)
    assert queue(api, state="escalated") == ["r-unstable"]
    assert queue(api) == ["r-unstable", "r-risky"]
    labels = api.get("/api/v1/review/labels").json()
    assert [(x["run_id"], x["category"], x["original_category"]) for x in labels] == [
        ("r-review", "SECURITY", "TAX")
    ]
    with database.read() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "review.recorded")
        ).first()
        assert audit.verify(session).ok
    assert entry is not None and entry.subject == "run:r-review"


def test_decisions_are_validated_and_unknown_runs_are_404(
    api: ApiClient, database: Database
) -> None:
    seed(api, database)
    base = "/api/v1/runs"
    missing = api.post(f"{base}/nope/reviews", json={"decision": "approve", "reason": "ok"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    vague = api.post(f"{base}/r-review/reviews", json={"decision": "override", "reason": "x"})
    assert vague.status_code == 422
    unknown = {"decision": "approve", "reason": "x", "category": "CRYPTO"}
    assert api.post(f"{base}/r-review/reviews", json=unknown).status_code == 422
    assert api.get(f"{base}/nope/reviews").status_code == 404


def test_the_reviewer_is_the_key_name(settings: Settings, database: Database) -> None:
    with api_client(settings, database) as api:
        seed(api, database)
        with database.write() as session:
            _row, key = key_domain.create_key(session, Scope.REVIEW, "compliance-ann", "test")
        bearer = {"Authorization": f"Bearer {key}"}
        body = {"decision": "approve", "reason": "answer is right"}
        url = "/api/v1/runs/r-review/reviews"
        assert api.post(url, json=body).status_code == 401
        response = api.post(url, json=body, headers=bearer)
    assert response.status_code == 201
    assert response.json()["reviewer"] == "compliance-ann"
