"""Hybrid retrieval: bm25 and dense rankings fused by reciprocal rank, long documents chunked."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from keel.reference.world.articles import Article
from keel.reference.world.knowledge import KnowledgeBase
from keel.reference.world.retrieval import CHUNK_WORDS, HybridSearch, chunks, fused


class BagOfWords:
    """A deterministic stand-in for the sentence embedder: hashed word counts, normalised."""

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        rows = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in zip(rows, texts, strict=True):
            for word in text.lower().split():
                row[int(hashlib.md5(word.strip(".,?").encode()).hexdigest(), 16) % 64] += 1
            row /= max(np.linalg.norm(row), 1e-9)
        return rows


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    ranked = fused([["a", "b", "c"], ["b", "c", "a"]])
    assert [doc for doc, _ in ranked] == ["b", "a", "c"]
    assert ranked[0][1] == 1 / 62 + 1 / 61


@given(st.lists(st.lists(st.sampled_from("abcdefg"), unique=True), max_size=4))
def test_fusion_keeps_every_ranked_document_once(rankings: list[list[str]]) -> None:
    ranked = [doc for doc, _ in fused(rankings)]
    assert sorted(ranked) == sorted({doc for ranking in rankings for doc in ranking})


def test_a_long_document_is_cut_into_overlapping_titled_chunks() -> None:
    words = [f"w{i}" for i in range(3 * CHUNK_WORDS)]
    found = chunks(Article("long", "Wire limits", " ".join(words)))
    assert len(found) >= 3 and all(chunk.startswith("Wire limits. ") for chunk in found)
    assert words[-1] in found[-1] and len(chunks(Article("short", "T", "one two"))) == 1


def test_hybrid_search_finds_a_document_only_its_late_text_matches(tmp_path: Path) -> None:
    filler = " ".join(f"filler{i}" for i in range(2 * CHUNK_WORDS))
    articles = [
        Article("KB-1", "Card limits", f"{filler} The overdraft fee is thirty four dollars."),
        Article("KB-2", "Wire cut-off", "Wires sent before five leave the same day."),
        Article("KB-3", "ATM fees", "Out of network ATMs cost three dollars."),
    ]
    knowledge = KnowledgeBase(tmp_path / "knowledge.db")
    knowledge.create(articles)
    embed = BagOfWords()
    search = HybridSearch(knowledge, embed)
    hits = search.search("what is the overdraft fee", k=2)
    assert hits[0].id == "KB-1" and hits[0].title == "Card limits"
    assert (tmp_path / "knowledge.vectors.npz").exists()
    again = HybridSearch(knowledge, embed)  # a new process: the cached index is reused
    calls = embed.calls
    assert again.search("what is the overdraft fee", k=2)[0].id == "KB-1"
    assert embed.calls == calls + 1  # the query alone, no re-embedding of the documents


def test_the_dense_index_follows_documents_loaded_later(tmp_path: Path) -> None:
    knowledge = KnowledgeBase(tmp_path / "knowledge.db")
    knowledge.create([Article("KB-1", "Wires", "Wires leave the same day.")])
    search = HybridSearch(knowledge, BagOfWords())
    assert [h.id for h in search.search("dispute a card payment", k=3)] == ["KB-1"]
    knowledge.upsert([Article("KB-9", "Disputes", "Dispute a card payment within sixty days.")])
    assert search.search("dispute a card payment", k=3)[0].id == "KB-9"
