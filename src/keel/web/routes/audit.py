"""The audit log over HTTP (scope `review`): recent entries and a verification of the chain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from keel.auth.scopes import Scope
from keel.govern import audit
from keel.store.audit import entries_between
from keel.web.deps import DatabaseDep
from keel.web.moments import QueryMoment
from keel.web.security import require

router = APIRouter(prefix="/api/v1", tags=["audit"])


class AuditEntryOut(BaseModel):
    seq: int
    created_at: datetime
    action: str
    subject: str
    actor: str
    details: dict[str, Any]
    prev_hash: str
    entry_hash: str


class VerificationOut(BaseModel):
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None
    reason: str | None


@router.get("/audit", response_model=list[AuditEntryOut], dependencies=[require(Scope.REVIEW)])
def list_audit(
    db: DatabaseDep,
    since: QueryMoment = None,
    until: QueryMoment = None,
    action: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntryOut]:
    """Return the newest audit entries in the window, newest first."""
    with db.read() as session:
        entries = entries_between(session, since, until, action, limit, newest_first=True)
        return [AuditEntryOut.model_validate(audit.entry_record(entry)) for entry in entries]


@router.get("/audit/verify", response_model=VerificationOut, dependencies=[require(Scope.REVIEW)])
async def verify_audit(db: DatabaseDep) -> VerificationOut:
    """Check the whole chain; `broken_seq` names the first broken entry."""

    def check() -> VerificationOut:
        with db.read() as session:
            return VerificationOut.model_validate(audit.verify(session).__dict__)

    return await run_in_threadpool(check)
