"""Audit log rows: lock the chain head, add entries, and read them back in chain order.

Appends are serialised on the head row: on PostgreSQL `SELECT ... FOR UPDATE` makes a second
writer wait until the first commits, then read the new head; on SQLite the INSERT that makes
sure the head exists takes the database write lock first, so the read that follows is current.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Insert, Table, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from keel.store.models import AuditEntry, AuditHead

HEAD_ID = 1


def _insert_head_if_missing(session: Session, genesis_hash: str) -> Insert:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    values = {"id": HEAD_ID, "last_seq": 0, "last_hash": genesis_hash}
    return module.insert(AuditHead).values(**values).on_conflict_do_nothing()


def lock_head(session: Session, genesis_hash: str) -> AuditHead:
    """Return the chain head row, locked for the rest of the transaction (created if absent)."""
    session.execute(_insert_head_if_missing(session, genesis_hash))
    query = (
        select(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(query).one()


def add_entries(session: Session, head: AuditHead, entries: Sequence[dict[str, Any]]) -> None:
    """Store `entries` (column dicts, chained after `head`) and move the head to the last."""
    if not entries:
        return
    # Core executemany on the table: ingestion appends one entry per new run, and the ORM's
    # bulk insert (even without units of work) costs several times the insert itself.
    session.connection().execute(insert(cast(Table, AuditEntry.__table__)), list(entries))
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(last_seq=entries[-1]["seq"], last_hash=entries[-1]["entry_hash"])
        .execution_options(synchronize_session=False)
    )


def chain_head(session: Session) -> tuple[int, str] | None:
    """Return the recorded (last_seq, last_hash), or None when no head row exists."""
    row = session.execute(
        select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == HEAD_ID)
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def entries_in_order(session: Session, batch_size: int = 1000) -> Iterator[AuditEntry]:
    """Yield every entry in seq order, fetched `batch_size` rows at a time."""
    last = 0
    while True:
        query = select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq)
        rows = list(session.scalars(query.limit(batch_size)))
        yield from rows
        if len(rows) < batch_size:
            return
        last = rows[-1].seq


def entries_between(
    session: Session,
    since: datetime | None = None,
    until: datetime | None = None,
    action: str | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> list[AuditEntry]:
    """Return entries with since <= created_at < until (either bound optional), by seq."""
    query = select(AuditEntry)
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if until is not None:
        query = query.where(AuditEntry.created_at < until)
    if action:
        query = query.where(AuditEntry.action == action)
    query = query.order_by(AuditEntry.seq.desc() if newest_first else AuditEntry.seq)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def entries_before(
    session: Session, before_seq: int | None, limit: int, action: str | None = None
) -> list[AuditEntry]:
    """Return up to `limit` entries with seq < `before_seq` (all when None), newest first."""
    query = select(AuditEntry)
    if before_seq is not None:
        query = query.where(AuditEntry.seq < before_seq)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit)))


def count_entries(session: Session, action: str | None = None) -> int:
    """Return how many entries the log holds (of `action` only, when given)."""
    query = select(func.count()).select_from(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    return int(session.scalar(query) or 0)


def actions(session: Session) -> list[str]:
    """Return the distinct actions recorded, alphabetically (what the page filters by)."""
    query = select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    return list(session.scalars(query))
