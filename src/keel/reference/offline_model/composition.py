"""Composing an answer by sampling sentences and steps from weighted documents (extractive).

Each candidate (a sentence of a document's text, or one of its steps) gets the logit
`log(document weight) + similarity(candidate, request) / scale`; the sampler draws the answer's
sentences and the next steps without replacement from the tempered softmax of those logits, then
lays them out in reading order. The documents whose words were used are the citations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from keel.models.embeddings import SentenceEmbedder
from keel.reference.offline_model.grounding import Document
from keel.reference.offline_model.sampling import sample_without_replacement

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_MIN_SENTENCE_WORDS = 4


def split_sentences(text: str) -> list[str]:
    """Return the sentences of `text` that carry content (at least four words)."""
    parts = (part.strip() for part in _SENTENCE_END.split(text.strip()))
    return [part for part in parts if len(part.split()) >= _MIN_SENTENCE_WORDS]


@dataclass(frozen=True)
class Candidate:
    """One unit a composition can use: where it comes from and its text."""

    document: int
    position: int
    text: str


@dataclass(frozen=True)
class Composition:
    """Sampled sentences and steps in reading order, and the documents they came from."""

    sentences: list[str]
    steps: list[str]
    used_documents: list[int]


def _candidates(documents: Sequence[Document], steps: bool) -> list[Candidate]:
    out = []
    for d, document in enumerate(documents):
        units = list(document.steps) if steps else split_sentences(document.text)
        out.extend(Candidate(d, p, unit) for p, unit in enumerate(units))
    return out


@dataclass(frozen=True)
class CompositionParameters:
    """How much to take and how sharply to prefer relevant candidates."""

    max_sentences: int = 3
    max_steps: int = 3
    similarity_scale: float = 0.05
    temperature: float = 0.7
    # documents weighing less than this share of the heaviest one are not drawn from
    min_relative_weight: float = 0.2


def _draw(
    candidates: list[Candidate],
    query: np.ndarray,
    weights: np.ndarray,
    k: int,
    settings: CompositionParameters,
    embedder: SentenceEmbedder,
    rng: np.random.Generator,
) -> list[Candidate]:
    candidates = [c for c in candidates if weights[c.document] > 0]
    if not candidates or k <= 0:
        return []
    similarity = embedder.encode([c.text for c in candidates]) @ query
    doc_weight = np.array([weights[c.document] for c in candidates])
    logits = np.log(np.maximum(doc_weight, 1e-12)) + similarity / settings.similarity_scale
    chosen = sample_without_replacement(logits, k, settings.temperature, rng)
    return sorted((candidates[i] for i in chosen), key=lambda c: (c.document, c.position))


def compose(
    documents: Sequence[Document],
    query: np.ndarray,
    weights: np.ndarray,
    settings: CompositionParameters,
    embedder: SentenceEmbedder,
    rng: np.random.Generator,
) -> Composition:
    """Return sentences and steps sampled from `documents` weighted by `weights`."""
    if len(weights) and weights.max() > 0:
        weights = np.where(weights >= settings.min_relative_weight * weights.max(), weights, 0.0)
    sentences = _draw(
        _candidates(documents, steps=False),
        query,
        weights,
        settings.max_sentences,
        settings,
        embedder,
        rng,
    )
    steps = _draw(
        _candidates(documents, steps=True),
        query,
        weights,
        settings.max_steps,
        settings,
        embedder,
        rng,
    )
    used = sorted({c.document for c in sentences} | {c.document for c in steps})
    return Composition([c.text for c in sentences], [c.text for c in steps], used)
