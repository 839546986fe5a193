"""Semantic clusters of answers and the entropy of their distribution (semantic entropy).

Answers are grouped by complete-linkage agglomerative clustering on embedding cosine: every
pair inside a cluster is at least `threshold` alike, so a cluster never chains together two
answers that say different things through a middle one (single linkage would). The normalised
entropy of the cluster sizes is the discrete semantic entropy of Kuhn et al. (2023) /
Farquhar et al. (2024), with cosine similarity standing in for bidirectional entailment.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence

import numpy as np

from keel.evaluate.generation import Generation
from keel.models.embeddings import Embedder

# Calibrated by bench/embedding_threshold.py: 0.60-0.70 tie on hand-written pairs (balanced
# accuracy 0.95); 0.70 is the strict end, since merging different answers hides instability
# while splitting paraphrases only lowers the score.
DEFAULT_COSINE_THRESHOLD = 0.7


def cosine_matrix(vectors: np.ndarray) -> np.ndarray:
    """Return pairwise cosine similarities of unit-length rows, clipped to [-1, 1]."""
    # Rounded to float32's precision, so identical texts compare as exactly 1.
    matrix = np.round(np.clip(vectors @ vectors.T, -1.0, 1.0).astype(np.float64), 6)
    np.fill_diagonal(matrix, 1.0)
    return matrix


def complete_linkage_clusters(similarity: np.ndarray, threshold: float) -> list[int]:
    """Return a cluster label per row; labels count up from 0 in order of first appearance."""
    count = similarity.shape[0]
    if count == 0:
        return []
    if count == 1:
        return [0]
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    distance = np.clip(1.0 - similarity, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="complete")
    # A tiny epsilon keeps a pair exactly at the threshold together despite float rounding.
    raw = fcluster(tree, t=1.0 - threshold + 1e-9, criterion="distance")
    order: dict[int, int] = {}
    return [order.setdefault(int(label), len(order)) for label in raw]


def normalised_entropy(labels: Sequence[Hashable] | np.ndarray, base: int | None = None) -> float:
    """Return H(label distribution) / log(base), in [0, 1]; base defaults to the label count.

    0 means every label is the same; 1 means every item is alone (when base = item count).
    """
    total = len(labels)
    base = total if base is None else base
    if total == 0 or base < 2:
        return 0.0
    entropy = -sum(
        (n / total) * math.log(n / total)
        for n in Counter(x.item() if isinstance(x, np.generic) else x for x in labels).values()
    )
    # Rounded so that all-equal and all-distinct land exactly on 0 and 1.
    return min(1.0, max(0.0, round(entropy / math.log(base), 12)))


def answer_clusters(
    generations: Sequence[Generation], embed: Embedder, threshold: float, field: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Return a semantic cluster per generation (each failure alone) and the cosine matrix of
    their answers, read from output `field` (NaN in the rows and columns of failures)."""
    size = len(generations)
    ok = [i for i, g in enumerate(generations) if not g.failed]
    cosine = np.full((size, size), np.nan)
    labels = np.empty(size, dtype=np.int64)
    if ok:
        vectors = embed.encode([generations[i].answer_text(field) or "" for i in ok])
        sub = cosine_matrix(vectors)
        cosine[np.ix_(ok, ok)] = sub
        labels[ok] = complete_linkage_clusters(sub, threshold)
    next_label = int(labels[ok].max()) + 1 if ok else 0
    for i, generation in enumerate(generations):
        if generation.failed:
            labels[i] = next_label
            next_label += 1
    return labels, cosine
