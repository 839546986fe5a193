"""The answer embedder drift uses for content drift; the model loads only when texts arrive."""

from __future__ import annotations

from collections.abc import Sequence

from keel.drift.baseline import Embed


def answer_embedder(name: str) -> Embed:
    """Return a callable mapping answer texts to unit vectors with sentence embedder `name`."""

    def embed(texts: list[str]) -> Sequence[Sequence[float]]:
        from keel.models.embeddings import embedder

        return embedder(name).encode(texts).tolist()

    return embed
