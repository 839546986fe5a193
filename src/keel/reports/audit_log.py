"""The audit log page (`/audit`, `GET /api/v1/audit/log`): entries newest first, paged by seq,
with the whole chain's verification computed as `keel audit verify` does (`govern.audit`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from keel.core.errors import InvalidInput
from keel.govern import audit
from keel.store.audit import actions, count_entries, entries_before


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


class AuditPageOut(BaseModel):
    entries: list[AuditEntryOut]
    #: The `cursor` of the next (older) page, None on the last.
    next_cursor: str | None
    #: How many entries match the filter, all pages together.
    total: int
    action: str | None
    #: The actions the log holds, for the filter.
    actions: list[str]
    verification: VerificationOut


def parse_cursor(cursor: str | None) -> int | None:
    """Return the seq a page cursor stands for (entries older than it), or None."""
    if not cursor:
        return None
    if not cursor.isdigit() or int(cursor) < 1:
        raise InvalidInput("cursor must be a positive entry number", field="cursor")
    return int(cursor)


def audit_page_data(
    session: Session, action: str | None = None, limit: int = 50, cursor: str | None = None
) -> AuditPageOut:
    """Return one page of the log, newest first, with the chain's verification."""
    rows = entries_before(session, parse_cursor(cursor), limit + 1, action)
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPageOut(
        entries=[AuditEntryOut.model_validate(audit.entry_record(row)) for row in rows],
        next_cursor=str(rows[-1].seq) if more and rows else None,
        total=count_entries(session, action),
        action=action,
        actions=actions(session),
        verification=VerificationOut.model_validate(audit.verify(session).__dict__),
    )
