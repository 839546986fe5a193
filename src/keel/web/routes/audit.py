"""The audit log over HTTP (scope `review`): recent entries, the Audit page's JSON twin, the
chain's verification, and the reviewer's extract exactly as `keel audit export` writes it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from keel.auth.scopes import Scope
from keel.govern import audit
from keel.govern import export as export_domain
from keel.reports.audit_log import AuditEntryOut, AuditPageOut, VerificationOut, audit_page_data
from keel.store.audit import entries_between
from keel.store.engine import Database
from keel.web.deps import DatabaseDep
from keel.web.moments import QueryMoment
from keel.web.security import require

router = APIRouter(prefix="/api/v1", tags=["audit"])


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


@router.get("/audit/log", response_model=AuditPageOut, dependencies=[require(Scope.REVIEW)])
async def audit_log_page(
    db: DatabaseDep,
    action: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AuditPageOut:
    """Return what the Audit page shows: a page of entries, newest first, count, verification."""

    def read() -> AuditPageOut:
        with db.read() as session:
            return audit_page_data(session, action or None, limit, cursor)

    return await run_in_threadpool(read)


EXPORT_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv"}


def export_text(db: Database, fmt: str, since: datetime | None, until: datetime | None) -> Response:
    """Return the extract as `keel audit export --format fmt` writes it, as a download."""
    with db.read() as session:
        extract = export_domain.build_extract(session, since, until)
    if fmt == "jsonl":
        text = "".join(line + "\n" for line in export_domain.jsonl_lines(extract))
    else:
        text = export_domain.csv_text(extract)
    check = extract.verification
    return Response(
        text,
        media_type=f"{EXPORT_TYPES[fmt]}; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="keel-audit.{fmt}"',
            # The CLI exits 1 on a broken chain; a download says so in a header instead.
            "X-Keel-Audit-Chain": "intact" if check.ok else f"broken at {check.broken_seq}",
        },
    )


@router.get(
    "/audit/export",
    dependencies=[require(Scope.REVIEW)],
    response_class=Response,
    responses={
        200: {
            "content": {media: {"schema": {"type": "string"}} for media in EXPORT_TYPES.values()},
            "description": "The extract as a download.",
        }
    },
)
async def export_audit(
    db: DatabaseDep,
    format: Literal["jsonl", "csv"] = "jsonl",  # the name of the CLI option
    since: QueryMoment = None,
    until: QueryMoment = None,
) -> Response:
    """Download the reviewer's extract (JSON Lines or CSV), the same as `keel audit export`."""
    return await run_in_threadpool(export_text, db, format, since, until)
