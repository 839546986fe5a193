"""Checking an exported extract file on its own: pure, built with the chain's own functions."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest

from keel.core.errors import InvalidInput
from keel.govern.chain import GENESIS_HASH, ChainLink, canonical_details, entry_hash
from keel.govern.export_check import verify_extract


def chain(n: int) -> list[ChainLink]:
    links, prev = [], GENESIS_HASH
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for seq in range(1, n + 1):
        link = ChainLink(
            seq,
            start + timedelta(minutes=seq),
            "run.ingested",
            f"run:r{seq}",
            "anonymous",
            canonical_details({"channel": "api", "n": seq}),
            prev,
        )
        prev = entry_hash(link)
        links.append(dataclasses.replace(link, entry_hash=prev))
    return links


def export_lines(
    links: list[ChainLink], head: ChainLink, since: str | None = None, until: str | None = None
) -> list[str]:
    header = {
        "record": "extract",
        "since": since,
        "until": until,
        "entries": len(links),
        "chain": {
            "ok": True,
            "checked": head.seq,
            "head_seq": head.seq,
            "head_hash": head.entry_hash,
            "broken_seq": None,
            "reason": None,
        },
    }
    rows = [
        {
            "record": "audit_entry",
            **{**link.__dict__, "created_at": link.created_at.isoformat()},
            "details": json.loads(link.details),
            "run": None,
        }
        for link in links
    ]
    return [json.dumps(header), *map(json.dumps, rows)]


def test_a_whole_export_verifies_and_a_cut_end_does_not() -> None:
    links = chain(5)
    assert verify_extract(export_lines(links, links[-1])).ok
    tail_cut = verify_extract(export_lines(links[:4], links[-1]))
    assert not tail_cut.ok and "missing" in (tail_cut.reason or "")
    head_cut = verify_extract(export_lines(links[1:], links[-1]))
    assert not head_cut.ok and head_cut.broken_seq == 1


def test_a_window_checks_its_links_but_not_its_start() -> None:
    links = chain(6)
    window = export_lines(links[2:5], links[-1], since="x", until="y")
    assert verify_extract(window).ok
    gap = export_lines([links[2], links[4]], links[-1], since="x", until="y")
    result = verify_extract(gap)
    assert not result.ok and result.broken_seq == 4


def test_an_edited_detail_or_a_broken_source_is_named() -> None:
    links = chain(3)
    lines = export_lines(links, links[-1])
    edited = json.loads(lines[2])
    edited["details"]["n"] = 99
    lines[2] = json.dumps(edited)
    result = verify_extract(lines)
    assert (
        not result.ok
        and result.reason == "entry 2 was modified (its hash does not match its content)"
    )
    broken_header = json.loads(export_lines(links, links[-1])[0])
    broken_header["chain"].update(ok=False, broken_seq=2, reason="entry 2 was modified")
    source = verify_extract([json.dumps(broken_header)])
    assert not source.ok and "exporting database" in (source.reason or "")


@pytest.mark.parametrize("lines", [[], ["not json"], ['{"record": "audit_entry"}']])
def test_a_file_that_is_not_an_export_is_invalid_input(lines: list[str]) -> None:
    with pytest.raises(InvalidInput) as caught:
        verify_extract(lines)
    assert caught.value.field == "file"
