"""Hybrid retrieval over a knowledge base: bm25 (SQLite FTS5) fused with a dense index.

    rank(d) = Σ over rankings r of 1 / (RRF_K + rank_r(d))      reciprocal rank fusion

(Cormack, Clarke & Büttcher, SIGIR 2009; RRF_K = 60 as there). The two rankings are the
knowledge base's own bm25 over whole documents (`KnowledgeBase.search`), and cosine similarity
of the query to each document's best chunk under the shared sentence embedder
(all-MiniLM-L6-v2, `keel.models.embeddings`): a document is cut into chunks of `CHUNK_WORDS`
words overlapping by `CHUNK_OVERLAP`, each led by the title, because the embedder reads at most
256 word pieces and a long document's later text would otherwise never be seen. Each ranking
contributes its best `CANDIDATES` documents. No cross-encoder rerank: none is available offline.

The dense index is built on first search and cached beside knowledge.db
(`knowledge.vectors.npz`), keyed by a digest of every document's text, so a `keel kb load`
or a rebuilt world re-embeds only when the documents changed.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from keel.models.embeddings import Embedder
from keel.reference.world.articles import Article
from keel.reference.world.knowledge import MAX_K, KnowledgeBase, SearchHit

RRF_K = 60
CANDIDATES = 50
CHUNK_WORDS = 120
CHUNK_OVERLAP = 30
SNIPPET_CHARS = 200


def chunks(article: Article) -> list[str]:
    """Return `article` as overlapping word windows, each led by its title."""
    words = " ".join([article.body, *article.steps]).split()
    step = CHUNK_WORDS - CHUNK_OVERLAP
    starts = range(0, max(1, len(words) - CHUNK_OVERLAP), step) if words else range(1)
    return [f"{article.title}. {' '.join(words[start : start + CHUNK_WORDS])}" for start in starts]


def fused(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Return ids by reciprocal rank fusion of `rankings` (best first), with their scores."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, doc_id in enumerate(ranking, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def corpus_digest(articles: Sequence[Article]) -> str:
    """Return a digest of what the dense index embeds (ids, titles, bodies, steps)."""
    digest = hashlib.sha256(f"{CHUNK_WORDS}:{CHUNK_OVERLAP}".encode())
    for article in articles:
        for part in (article.id, article.title, article.body, *article.steps):
            digest.update(part.encode())
            digest.update(b"\0")
    return digest.hexdigest()


@dataclass(frozen=True, eq=False)
class DenseIndex:
    """Chunk vectors (L2-normalised rows), the document of each chunk, and the documents."""

    vectors: np.ndarray
    chunk_doc: np.ndarray
    doc_ids: tuple[str, ...]
    titles: tuple[str, ...]
    chunk_texts: tuple[str, ...]
    digest: str

    @classmethod
    def build(cls, articles: Sequence[Article], embed: Embedder, digest: str) -> DenseIndex:
        """Return the index of `articles`, every chunk embedded."""
        texts, owners = [], []
        for index, article in enumerate(articles):
            for chunk in chunks(article):
                texts.append(chunk)
                owners.append(index)
        vectors = embed.encode(texts) if texts else np.zeros((0, 384), dtype=np.float32)
        return cls(
            np.asarray(vectors, dtype=np.float32),
            np.asarray(owners, dtype=np.int64),
            tuple(a.id for a in articles),
            tuple(a.title for a in articles),
            tuple(texts),
            digest,
        )

    def save(self, path: Path) -> None:
        """Write the index to `path` (npz), atomically."""
        staging = path.with_name(path.name + ".tmp.npz")
        np.savez(
            staging,
            vectors=self.vectors,
            chunk_doc=self.chunk_doc,
            doc_ids=np.array(self.doc_ids, dtype=object),
            titles=np.array(self.titles, dtype=object),
            chunk_texts=np.array(self.chunk_texts, dtype=object),
            digest=np.array(self.digest),
        )
        staging.replace(path)

    @classmethod
    def load(cls, path: Path) -> DenseIndex | None:
        """Return the index saved at `path`, or None when there is none or it is unreadable."""
        try:
            with np.load(path, allow_pickle=True) as data:
                return cls(
                    data["vectors"],
                    data["chunk_doc"],
                    tuple(data["doc_ids"]),
                    tuple(data["titles"]),
                    tuple(data["chunk_texts"]),
                    str(data["digest"]),
                )
        except (OSError, KeyError, ValueError):
            return None

    def ranking(self, query_vector: np.ndarray, limit: int) -> list[str]:
        """Return the ids of the `limit` documents whose best chunk is nearest the query."""
        return self.nearest(self.vectors @ query_vector, limit) if len(self.vectors) else []

    def snippet(self, similarity: np.ndarray, document: int) -> str:
        """Return the text of `document`'s chunk nearest the query, title cut off, capped."""
        rows = np.flatnonzero(self.chunk_doc == document)
        text = self.chunk_texts[int(rows[np.argmax(similarity[rows])])]
        text = text.removeprefix(f"{self.titles[document]}. ")
        return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"

    def nearest(self, similarity: np.ndarray, limit: int) -> list[str]:
        """Return the ids of the `limit` documents with the best chunk `similarity`."""
        # a document's chunks are contiguous rows: its score is the max over its slice
        best = np.maximum.reduceat(similarity, self.first_rows)
        limit = min(limit, len(best))
        top = np.argpartition(-best, limit - 1)[:limit]
        top = top[np.lexsort((top, -best[top]))]  # best first; ties by index, deterministic
        return [self.doc_ids[i] for i in top]

    @cached_property
    def positions(self) -> dict[str, int]:
        """Return each document id's position."""
        return {doc_id: i for i, doc_id in enumerate(self.doc_ids)}

    @cached_property
    def first_rows(self) -> np.ndarray:
        """Return the first chunk row of each document (every document has at least one)."""
        return np.searchsorted(self.chunk_doc, np.arange(len(self.doc_ids)))


