"""Reading retrieved context the way the grounded sampler does: documents, attention, labels.

Attention concentrates on the documents most similar to the request, and decays with position
(LLMs attend more to early context, Liu et al. 2023, "Lost in the Middle"). Similarity does not
depend on order, so reordering the same documents shifts the weights, as it does for an LLM,
while the documents' content stays what it is. The same weights decide the label and which
documents the answer is composed from.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from keel.core.errors import InvalidInput
from keel.models.embeddings import SentenceEmbedder
from keel.reference.offline_model.sampling import softmax_rows

_PROTOTYPE_SPLIT = re.compile(r"(?<=[.;,])\s+")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Document:
    """A retrieved document as the model sees it, in context order."""

    id: str
    title: str
    text: str
    steps: tuple[str, ...] = ()
    source: str = "knowledge"
    topic: str = ""  # the knowledge base's own grouping of the document, when it has one

    @property
    def embed_text(self) -> str:
        """Return the text that stands for the whole document in embedding space."""
        return f"{self.title}. {self.text}".strip(". ")


def documents_from(raw: Sequence[Mapping[str, Any]]) -> list[Document]:
    """Return `raw` document dicts as Documents, or raise InvalidInput naming the bad one."""
    documents = []
    for index, item in enumerate(raw):
        try:
            documents.append(
                Document(
                    id=str(item["id"]),
                    title=str(item.get("title") or ""),
                    text=str(item.get("text") or ""),
                    steps=tuple(str(step) for step in item.get("steps") or ()),
                    source=str(item.get("source") or "knowledge"),
                    topic=str(item.get("topic") or ""),
                )
            )
        except (KeyError, TypeError):
            raise InvalidInput(
                f"documents[{index}] needs an id", field=f"documents[{index}]"
            ) from None
    return documents


_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "my",
        "of",
        "on",
        "or",
        "our",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)


def terms(text: str) -> set[str]:
    """Return the content words of `text`, lower-cased, with a plural `s` dropped."""
    words = (w[:-1] if len(w) > 3 and w.endswith("s") else w for w in _WORD.findall(text.lower()))
    return {w for w in words if w not in _STOPWORDS}


@dataclass(frozen=True)
class LabelSpace:
    """Candidate labels with their description prototypes (embedded) and weighted terms."""

    names: tuple[str, ...]
    prototypes: tuple[np.ndarray, ...]
    term_weights: tuple[dict[str, float], ...] = ()

    def lexical(self, texts: Sequence[str]) -> np.ndarray:
        """Return (len(texts), len(names)): each label's share of the weight of matched terms.

        A term weighs log(labels / labels whose description has it), so words that set one
        label apart count and words every label shares count nothing.
        """
        out = np.zeros((len(texts), len(self.names)))
        for row, text in enumerate(texts):
            words = terms(text)
            matched = [
                sum(w for t, w in weights.items() if t in words) for weights in self.term_weights
            ]
            total = sum(matched)
            if total > 0:
                out[row] = np.array(matched) / total
        return out

    def similarity(self, vectors: np.ndarray) -> np.ndarray:
        """Return (len(vectors), len(names)): each row's best cosine to each label's prototypes."""
        if len(vectors) == 0:
            return np.zeros((0, len(self.names)))
        return np.stack([(vectors @ protos.T).max(axis=1) for protos in self.prototypes], axis=1)


def label_space(labels: Mapping[str, str], embedder: SentenceEmbedder) -> LabelSpace:
    """Return the label space of `labels` ({name: description}); each sentence is a prototype."""
    if not labels:
        raise InvalidInput("at least one label is needed", field="labels")
    names = tuple(labels)
    prototypes = []
    for name in names:
        parts = [p for p in _PROTOTYPE_SPLIT.split(str(labels[name]).strip()) if p] or [name]
        prototypes.append(embedder.encode([f"{name.lower()}: {part}" for part in parts]))
    label_terms = [terms(f"{name} {labels[name]}") for name in names]
    document_frequency = Counter(t for words in label_terms for t in words)
    weights = tuple(
        {t: math.log(len(names) / document_frequency[t]) for t in words} for words in label_terms
    )
    return LabelSpace(names, tuple(prototypes), weights)


def request_similarity(
    text: str, vector: np.ndarray, space: LabelSpace, embedder: SentenceEmbedder
) -> np.ndarray:
    """Return each label's similarity to a request: the mean of whole-text and best-sentence.

    A request that asks two things ("I paid ATM fees. Can I deduct them from my taxes?") scores
    high on both labels through its sentences, even when its whole text leans one way.
    """
    whole = space.similarity(vector[None, :])[0]
    sentences = [s for s in _SENTENCE_SPLIT.split(text.strip()) if s]
    if len(sentences) < 2:
        return whole
    best = space.similarity(embedder.encode(sentences)).max(axis=0)
    return 0.5 * whole + 0.5 * best


def attention(
    query: np.ndarray, documents: np.ndarray, decay: float, temperature: float
) -> np.ndarray:
    """Return how much each document is read when deciding the label: weights summing to 1.

    softmax(cosine to the request / temperature) times decay**position, renormalised: like an
    LLM's attention, the reading concentrates on the documents most relevant to the request
    (BM25 rank alone often puts a keyword match above the article that answers it), and
    earlier context still counts a little more than later context.
    """
    if len(documents) == 0:
        return np.zeros(0)
    similarity = documents @ query
    position = decay ** np.arange(len(documents), dtype=np.float64)
    weights = np.exp((similarity - similarity.max()) / temperature) * position
    return weights / weights.sum()


def label_mixture(
    query_similarity: np.ndarray,
    document_similarity: np.ndarray,
    attended: np.ndarray,
    shares: tuple[float, float],
    scales: tuple[float, float],
) -> np.ndarray:
    """Return label probabilities as a mixture of readings: the request's own and one per document.

    The request's reading is softmax(request score / scales[0]); each document's is
    softmax((request score + shares[1] x that document's contrast) / scales[1]), sharper, as a
    reading backed by an article is surer than one from the request alone. The request's
    reading weighs `shares[0]`, the documents' the rest, split by attention. When the request
    or the relevant documents speak for different labels (a ticket that sits between two of
    them), the probability splits between those labels; when everything agrees, it stays on
    one. Without documents it is the request's reading alone.
    """
    request = query_similarity - query_similarity.mean()
    alone = softmax_rows(request[None, :] / scales[0])[0]
    if len(attended) == 0:
        return alone
    request_share, document_share = shares
    contrast = document_similarity - document_similarity.mean(axis=1, keepdims=True)
    readings = softmax_rows((request[None, :] + document_share * contrast) / scales[1])
    return request_share * alone + (1.0 - request_share) * (attended @ readings)
