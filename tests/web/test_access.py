"""Every route declares its scope, and refuses what its caller's key does not allow.

Table-driven over the app's routes, so a route added later is checked without anyone
remembering to: no key, a key of the wrong scope, a revoked key of the right scope, and the
right key, each against every route.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import func, select

from keel.auth import keys as key_domain
from keel.auth.scopes import Scope
from keel.core.settings import Settings
from keel.store.engine import Database
from keel.store.models import AuditEntry
from keel.web.app import create_app
from keel.web.security import ScopeGuard
from tests.conftest import ApiClient, api_client

#: For each needed scope, a key scope that must not be enough.
WRONG_SCOPE = {
    Scope.READ: Scope.INGEST,
    Scope.INGEST: Scope.READ,
    Scope.REVIEW: Scope.READ,
    Scope.ADMIN: Scope.REVIEW,
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    scope: Scope | None

    @property
    def url_path(self) -> str:
        return re.sub(r"\{[^}]+\}", "x", self.path)


def api_routes(app: FastAPI) -> list[tuple[str, set[str], Dependant]]:
    """Return (full path, methods, route) of every API route, through included routers.

    FastAPI's own /openapi.json and /docs are plain routes, public documentation.
    """
    return [
        (str(context.path), set(context.methods or ()), context.dependant)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
    ]


def guards_of(dependant: Dependant) -> list[ScopeGuard]:
    found, stack = [], [dependant]
    while stack:
        dependant = stack.pop()
        for sub in dependant.dependencies:
            if isinstance(sub.call, ScopeGuard):
                found.append(sub.call)
            stack.append(sub)
    return found


def endpoints() -> list[Endpoint]:
    app = create_app(Settings())
    result = []
    for path, methods, dependant in api_routes(app):
        guards = guards_of(dependant)
        scope = guards[0].scope if len(guards) == 1 else None
        result += [Endpoint(method, path, scope) for method in sorted(methods)]
    return result


def test_every_route_declares_exactly_one_scope() -> None:
    app = create_app(Settings())
    routes = api_routes(app)
    undeclared = [
        f"{sorted(methods)} {path}: {len(guards_of(dependant))} scope guards"
        for path, methods, dependant in routes
        if len(guards_of(dependant)) != 1
    ]
    assert len(routes) >= 10
    assert undeclared == []


def test_every_openapi_operation_is_a_checked_route() -> None:
    app = create_app(Settings())
    checked = {(e.method.lower(), e.path) for e in endpoints()}
    operations = {
        (method, path) for path, item in app.openapi()["paths"].items() for method in item
    }
    assert operations <= checked


def make_keys(database: Database) -> tuple[dict[Scope, str], dict[Scope, str]]:
    """Return a live key and a revoked key of every scope."""
    live, revoked = {}, {}
    with database.write() as session:
        for scope in Scope:
            live[scope] = key_domain.create_key(session, scope, f"live-{scope}", "test")[1]
            row, revoked[scope] = key_domain.create_key(session, scope, f"gone-{scope}", "test")
            key_domain.revoke_key(session, row.key_id, "test")
    return live, revoked


def call(client: httpx.Client, endpoint: Endpoint, key: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    body = {} if endpoint.method in ("POST", "PUT", "PATCH") else None
    return client.request(endpoint.method, endpoint.url_path, json=body, headers=headers)


def refused_without_key(response: httpx.Response) -> bool:
    redirected_to_login = response.status_code == 303 and response.headers.get(
        "location", ""
    ).startswith("/login")
    return response.status_code == 401 or redirected_to_login


def denials(database: Database) -> int:
    with database.read() as session:
        query = select(func.count()).where(AuditEntry.action == "auth.denied")
        return int(session.scalar(query) or 0)


def test_every_route_refuses_what_the_key_does_not_allow(
    settings: Settings, database: Database
) -> None:
    live, revoked = make_keys(database)
    locked = settings.model_copy(update={"require_auth": True})
    problems: list[str] = []
    denied = 0
    with api_client(locked, database) as client:
        for endpoint in endpoints():
            name = f"{endpoint.method} {endpoint.path}"
            if endpoint.scope is None:
                if call(client, endpoint, None).status_code in (401, 403):
                    problems.append(f"{name}: public route refused an anonymous caller")
                continue
            if not refused_without_key(response := call(client, endpoint, None)):
                problems.append(f"{name}: no key -> {response.status_code}")
            wrong = call(client, endpoint, live[WRONG_SCOPE[endpoint.scope]])
            if wrong.status_code != 403:
                problems.append(f"{name}: wrong-scope key -> {wrong.status_code}")
            gone = call(client, endpoint, revoked[endpoint.scope])
            if gone.status_code != 401:
                problems.append(f"{name}: revoked key -> {gone.status_code}")
            denied += 2
            right = call(client, endpoint, live[endpoint.scope])
            if right.status_code in (401, 403):
                problems.append(f"{name}: right key -> {right.status_code} {right.text}")
    assert problems == []
    assert denials(database) == denied


def test_embedded_default_reads_and_writes_open_until_a_key_exists(
    api: ApiClient, database: Database
) -> None:
    batch = {"runs": [{"run_id": "r1", "workflow_type": "support"}]}
    assert api.get("/api/v1/runs").status_code == 200
    assert api.post("/api/v1/runs:batch", json=batch).status_code == 200
    live, _revoked = make_keys(database)
    # Once a key exists, reads need one too (issue 17: runs, answers and audit were open).
    assert api.get("/api/v1/runs").status_code == 401
    assert api.post("/api/v1/runs:batch", json=batch).status_code == 401
    ingest = {"Authorization": f"Bearer {live[Scope.INGEST]}"}
    read = {"Authorization": f"Bearer {live[Scope.READ]}"}
    assert api.post("/api/v1/runs:batch", json=batch, headers=ingest).status_code == 200
    assert api.get("/api/v1/runs", headers=read).status_code == 200


def test_admin_routes_always_need_a_key(api: ApiClient) -> None:
    response = api.get("/api/v1/keys")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_a_wrong_key_is_refused_even_where_reads_are_open(api: ApiClient) -> None:
    response = api.get("/api/v1/runs", headers={"Authorization": "Bearer keel_nope"})
    assert response.status_code == 401


def test_wrong_scope_and_revoked_keys_are_audited_with_the_key(
    api: ApiClient, database: Database
) -> None:
    live, revoked = make_keys(database)
    url = "/api/v1/keys"
    assert api.get(url, headers={"Authorization": f"Bearer {live[Scope.READ]}"}).status_code == 403
    bearer = {"Authorization": f"Bearer {revoked[Scope.ADMIN]}"}
    assert api.get(url, headers=bearer).status_code == 401
    with database.read() as session:
        entries = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "auth.denied")
                .order_by(AuditEntry.seq)
            )
        )
    assert [entry.actor.split(":")[-1] for entry in entries] == ["live-read", "gone-admin"]
    assert all("GET /api/v1/keys" in entry.details for entry in entries)
