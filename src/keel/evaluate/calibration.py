"""How well a per-task score predicts a task's reruns: the statistics of the validity study.

Every function takes one value per task (a ticket) as a 1-D array and returns plain numbers, so
bench/validity.py only measures and prints (docs/metrics.md, "Does the score predict
reliability?"):

- discrimination and rank agreement: `auroc` (Mann-Whitney U / n1 n2, ties half) and `spearman`;
- reliability of two measurements of the same tasks: `icc3` (ICC(3,1), Shrout & Fleiss 1979);
- a task-level percentile bootstrap of any of them: `task_bootstrap`;
- the **noise ceiling**: how well a second, independent estimate of the target from the same
  number of draws predicts the target (`noise_ceiling`); a score that sees R draws should not be
  expected to beat what R more draws of the target itself reach;
- calibration of a predicted rate in [0, 1] against an observed rate: `reliability_bins`,
  `expected_calibration_error` (equal-width bins, weighted by count; Naeini et al. 2015) and
  `brier_score` (mean squared error of the predicted rate against the observed rate);
- a monotone transform fitted on one half of the tasks and applied to the other: `isotonic_fit`
  (pool-adjacent-violators, Ayer et al. 1955), `fit_half` (which half a task id belongs to).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats


def auroc(score: np.ndarray, positive: np.ndarray) -> float:
    """Return the AUROC of `score` for the positive class (NaN when a class is empty)."""
    positive = positive.astype(bool)
    pos, neg = score[positive], score[~positive]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    u = stats.mannwhitneyu(pos, neg, alternative="two-sided").statistic
    return float(u / (len(pos) * len(neg)))


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Return Spearman's rank correlation of x and y (NaN when either is constant)."""
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(stats.spearmanr(x, y).statistic)


def icc3(a: np.ndarray, b: np.ndarray) -> float:
    """Return ICC(3,1): two-way mixed, consistency, single measurement (Shrout & Fleiss 1979)."""
    data = np.column_stack([a, b])
    n, k = data.shape
    grand = data.mean()
    ss_rows = k * np.sum((data.mean(axis=1) - grand) ** 2)
    ss_cols = n * np.sum((data.mean(axis=0) - grand) ** 2)
    ss_error = np.sum((data - grand) ** 2) - ss_rows - ss_cols
    ms_rows, ms_error = ss_rows / (n - 1), ss_error / ((n - 1) * (k - 1))
    denominator = ms_rows + (k - 1) * ms_error
    return float((ms_rows - ms_error) / denominator) if denominator > 0 else float("nan")


def task_bootstrap(
    metric: Callable[..., float], *columns: np.ndarray, rounds: int = 1000, seed: int = 0
) -> tuple[float, float] | None:
    """Return the percentile 95% interval of `metric(*columns)` over tasks resampled with
    replacement (None when no resample defines it, e.g. a predictor constant on few tasks)."""
    rng = np.random.default_rng(seed)
    n = len(columns[0])
    values = []
    for _ in range(rounds):
        index = rng.integers(0, n, n)
        value = metric(*(column[index] for column in columns))
        if math.isfinite(value):
            values.append(value)
    if not values:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def agreement_rate(decisions: list[object]) -> float:
    """Return the share of `decisions` equal to the most common one."""
    counts: dict[object, int] = {}
    for decision in decisions:
        counts[decision] = counts.get(decision, 0) + 1
    return max(counts.values()) / len(decisions)


@dataclass(frozen=True)
class NoiseCeiling:
    """How well an independent estimate of the target, from R draws, predicts the target."""

    spearman_rho: float
    auroc_flip: float


def noise_ceiling(second: np.ndarray, reference: np.ndarray, flips: np.ndarray) -> NoiseCeiling:
    """Return the rho of `second` (each task's agreement rate over R other unperturbed reruns)
    against `reference` (its rate over the reference reruns), and the AUROC of a low `second`
    for a flip among the reference reruns."""
    return NoiseCeiling(spearman(second, reference), auroc(-second, flips))


