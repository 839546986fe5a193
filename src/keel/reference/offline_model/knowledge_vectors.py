"""Shipped sentence vectors of the world's knowledge articles, so no process embeds them again.

The grounded sampler embeds every article it reads: the whole text, each sentence and step, and its
topic. For the articles keel ships (`keel.reference.world`) those texts never change, yet on a fresh
process they took most of the embedding time of a batch of tickets (702 texts, a third of the demo's
CPU). keel therefore ships their all-MiniLM-L6-v2 vectors in
`keel/reference/offline_model/data/kb_vectors.npz` and the sampler's cache starts with them;
tickets, paraphrases, truncated or user-loaded articles are embedded as they come. A text whose
article changed is simply not found and is embedded then. Rebuild the file after editing the
articles with

    python -m keel.reference.offline_model.knowledge_vectors
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import numpy as np

from keel.reference.offline_model.composition import split_sentences
from keel.reference.offline_model.grounding import Document

SHIPPED = "data/kb_vectors.npz"


def article_texts(title: str, body: str, steps: Iterable[str], topic: str) -> list[str]:
    """Return the texts the sampler embeds for an article read in full (see grounding and
    composition: the document, its sentences, its steps, its topic)."""
    steps = tuple(steps)
    document = Document(id="", title=title, text=body, steps=steps, topic=topic)
    return [document.embed_text, *split_sentences(body), *steps, *([topic] if topic else [])]


def shipped_vectors(model_name: str) -> dict[str, np.ndarray]:
    """Return the shipped vectors by text when they were made with `model_name` (else none)."""
    resource = resources.files("keel.reference.offline_model").joinpath(SHIPPED)
    if not resource.is_file():
        return {}
    with resource.open("rb") as handle, np.load(handle) as data:
        if str(data["model"]) != model_name:
            return {}
        texts = json.loads(bytes(data["texts"]).decode("utf-8"))
        vectors = np.asarray(data["vectors"], dtype=np.float32)
    return dict(zip(texts, vectors, strict=True))


def build(target: Path) -> int:
    """Embed the world's article texts and write them to `target`; return how many."""
    from keel.models.embeddings import DEFAULT_EMBEDDER, SentenceEmbedder
    from keel.reference.world.articles import articles_fingerprint, world_articles

    texts = list(
        dict.fromkeys(
            text
            for a in world_articles()
            for text in article_texts(a.title, a.body, a.steps, a.topic)
        )
    )
    vectors = SentenceEmbedder(DEFAULT_EMBEDDER).encode(texts)
    np.savez_compressed(
        target,
        model=np.array(DEFAULT_EMBEDDER),
        fingerprint=np.array(articles_fingerprint()),
        texts=np.frombuffer(json.dumps(texts).encode("utf-8"), dtype=np.uint8),
        vectors=np.asarray(vectors, dtype=np.float32),
    )
    return len(texts)


if __name__ == "__main__":
    path = Path(str(resources.files("keel.reference.offline_model").joinpath(SHIPPED)))
    print(f"{build(path)} texts -> {path}")
