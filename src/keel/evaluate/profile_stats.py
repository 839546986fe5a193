"""The per-item statistics of the reliability profile, and the formulas that read their sums.

Every metric of keel.evaluate.profile is a function of column sums of one small vector per item
(a ticket and every run of it). So the point estimate reads the sums over all items, and the
cluster bootstrap (keel.evaluate.bootstrap.resampled_sums) the sums over resampled items, with
the same formula. Definitions and sources: docs/metrics.md, "Reliability profile".
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import combinations

import numpy as np

from keel.evaluate.trajectory import step_levenshtein

#: Confidence (and stability) is read on a grid of 1/20 steps: calibration and discrimination
#: are then sums of a (level x correct) count table, so items resample as rows of counts.
LEVELS = 21
ECE_BINS = 10


def outcome_agreement(decisions: Sequence[str | None]) -> float:
    """Return the share of run pairs whose decisions agree (a U-statistic of order 2).

    A missing decision (a failed run) is a value of its own: two failures agree, a failure and
    an answer do not.
    """
    pairs = list(combinations(decisions, 2))
    return sum(a == b for a, b in pairs) / len(pairs)


def outcome_consistency(correct: Sequence[bool]) -> float:
    """Return 1 - p(1-p) / (1/4): 1 when every run is right or every run wrong, 0 at half."""
    p = sum(correct) / len(correct)
    return 1.0 - 4.0 * p * (1.0 - p)


def pass_hat_k(correct: Sequence[bool], k: int) -> float:
    """Return C(c, k) / C(n, k): the chance that k runs drawn without replacement all pass."""
    return math.comb(sum(correct), k) / math.comb(len(correct), k)


def tool_mix_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Return 1 - the Jensen-Shannon divergence (base 2) of two runs' tool-name frequencies.

    Two runs that call no tool are alike (1); one that calls none and one that does, not (0).
    """
    if not a or not b:
        return 1.0 if not a and not b else 0.0
    ca, cb = Counter(a), Counter(b)
    names = sorted(ca.keys() | cb.keys())
    p = np.array([ca[n] for n in names], dtype=float) / len(a)
    q = np.array([cb[n] for n in names], dtype=float) / len(b)
    m = (p + q) / 2.0

    def kl(x: np.ndarray) -> float:
        mask = x > 0
        return float((x[mask] * np.log2(x[mask] / m[mask])).sum())

    return min(1.0, max(0.0, 1.0 - (kl(p) + kl(q)) / 2.0))


def tool_order_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Return 1 - the Levenshtein distance of two tool-name sequences over the longer length."""
    return 1.0 - step_levenshtein([Counter([t]) for t in a], [Counter([t]) for t in b])


Similarity = Callable[[Sequence[str], Sequence[str]], float]


@lru_cache(maxsize=1 << 16)
def _similar(similarity: Similarity, a: tuple[str, ...], b: tuple[str, ...]) -> float:
    # Reruns of an agent mostly repeat a few tool paths: each pair of paths is scored once.
    return similarity(a, b)


def mean_pairwise(paths: Sequence[Sequence[str]], similarity: Similarity) -> float:
    """Return the mean of `similarity` over every pair of `paths`."""
    pairs = list(combinations([tuple(p) for p in paths], 2))
    return sum(_similar(similarity, a, b) for a, b in pairs) / len(pairs)


def resource_consistency(columns: Sequence[Sequence[float]]) -> float:
    """Return the mean over resources of exp(-CV), CV = population sd / mean across reruns.

    A resource that is 0 in every run does not vary (CV 0).
    """
    scores = []
    for values in columns:
        array = np.asarray(values, dtype=float)
        mean = float(array.mean())
        cv = 0.0 if mean == 0 else float(array.std()) / abs(mean)
        scores.append(math.exp(-cv))
    return sum(scores) / len(scores)


def level(value: float, top: float = 1.0) -> int:
    """Return the grid level (0..20) of `value` in [0, top]."""
    return min(LEVELS - 1, max(0, round(value / top * (LEVELS - 1))))


def count_table(levels: Sequence[int], positive: Sequence[bool]) -> list[float]:
    """Return the flattened (level x [negative, positive]) counts of scored cases."""
    table = [0.0] * (2 * LEVELS)
    for lvl, pos in zip(levels, positive, strict=True):
        table[2 * lvl + int(pos)] += 1
    return table


def auroc(tables: np.ndarray) -> np.ndarray:
    """Return P(score of a positive > a negative's) + 1/2 P(tie), per row of count tables.

    Rows are flattened (level x [negative, positive]) tables; NaN where one class is empty.
    """
    counts = tables.reshape(*tables.shape[:-1], LEVELS, 2)
    negative, positive = counts[..., 0], counts[..., 1]
    below = np.cumsum(negative, axis=-1) - negative
    wins = (positive * below).sum(axis=-1) + 0.5 * (positive * negative).sum(axis=-1)
    pairs = positive.sum(axis=-1) * negative.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pairs > 0, wins / np.where(pairs > 0, pairs, 1), np.nan)


def calibration(tables: np.ndarray) -> np.ndarray:
    """Return 1 - ECE (10 equal-width bins) per row of count tables of confidence levels."""
    counts = tables.reshape(*tables.shape[:-1], LEVELS, 2)
    confidence = np.arange(LEVELS) / (LEVELS - 1)
    bins = np.minimum((confidence * ECE_BINS).astype(int), ECE_BINS - 1)
    total = counts.sum(axis=-1)
    n = total.sum(axis=-1)
    gap = np.zeros(n.shape)
    for b in range(ECE_BINS):
        members = bins == b
        conf = (total[..., members] * confidence[members]).sum(axis=-1)
        right = counts[..., members, 1].sum(axis=-1)
        gap = gap + np.abs(right - conf)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, 1.0 - gap / np.where(n > 0, n, 1), np.nan)
