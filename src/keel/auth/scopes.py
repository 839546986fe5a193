"""API key scopes and what each allows, and the shape of a key: pure functions, no storage.

A key reads `keel_<key_id>_<secret>`: the id is public (it names the key in lists, logs and
the audit trail); only the SHA-256 of the whole key is stored. Keys are 256-bit random, so a
plain hash is enough (password stretching protects guessable secrets, not random ones).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets


class Scope(enum.StrEnum):
    INGEST = "ingest"
    READ = "read"
    REVIEW = "review"
    ADMIN = "admin"


#: What a key of each scope may do. Ingest keys sit on exporters and only write runs;
#: reviewers need to read what they review; admin may do everything.
GRANTS: dict[Scope, frozenset[Scope]] = {
    Scope.INGEST: frozenset({Scope.INGEST}),
    Scope.READ: frozenset({Scope.READ}),
    Scope.REVIEW: frozenset({Scope.REVIEW, Scope.READ}),
    Scope.ADMIN: frozenset(Scope),
}

_TOKEN = re.compile(r"^keel_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


def grants(held: Scope, needed: Scope) -> bool:
    """Return whether a key of scope `held` may do what needs `needed`."""
    return needed in GRANTS[held]


def new_key() -> tuple[str, str]:
    """Return (key_id, key) for a fresh random key."""
    key_id = secrets.token_hex(6)
    return key_id, f"keel_{key_id}_{secrets.token_urlsafe(32)}"


def key_id_of(key: str) -> str | None:
    """Return the id inside `key`, or None when it is not shaped like a keel key."""
    match = _TOKEN.match(key)
    return match.group(1) if match else None


def key_hash(key: str) -> str:
    """Return the SHA-256 hex digest under which `key` is stored."""
    return hashlib.sha256(key.encode()).hexdigest()


def same_hash(a: str, b: str) -> bool:
    """Return whether two digests are equal, in time independent of where they differ."""
    return hmac.compare_digest(a.encode(), b.encode())
