"""Append to and verify the audit log. Other features record their state changes here:

    from keel.govern import audit
    audit.append(session, "run.replayed", audit.run_subject(run_id), actor, {"replay_id": ...})

in the SAME transaction as the change, so the change and its entry commit or vanish together.
Actions are `<thing>.<past tense>`: run.ingested, run.flagged, run.replayed, run.healed,
review.recorded, baseline.created, alert.raised, policy.loaded, key.created, key.revoked,
auth.denied. Subjects are `<kind>:<id>` (`run:r1`, `key:ab12cd34ef56`, `policy:support@3`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from keel.core import sanitize
from keel.core.errors import InvalidInput
from keel.govern.chain import (
    GENESIS_HASH,
    ChainLink,
    Verification,
    canonical_details,
    entry_hash,
    verify_links,
)
from keel.store import audit as audit_store
from keel.store.models import AuditEntry, utcnow

_LIMITS = {"action": 64, "subject": 256, "actor": 128}


@dataclass(frozen=True)
class AuditEvent:
    """A state change to record: what happened, to what, by whom, and the particulars."""

    action: str
    subject: str
    actor: str
    details: dict[str, Any] = field(default_factory=dict)


def run_subject(run_id: str) -> str:
    """Return the audit subject naming run `run_id`."""
    return f"run:{run_id}"


def append(
    session: Session,
    action: str,
    subject: str,
    actor: str,
    details: dict[str, Any] | None = None,
) -> ChainLink:
    """Append one entry to the chain inside the caller's transaction; return it."""
    return append_many(session, [AuditEvent(action, subject, actor, details or {})])[0]


def append_many(session: Session, events: Sequence[AuditEvent]) -> list[ChainLink]:
    """Append `events` in order, chained, under one lock of the chain head; return the links."""
    for event in events:
        for name, limit in _LIMITS.items():
            value = getattr(event, name)
            if not value or len(value) > limit:
                raise InvalidInput(f"audit {name} must be 1..{limit} characters", field=name)
    if not events:
        return []
    head = audit_store.lock_head(session, GENESIS_HASH)
    # Taken after the lock, so timestamps never go backwards along the chain.
    now = utcnow()
    seq, prev = head.last_seq, head.last_hash
    links = []
    for event in events:
        seq += 1
        link = ChainLink(
            seq,
            now,
            event.action,
            event.subject,
            event.actor,
            # Details pass the same sanitiser as every stored run (secrets, NUL, length).
            canonical_details(sanitize.installed().value(event.details)),
            prev,
        )
        prev = entry_hash(link)
        links.append(dataclasses.replace(link, entry_hash=prev))
    audit_store.add_entries(session, head, [link.__dict__ for link in links])
    return links


def as_link(entry: AuditEntry) -> ChainLink:
    """Return the hashed fields of a stored entry."""
    return ChainLink(
        entry.seq,
        entry.created_at,
        entry.action,
        entry.subject,
        entry.actor,
        entry.details,
        entry.prev_hash,
        entry.entry_hash,
    )


def verify(session: Session) -> Verification:
    """Return the verification of the whole stored chain against its recorded head."""
    links = (as_link(entry) for entry in audit_store.entries_in_order(session))
    return verify_links(links, audit_store.chain_head(session))


def entry_record(entry: AuditEntry) -> dict[str, Any]:
    """Return a stored entry as JSON-ready data (details parsed, time as ISO 8601)."""
    return {
        "seq": entry.seq,
        "created_at": entry.created_at.isoformat(),
        "action": entry.action,
        "subject": entry.subject,
        "actor": entry.actor,
        "details": json.loads(entry.details),
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
    }
