"""Check an exported JSON Lines extract on its own, without the database it came from.

What a file can prove: every entry's hash matches its content and links to the entry before
(`govern.chain`, the same check `keel audit verify` runs on the database); the header's
count matches the entries; the exporting database's chain was intact. An export of the whole
log (no `--since`) must also start at the genesis, and one with no `--until` must end at the
head the header recorded, so entries cut from either end show. A window's own first link
cannot be checked: the entry before it is not in the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from keel.core.errors import InvalidInput
from keel.govern.chain import (
    GENESIS_HASH,
    ChainLink,
    Verification,
    canonical_details,
    verify_links,
)

_FIELDS = ("seq", "created_at", "action", "subject", "actor", "details", "prev_hash", "entry_hash")


def _link(record: dict[str, Any], line_no: int) -> ChainLink:
    missing = [name for name in _FIELDS if name not in record]
    if missing:
        raise InvalidInput(f"line {line_no}: audit_entry lacks {', '.join(missing)}", field="file")
    try:
        return ChainLink(
            int(record["seq"]),
            datetime.fromisoformat(record["created_at"]),
            str(record["action"]),
            str(record["subject"]),
            str(record["actor"]),
            canonical_details(record["details"]),
            str(record["prev_hash"]),
            str(record["entry_hash"]),
        )
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"line {line_no}: {exc}", field="file") from exc


def parse_extract(lines: Iterable[str]) -> tuple[dict[str, Any], list[ChainLink]]:
    """Return the header record and the entries' links of a JSON Lines extract."""
    header: dict[str, Any] | None = None
    links: list[ChainLink] = []
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"line {line_no} is not JSON: {exc.msg}", field="file") from exc
        kind = record.get("record") if isinstance(record, dict) else None
        if kind == "extract" and header is None and not links:
            header = record
        elif kind == "audit_entry" and header is not None:
            links.append(_link(record, line_no))
        else:
            wanted = "an extract header" if header is None else "an audit_entry"
            raise InvalidInput(f"line {line_no}: expected {wanted}", field="file")
    if header is None:
        raise InvalidInput("no extract header (is it `keel audit export`?)", field="file")
    return header, links


def verify_extract(lines: Iterable[str]) -> Verification:
    """Return the verification of an exported extract (see the module docstring)."""
    header, links = parse_extract(lines)
    chain = header.get("chain") or {}
    head = (int(chain.get("head_seq", 0)), str(chain.get("head_hash", GENESIS_HASH)))
    if not chain.get("ok"):
        reason = f"the exporting database's chain was broken: {chain.get('reason')}"
        return Verification(False, 0, head[0], head[1], chain.get("broken_seq"), reason)
    if header.get("entries") != len(links):
        reason = f"the header counts {header.get('entries')} entries, the file holds {len(links)}"
        return Verification(False, 0, head[0], head[1], None, reason)
    if not links:
        return Verification(True, 0, head[0], head[1])
    whole = header.get("since") is None
    start = (1, GENESIS_HASH) if whole else (links[0].seq, links[0].prev_hash)
    end = head if header.get("until") is None else (links[-1].seq, links[-1].entry_hash)
    return verify_links(links, end, start)