class HybridSearch:
    """Search a knowledge base by bm25 and dense similarity, fused by reciprocal rank."""

    def __init__(self, knowledge: KnowledgeBase, embed: Embedder) -> None:
        self.knowledge = knowledge
        self.embed = embed
        self.cache_path = knowledge.path.with_name("knowledge.vectors.npz")
        self._index: DenseIndex | None = None
        self._seen: tuple[int, int, int] | None = None
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keel-bm25")

    def index(self) -> DenseIndex:
        """Return the dense index of the knowledge base as it is now (built or loaded once).

        The documents are re-read only when knowledge.db's file changed (a load, a rebuild).
        """
        with self._lock:
            stat = self.knowledge.path.stat()
            seen = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            if self._index is not None and seen == self._seen:
                return self._index
            articles = self.knowledge.all()
            digest = corpus_digest(articles)
            if self._index is None or self._index.digest != digest:
                found = DenseIndex.load(self.cache_path)
                if found is None or found.digest != digest:
                    found = DenseIndex.build(articles, self.embed, digest)
                    found.save(self.cache_path)
                self._index = found
            self._seen = seen
            return self._index

    def warm(self) -> None:
        """Load the embedder and the dense index now, not on the first search."""
        self.index()
        self.embed.encode(["warm up"])

    def search(self, query: str, k: int = 5) -> list[SearchHit]:
        """Return up to `k` documents for `query`, best first (score: the fused RRF score)."""
        if not query.strip():
            return []
        index = self.index()
        # bm25 (SQLite) and the query's embedding (torch) both release the GIL: run them at once
        lexical_future = self._pool.submit(self.knowledge.ranked_ids, query, CANDIDATES)
        similarity = index.vectors @ self.embed.encode([query])[0]
        dense = index.nearest(similarity, CANDIDATES) if len(index.vectors) else []
        lexical = lexical_future.result()
        position = index.positions
        # a document loaded between the two rankings waits for the next index refresh
        best = [hit for hit in fused([lexical, dense]) if hit[0] in position][: min(k, MAX_K)]
        return [
            SearchHit(
                doc_id,
                index.titles[position[doc_id]],
                index.snippet(similarity, position[doc_id]),  # its chunk nearest the query
                round(score, 6),
            )
            for doc_id, score in best
        ]
