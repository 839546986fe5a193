"""API key rows and dashboard session rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from keel.store.models import ApiKey, WebSession


def get_key(session: Session, key_id: str) -> ApiKey | None:
    """Return the key `key_id`, revoked or not, or None."""
    return session.get(ApiKey, key_id)


def all_keys(session: Session) -> list[ApiKey]:
    """Return every key, oldest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.key_id)))


def any_active_key(session: Session) -> bool:
    """Return whether at least one key is not revoked."""
    query = select(ApiKey.key_id).where(ApiKey.revoked_at.is_(None)).limit(1)
    return session.scalar(query) is not None


def add_web_session(session: Session, row: WebSession) -> None:
    """Store a dashboard session."""
    session.add(row)
    session.flush()


def live_web_session(session: Session, token_hash: str, now: datetime) -> WebSession | None:
    """Return the unexpired session stored under `token_hash`, or None."""
    row = session.get(WebSession, token_hash)
    return row if row is not None and row.expires_at > now else None


def drop_web_sessions(session: Session, token_hash: str, expired_before: datetime) -> None:
    """Delete the session `token_hash` and every session expired before `expired_before`."""
    session.execute(
        delete(WebSession).where(
            (WebSession.token_hash == token_hash) | (WebSession.expires_at < expired_before)
        )
    )
