"""Scoped API keys: create (shown once), revoke, list, and identify the key a request carries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from keel.auth.scopes import Scope, grants, key_hash, key_id_of, new_key, same_hash
from keel.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from keel.govern import audit
from keel.store import api_keys as key_store
from keel.store.models import ApiKey, utcnow

BOOTSTRAP_ID = "bootstrap"


@dataclass(frozen=True)
class Principal:
    """Who is acting: a key (by id and name) and its scope; anonymous has neither."""

    key_id: str | None
    name: str
    scope: Scope | None
    revoked: bool = False

    @property
    def actor(self) -> str:
        """Return how the audit log names this principal."""
        return self.name if self.key_id is None else f"key:{self.key_id}:{self.name}"


ANONYMOUS = Principal(None, "anonymous", None)
BOOTSTRAP = Principal(BOOTSTRAP_ID, "KEEL_API_KEY", Scope.ADMIN)


def key_subject(key_id: str) -> str:
    """Return the audit subject naming key `key_id`."""
    return f"key:{key_id}"


def create_key(session: Session, scope: Scope, name: str, actor: str) -> tuple[ApiKey, str]:
    """Store a new key and audit it; return the row and the key itself (shown only now)."""
    name = name.strip()
    if not 1 <= len(name) <= 128:
        raise InvalidInput("key name must be 1..128 characters", field="name")
    key_id, key = new_key()
    row = ApiKey(
        key_id=key_id,
        name=name,
        scope=scope.value,
        key_hash=key_hash(key),
        created_at=utcnow(),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    audit.append(session, "key.created", key_subject(key_id), actor, {"name": name, "scope": scope})
    return row, key


def revoke_key(session: Session, key_id: str, actor: str) -> ApiKey:
    """Mark key `key_id` revoked and audit it; NotFound or Conflict when it cannot be."""
    row = key_store.get_key(session, key_id)
    if row is None:
        raise NotFound(f"no API key with id {key_id!r}", field="key_id")
    if row.revoked_at is not None:
        raise Conflict(f"API key {key_id} was already revoked at {row.revoked_at}", field="key_id")
    row.revoked_at = utcnow()
    row.revoked_by = actor
    audit.append(session, "key.revoked", key_subject(key_id), actor, {"name": row.name})
    return row


def identify(session: Session, key: str, bootstrap_key: str | None) -> Principal:
    """Return the principal `key` stands for (possibly revoked); Unauthorized if unknown."""
    if bootstrap_key and same_hash(key_hash(key), key_hash(bootstrap_key)):
        return BOOTSTRAP
    key_id = key_id_of(key)
    row = key_store.get_key(session, key_id) if key_id else None
    if row is None or not same_hash(row.key_hash, key_hash(key)):
        raise Unauthorized("unknown API key", field="Authorization")
    return Principal(row.key_id, row.name, Scope(row.scope), revoked=row.revoked_at is not None)


def authorize(principal: Principal | None, needed: Scope, enforced: bool) -> Principal:
    """Return who may proceed with an action needing `needed`, or raise 401 / 403.

    `principal` is None when the request carried no credential; `enforced` says whether
    such a request must be refused (otherwise it proceeds as anonymous).
    """
    if principal is None:
        if not enforced:
            return ANONYMOUS
        raise Unauthorized(f"this needs an API key with scope {needed}", field="Authorization")
    if principal.revoked:
        raise Unauthorized(f"API key {principal.key_id} was revoked", field="Authorization")
    if principal.scope is None or not grants(principal.scope, needed):
        raise Forbidden(
            f"API key {principal.key_id} has scope {principal.scope}; this needs {needed}",
            field="Authorization",
        )
    return principal


def keys_configured(session: Session, bootstrap_key: str | None) -> bool:
    """Return whether any credential exists, which closes writes to anonymous callers."""
    return bool(bootstrap_key) or key_store.any_active_key(session)


def record_denial(
    session: Session, principal: Principal, needed: Scope, request_line: str, reason: str
) -> None:
    """Audit a refused request made with a known key (revoked, or of the wrong scope)."""
    subject = key_subject(principal.key_id or "?")
    details = {"needed": needed, "request": request_line, "reason": reason}
    audit.append(session, "auth.denied", subject, principal.actor, details)
