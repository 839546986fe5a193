"""The shipped article vectors: current with the articles, and equal to what the model computes."""

from __future__ import annotations

from importlib import resources

import numpy as np

from keel.models.embeddings import DEFAULT_EMBEDDER, SentenceEmbedder
from keel.reference.offline_model.knowledge_vectors import SHIPPED, article_texts, shipped_vectors
from keel.reference.world.articles import articles_fingerprint, world_articles


def test_the_shipped_file_covers_every_text_of_the_current_articles() -> None:
    with (
        resources.files("keel.reference.offline_model").joinpath(SHIPPED).open("rb") as handle,
        np.load(handle) as data,
    ):
        fingerprint = str(data["fingerprint"])
    assert fingerprint == articles_fingerprint(), (
        "the articles changed: python -m keel.reference.offline_model.knowledge_vectors"
    )
    shipped = shipped_vectors(DEFAULT_EMBEDDER)
    wanted = {
        text for a in world_articles() for text in article_texts(a.title, a.body, a.steps, a.topic)
    }
    assert wanted and wanted <= set(shipped)


def test_shipped_vectors_are_the_models_own() -> None:
    shipped = shipped_vectors(DEFAULT_EMBEDDER)
    texts = sorted(shipped)[::97]
    fresh = SentenceEmbedder(DEFAULT_EMBEDDER, batch_size=1).encode(texts)
    np.testing.assert_allclose(np.stack([shipped[t] for t in texts]), fresh, atol=1e-5)


def test_another_model_gets_no_shipped_vectors() -> None:
    assert shipped_vectors("some-other-model") == {}
