"""Statistics over many index sets at once, for the seeded percentile bootstrap (Efron 1979).

Each function takes `rows`, an integer matrix of shape (B, R): B sets of R generation indices
(one set = the original order; a bootstrap = B resamples with replacement), and returns one
value per set, so B = 1000 resamples cost a few array operations instead of a Python loop.
"""

from __future__ import annotations

import math

import numpy as np

_BLOCK = 250  # resamples per block: bounds memory at B x R x R floats per block


def resample_rows(size: int, samples: int, seed: int) -> np.ndarray:
    """Return `samples` resamples with replacement of range(size), seeded (shape samples x size)."""
    return np.random.default_rng(seed).integers(0, size, (samples, size))


def pair_means(matrix: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Return, per row, the mean of `matrix` over its distinct position pairs (1.0 if none)."""
    first, second = np.triu_indices(rows.shape[1], k=1)
    if first.size == 0:
        return np.ones(rows.shape[0])
    means = [
        matrix[block[:, first], block[:, second]].mean(axis=1)
        for block in np.array_split(rows, max(1, math.ceil(len(rows) / _BLOCK)))
    ]
    return np.concatenate(means)


def _counts(labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Return, per row, how often each label value (0..max) occurs among the picked labels."""
    picked = labels[rows]
    width = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 1
    counts = np.zeros((rows.shape[0], width), dtype=np.int64)
    for value in range(width):
        counts[:, value] = (picked == value).sum(axis=1)
    return counts


def normalised_entropies(labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Return, per row, H(label distribution) / log R in [0, 1] (0 when R < 2)."""
    size = rows.shape[1]
    if size < 2:
        return np.zeros(rows.shape[0])
    shares = _counts(labels, rows) / size
    terms = np.where(shares > 0, shares * np.log(np.where(shares > 0, shares, 1.0)), 0.0)
    return np.clip(np.round(-terms.sum(axis=1) / math.log(size), 12), 0.0, 1.0)


def modal_shares(codes: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Return, per row, the share holding the most common code (-1, a failure, never counts)."""
    return (
        _counts(codes, rows).max(axis=1) / rows.shape[1]
        if codes.max(initial=-1) >= 0
        else (np.zeros(rows.shape[0]))
    )


def percentile_interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    """Return the central `confidence` percentile interval of `values`."""
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(values, [tail, 100.0 - tail])
    return float(low), float(high)


def resampled_sums(stats: np.ndarray, samples: int, seed: int, block: int = 25) -> np.ndarray:
    """Return column sums of `stats` (G x M) over `samples` resamples of its rows (samples x M).

    A cluster bootstrap: each resample draws G rows with replacement, and a statistic that is
    a function of column sums is then one array operation over all resamples. Resamples go in
    blocks as a weight matrix (how often each row was drawn) times `stats`, so memory stays at
    `block` x G whatever the number of resamples.
    """
    groups = stats.shape[0]
    if groups == 0:
        return np.zeros((samples, stats.shape[1]))
    rng = np.random.default_rng(seed)
    sums = []
    for start in range(0, samples, block):
        size = min(block, samples - start)
        drawn = rng.integers(0, groups, (size, groups))
        flat = (np.arange(size)[:, None] * groups + drawn).ravel()
        weights = np.bincount(flat, minlength=size * groups).reshape(size, groups)
        sums.append(weights @ stats)
    return np.concatenate(sums)
