"""The hash chain as pure functions: an intact chain verifies, any change names its entry."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from keel.govern.chain import (
    GENESIS_HASH,
    ChainLink,
    canonical_details,
    entry_hash,
    verify_links,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def make_chain(n: int) -> list[ChainLink]:
    links, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        link = ChainLink(
            seq,
            T0 + timedelta(seconds=seq),
            "run.ingested",
            f"run:r{seq}",
            "cli:test",
            canonical_details({"n": seq}),
            prev,
        )
        link = dataclasses.replace(link, entry_hash=entry_hash(link))
        links.append(link)
        prev = link.entry_hash
    return links


def head_of(links: list[ChainLink]) -> tuple[int, str]:
    return (links[-1].seq, links[-1].entry_hash) if links else (0, GENESIS_HASH)


def test_untouched_chain_verifies() -> None:
    links = make_chain(5)
    result = verify_links(links, head_of(links))
    assert result.ok and result.checked == 5 and result.head_hash == links[-1].entry_hash


def test_empty_log_verifies_with_or_without_a_head() -> None:
    assert verify_links([], None).ok
    assert verify_links([], (0, GENESIS_HASH)).ok


def test_details_are_canonical_whatever_the_key_order() -> None:
    assert canonical_details({"b": 1, "a": [1, 2]}) == canonical_details({"a": [1, 2], "b": 1})


FIELDS = {
    "created_at": lambda link: link.created_at + timedelta(microseconds=1),
    "action": lambda link: link.action + "x",
    "subject": lambda link: link.subject + "x",
    "actor": lambda link: "cli:mallory",
    "details": lambda link: canonical_details({"n": -1}),
    "prev_hash": lambda link: "e" * 64,
    "entry_hash": lambda link: "f" * 64,
}


@given(n=st.integers(2, 8), data=st.data())
def test_any_edited_field_names_its_entry(n: int, data: st.DataObject) -> None:
    links = make_chain(n)
    index = data.draw(st.integers(0, n - 1))
    name = data.draw(st.sampled_from(sorted(FIELDS)))
    edited = dataclasses.replace(links[index], **{name: FIELDS[name](links[index])})
    tampered = [*links[:index], edited, *links[index + 1 :]]
    result = verify_links(tampered, head_of(links))
    assert not result.ok
    # A changed entry_hash is caught at the entry itself, or (for the last) by the head.
    assert result.broken_seq == index + 1


@given(n=st.integers(1, 8), data=st.data())
def test_any_deleted_entry_is_named(n: int, data: st.DataObject) -> None:
    links = make_chain(n)
    index = data.draw(st.integers(0, n - 1))
    result = verify_links([*links[:index], *links[index + 1 :]], head_of(links))
    assert not result.ok
    assert result.broken_seq == index + 1
    assert "missing" in (result.reason or "")


def test_rehashing_an_edited_entry_breaks_the_next_link() -> None:
    links = make_chain(4)
    edited = dataclasses.replace(links[1], actor="cli:mallory")
    edited = dataclasses.replace(edited, entry_hash=entry_hash(edited))
    result = verify_links([links[0], edited, *links[2:]], head_of(links))
    assert result.broken_seq == 3
    assert "does not link" in (result.reason or "")


def test_missing_head_row_with_entries_is_reported() -> None:
    result = verify_links(make_chain(2), None)
    assert not result.ok and "head" in (result.reason or "")
