"""Tool-usage policies over HTTP: read the ones in force (`read`), load a version (`admin`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from keel.auth.scopes import Scope
from keel.core.errors import InvalidInput
from keel.govern import tool_policies
from keel.web.body import read_body
from keel.web.deps import DatabaseDep, SettingsDep
from keel.web.security import AdminAccess, require

router = APIRouter(prefix="/api/v1", tags=["policies"])


def policy_json(loaded: tool_policies.LoadedPolicy) -> dict[str, Any]:
    """Return a policy in force with its provenance, as JSON-ready data."""
    return {
        "workflow_type": loaded.policy.workflow_type,
        "version": loaded.policy.version,
        "origin": loaded.origin,
        "digest": loaded.digest,
        "policy": loaded.policy.model_dump(mode="json"),
    }


@router.get("/policies", dependencies=[require(Scope.READ)])
def list_policies(db: DatabaseDep) -> list[dict[str, Any]]:
    """Return the tool-usage policy in force for each workflow type."""
    with db.read() as session:
        return [policy_json(p) for p in tool_policies.effective_policies(session).values()]


@router.post(
    "/policies",
    openapi_extra={
        "requestBody": {"content": {"application/toml": {"schema": {"type": "string"}}}}
    },
)
async def load_policy(
    request: Request, db: DatabaseDep, settings: SettingsDep, who: AdminAccess
) -> JSONResponse:
    """Load a policy version from a TOML body: 201 when new, 200 when already loaded."""
    body = await read_body(request, settings.max_request_bytes)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("policy body is not UTF-8 text", field="body") from None

    def load() -> tuple[dict[str, Any], bool]:
        with db.write() as session:
            policy, created = tool_policies.load_policy(session, text, "api", who.actor)
            loaded = tool_policies.effective_policies(session, [policy.workflow_type])
            return policy_json(loaded[policy.workflow_type]), created

    payload, created = await run_in_threadpool(load)
    return JSONResponse(payload, status_code=201 if created else 200)
