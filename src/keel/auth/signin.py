"""Dashboard sign-in: a key is exchanged for a session whose random token lives in a cookie.

Only the token's SHA-256 is stored, next to the key it stands for and a CSRF token. Every
request re-reads the key, so revoking a key ends its sessions at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from keel.auth.keys import BOOTSTRAP, Principal
from keel.auth.scopes import Scope, key_hash, same_hash
from keel.store import api_keys as key_store
from keel.store.models import WebSession, utcnow

COOKIE_NAME = "keel_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class SignedIn:
    """A live dashboard session: who it is, and the CSRF token its forms must carry."""

    principal: Principal
    csrf_token: str


def _bootstrap_ref(bootstrap_key: str) -> str:
    return "bootstrap:" + key_hash(bootstrap_key)[:24]


def sign_in(
    session: Session, principal: Principal, bootstrap_key: str | None, ttl_s: int
) -> tuple[str, str]:
    """Store a session for `principal`; return (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    if principal is BOOTSTRAP and bootstrap_key:
        ref = _bootstrap_ref(bootstrap_key)
    elif principal.key_id is not None:
        ref = principal.key_id
    else:
        raise ValueError("only a key can sign in")
    now = utcnow()
    key_store.add_web_session(
        session,
        WebSession(
            token_hash=key_hash(token),
            key_id=ref,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_s),
        ),
    )
    return token, csrf


def signed_in(session: Session, token: str, bootstrap_key: str | None) -> SignedIn | None:
    """Return the live session behind cookie `token`, or None (unknown, expired, key gone)."""
    row = key_store.live_web_session(session, key_hash(token), utcnow())
    if row is None:
        return None
    if row.key_id.startswith("bootstrap:"):
        if bootstrap_key and same_hash(row.key_id, _bootstrap_ref(bootstrap_key)):
            return SignedIn(BOOTSTRAP, row.csrf_token)
        return None
    key = key_store.get_key(session, row.key_id)
    if key is None:
        return None
    principal = Principal(key.key_id, key.name, Scope(key.scope), key.revoked_at is not None)
    return SignedIn(principal, row.csrf_token)


def sign_out(session: Session, token: str) -> None:
    """End the session behind `token` (and sweep expired ones)."""
    key_store.drop_web_sessions(session, key_hash(token), utcnow())
