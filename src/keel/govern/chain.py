"""The audit hash chain as pure functions: hash an entry, and find the first broken link.

entry_hash = SHA-256( canonical JSON of {seq, created_at, action, subject, actor, details,
prev_hash} ), where `details` is itself canonical JSON text and `prev_hash` is the hash of the
entry before (GENESIS_HASH for the first). Changing any field of any entry changes its hash;
deleting an entry leaves a gap in `seq` and a `prev_hash` that points at nothing; deleting the
newest entries leaves the head (kept in its own row) pointing past the end.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_details(details: dict[str, Any] | None) -> str:
    """Return `details` as canonical JSON text (sorted keys, no spaces, non-JSON as strings)."""
    return json.dumps(
        details or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


@dataclass(frozen=True)
class ChainLink:
    """The hashed fields of one audit entry, plus the hash stored with it."""

    seq: int
    created_at: datetime
    action: str
    subject: str
    actor: str
    details: str
    prev_hash: str
    entry_hash: str = ""


def entry_hash(link: ChainLink) -> str:
    """Return the SHA-256 hex digest that `link` should carry."""
    body = {
        "seq": link.seq,
        "created_at": link.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "action": link.action,
        "subject": link.subject,
        "actor": link.actor,
        "details": link.details,
        "prev_hash": link.prev_hash,
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a chain: how many entries, and the first broken one if any."""

    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str | None = None


def verify_links(
    links: Iterable[ChainLink],
    head: tuple[int, str] | None,
    start: tuple[int, str] = (1, GENESIS_HASH),
) -> Verification:
    """Return whether `links` (in seq order) form an unbroken chain ending at `head`.

    `head` is the recorded (last_seq, last_hash), or None when no head row exists. `start` is
    the (seq, prev_hash) the first link must have: the genesis for a whole chain, the first
    entry's own for an exported window, whose links can be checked but not its beginning.
    """
    expected_seq, prev = start
    checked = 0
    for link in links:
        problem = _link_problem(link, expected_seq, prev)
        if problem is not None:
            broken, reason = problem
            return Verification(False, checked, expected_seq - 1, prev, broken, reason)
        checked += 1
        expected_seq, prev = link.seq + 1, link.entry_hash
    last_seq = expected_seq - 1
    if head is None:
        if last_seq == 0:
            return Verification(True, 0, 0, GENESIS_HASH)
        return Verification(
            False, checked, last_seq, prev, last_seq, "the chain head record is missing"
        )
    head_seq, head_hash = head
    if head_seq > last_seq:
        reason = f"entries {last_seq + 1}..{head_seq} are missing (the head records {head_seq})"
        return Verification(False, checked, last_seq, prev, last_seq + 1, reason)
    if head_seq != last_seq or head_hash != prev:
        reason = f"the chain head ({head_seq}) does not match the last entry ({last_seq})"
        return Verification(False, checked, last_seq, prev, last_seq, reason)
    return Verification(True, checked, last_seq, prev)


def _link_problem(link: ChainLink, expected_seq: int, prev: str) -> tuple[int, str] | None:
    """Return (seq named as broken, why) for a link that does not continue the chain."""
    if link.seq > expected_seq:
        missing = (
            f"{expected_seq}"
            if link.seq == expected_seq + 1
            else (f"{expected_seq}..{link.seq - 1}")
        )
        before = f"entry {expected_seq - 1}" if expected_seq > 1 else "the start of the log"
        return expected_seq, f"entry {missing} is missing (deleted): {link.seq} follows {before}"
    if link.seq < expected_seq:
        return link.seq, f"entry {link.seq} is out of order after {expected_seq - 1}"
    if link.prev_hash != prev:
        return link.seq, f"entry {link.seq} does not link to entry {link.seq - 1} (prev_hash)"
    if entry_hash(link) != link.entry_hash:
        return link.seq, f"entry {link.seq} was modified (its hash does not match its content)"
    return None