@dataclass(frozen=True)
class ReliabilityBin:
    """One bin of a reliability diagram: [low, high), its task count, mean predicted and
    mean observed rate (None when empty)."""

    low: float
    high: float
    count: int
    predicted: float | None
    observed: float | None


def reliability_bins(
    predicted: np.ndarray, observed: np.ndarray, bins: int = 10
) -> list[ReliabilityBin]:
    """Return `bins` equal-width bins over [0, 1] of the predicted rate (the last one closed)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.searchsorted(edges, predicted, side="right") - 1, 0, bins - 1)
    rows = []
    for b in range(bins):
        picked = index == b
        count = int(picked.sum())
        rows.append(
            ReliabilityBin(
                low=round(float(edges[b]), 9),
                high=round(float(edges[b + 1]), 9),
                count=count,
                predicted=float(predicted[picked].mean()) if count else None,
                observed=float(observed[picked].mean()) if count else None,
            )
        )
    return rows


def expected_calibration_error(
    predicted: np.ndarray, observed: np.ndarray, bins: int = 10
) -> float:
    """Return Σ_b (n_b / N) |mean predicted_b − mean observed_b| over equal-width bins."""
    total = len(predicted)
    return float(
        sum(
            b.count / total * abs((b.predicted or 0.0) - (b.observed or 0.0))
            for b in reliability_bins(predicted, observed, bins)
            if b.count
        )
    )


def brier_score(predicted: np.ndarray, observed: np.ndarray) -> float:
    """Return the mean of (predicted − observed)², the rates in [0, 1]."""
    return float(np.mean((predicted - observed) ** 2))


def isotonic_fit(x: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Return the non-decreasing least-squares fit of y on x (pool-adjacent-violators), as a
    function that interpolates linearly between the distinct x and holds flat beyond them."""
    keys, inverse = np.unique(np.asarray(x, dtype=float), return_inverse=True)
    ys = np.asarray(y, dtype=float)
    # One block per distinct x first (tied x get one fitted value): [mean, weight, how many x].
    blocks: list[list[float]] = []
    for key in range(len(keys)):
        part = ys[inverse == key]
        blocks.append([float(part.mean()), float(len(part)), 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            (v2, w2, n2), (v1, w1, n1) = blocks.pop(), blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    fitted = np.repeat([b[0] for b in blocks], [int(b[2]) for b in blocks])

    def transform(values: np.ndarray) -> np.ndarray:
        return np.interp(np.asarray(values, dtype=float), keys, fitted)

    return transform


def fit_half(task_id: str) -> bool:
    """Return True when `task_id` falls in the half a transform is fitted on (the first byte of
    its SHA-256 is even); the other half is where it is reported."""
    return hashlib.sha256(task_id.encode()).digest()[0] % 2 == 0


@dataclass(frozen=True)
class ThresholdRow:
    """What flagging tasks scoring below `threshold` catches of the tasks that flip."""

    threshold: float
    tickets: int
    flagged: int
    precision: float | None  # share of flagged tasks that flip
    recall: float | None  # share of flipping tasks flagged


def threshold_rows(
    score: np.ndarray, flips: np.ndarray, thresholds: tuple[float, ...]
) -> list[ThresholdRow]:
    """Return, per threshold, how many tasks score below it and their flip precision/recall."""
    flips = flips.astype(bool)
    rows = []
    for threshold in thresholds:
        flagged = score < threshold
        hits = int((flagged & flips).sum())
        rows.append(
            ThresholdRow(
                threshold=threshold,
                tickets=len(score),
                flagged=int(flagged.sum()),
                precision=hits / int(flagged.sum()) if flagged.any() else None,
                recall=hits / int(flips.sum()) if flips.any() else None,
            )
        )
    return rows
