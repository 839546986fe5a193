"""The real offline embedder, loaded once for the evaluate tests."""

from __future__ import annotations

import pytest

from keel.evaluate.embeddings import SentenceEmbedder, embedder


@pytest.fixture(scope="session")
def minilm() -> SentenceEmbedder:
    """all-MiniLM-L6-v2 from the bundled package (HF_HUB_OFFLINE)."""
    return embedder("all-MiniLM-L6-v2")
