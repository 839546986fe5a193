"""Signing in and deciding on the /review page over HTTP: cookie flags, CSRF, revocation."""

from __future__ import annotations

import re

import httpx
import pytest

from keel.auth import keys as key_domain
from keel.auth.scopes import Scope
from keel.core.settings import Settings
from keel.store.engine import Database
from tests.conftest import ApiClient, api_client

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def new_key(database: Database, scope: Scope, name: str) -> tuple[str, str]:
    with database.write() as session:
        row, key = key_domain.create_key(session, scope, name, "test")
    return row.key_id, key


def sign_in(client: httpx.Client, key: str, next_path: str = "/review") -> httpx.Response:
    form = client.get("/login", params={"next": next_path})
    return client.post(
        "/login", data={"key": key, "csrf_token": csrf_of(form.text), "next": next_path}
    )


@pytest.fixture
def locked(settings: Settings, database: Database):  # type: ignore[no-untyped-def]
    with api_client(settings.model_copy(update={"require_auth": True}), database) as api:
        batch = {"runs": [{"run_id": "r1", "workflow_type": "support", "status": "UNSTABLE"}]}
        _id, ingest = new_key(database, Scope.INGEST, "exporter")
        api.post(
            "/api/v1/runs:batch",
            json=batch,
            headers={"Authorization": f"Bearer {ingest}"},
        ).raise_for_status()
        yield api


def test_signing_in_sets_a_strict_httponly_session_cookie(
    locked: ApiClient, database: Database
) -> None:
    _id, key = new_key(database, Scope.REVIEW, "ann")
    with locked.session() as client:
        bounced = client.get("/review", headers={"accept": "text/html"})
        assert bounced.status_code == 303
        assert bounced.headers["location"] == "/login?next=%2Freview"
        response = sign_in(client, key)
        assert response.status_code == 303 and response.headers["location"] == "/review"
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("keel_session=")
        )
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        page = client.get("/review")
    assert page.status_code == 200 and "r1" in page.text and "Signed in as ann" in page.text


def test_sign_in_refuses_a_forged_form_and_a_wrong_key(
    locked: ApiClient, database: Database
) -> None:
    with locked.session() as client:
        forged = client.post("/login", data={"key": "keel_x", "csrf_token": "guess"})
        assert forged.status_code == 403 and "keel_session" not in forged.headers.get(
            "set-cookie", ""
        )
        wrong = sign_in(client, "keel_0123456789ab_" + "x" * 43)
        assert wrong.status_code == 401 and "unknown API key" in wrong.text


def test_a_decision_needs_the_sessions_csrf_token_and_review_scope(
    locked: ApiClient, database: Database
) -> None:
    _id, reviewer = new_key(database, Scope.REVIEW, "ann")
    _id, reader = new_key(database, Scope.READ, "rita")
    decision = {"decision": "approve", "reason": "fine"}
    with locked.session() as client:
        sign_in(client, reviewer)
        token = csrf_of(client.get("/review").text)
        assert client.post("/review/r1", data=decision).status_code == 403
        assert client.post("/review/r1", data={**decision, "csrf_token": "x"}).status_code == 403
        done = client.post("/review/r1", data={**decision, "csrf_token": token})
        assert done.status_code == 303 and done.headers["location"] == "/review?recorded=r1"
        assert "Decision on r1 recorded" in client.get(done.headers["location"]).text
    with locked.session() as client:
        sign_in(client, reader)
        token = csrf_of(client.get("/review").text)
        refused = client.post("/review/r1", data={**decision, "csrf_token": token})
        assert refused.status_code == 403
    reviews = locked.get(
        "/api/v1/runs/r1/reviews", headers={"Authorization": f"Bearer {reviewer}"}
    ).json()
    assert [(r["decision"], r["reviewer"]) for r in reviews] == [("approve", "ann")]


def test_revoking_a_key_ends_its_sessions(locked: ApiClient, database: Database) -> None:
    key_id, key = new_key(database, Scope.REVIEW, "ann")
    with locked.session() as client:
        sign_in(client, key)
        assert client.get("/review").status_code == 200
        with database.write() as session:
            key_domain.revoke_key(session, key_id, "test")
        assert client.get("/api/v1/review").status_code == 401


def test_signing_out_ends_the_session(locked: ApiClient, database: Database) -> None:
    _id, key = new_key(database, Scope.READ, "rita")
    with locked.session() as client:
        sign_in(client, key)
        token = csrf_of(client.get("/review").text)
        assert client.post("/logout", data={"csrf_token": token}).status_code == 303
        assert client.get("/api/v1/review").status_code == 401


def test_anonymous_form_posts_need_the_double_submit_cookie(
    api: ApiClient, database: Database
) -> None:
    batch = {"runs": [{"run_id": "r1", "workflow_type": "support", "status": "UNSTABLE"}]}
    api.post("/api/v1/runs:batch", json=batch).raise_for_status()
    decision = {"decision": "escalate", "reason": "legal"}
    cross_site = api.post("/review/r1", data=decision)
    assert cross_site.status_code == 403
    with api.session() as client:
        token = csrf_of(client.get("/review").text)
        done = client.post("/review/r1", data={**decision, "csrf_token": token})
    assert done.status_code == 303
