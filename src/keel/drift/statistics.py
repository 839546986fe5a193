"""Two-sample tests for drift indicators: each gives a statistic, a p-value and an effect size.

References: Pearson's chi-square test of homogeneity with Cramér's V; Jensen–Shannon distance
(Lin 1991); Population Stability Index (Yurdakul 2018, the 0.1 / 0.25 bands are industry
guidance, not a test); Kolmogorov–Smirnov and Mann–Whitney U with the rank-biserial correlation
(Kerby 2014); kernel MMD with a permutation test (Gretton et al. 2012); the two-proportion
z-test with Cohen's h; Benjamini–Hochberg (1995) false discovery rate control.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon


@dataclass(frozen=True)
class TestResult:
    """Outcome of one two-sample test."""

    __test__ = False  # not a pytest class

    statistic: float
    p_value: float
    effect_size: float
    effect_name: str


def _aligned(baseline: Mapping[str, int], window: Mapping[str, int]) -> np.ndarray:
    keys = sorted(set(baseline) | set(window))
    return np.array([[baseline.get(k, 0) for k in keys], [window.get(k, 0) for k in keys]], float)


def chi_square(baseline: Mapping[str, int], window: Mapping[str, int]) -> TestResult:
    """Chi-square test that two category counts come from one distribution; effect: Cramér's V."""
    table = _aligned(baseline, window)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return TestResult(0.0, 1.0, 0.0, "cramers_v")
    result = stats.chi2_contingency(table, correction=False)
    n = table.sum()
    cramers_v = math.sqrt(result.statistic / (n * (min(table.shape) - 1)))
    return TestResult(float(result.statistic), float(result.pvalue), cramers_v, "cramers_v")


def js_distance(baseline: Mapping[str, int], window: Mapping[str, int]) -> float:
    """Jensen–Shannon distance (base 2, in [0, 1]) between two category distributions."""
    table = _aligned(baseline, window)
    if (table.sum(axis=1) == 0).any():
        return 0.0
    return float(jensenshannon(table[0], table[1], base=2))


def psi(baseline: Mapping[str, int], window: Mapping[str, int], floor: float = 1e-4) -> float:
    """Population Stability Index; < 0.1 stable, 0.1–0.25 moderate, > 0.25 major shift."""
    table = _aligned(baseline, window)
    if (table.sum(axis=1) == 0).any():
        return 0.0
    expected = np.maximum(table[0] / table[0].sum(), floor)
    actual = np.maximum(table[1] / table[1].sum(), floor)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def ks(baseline: Sequence[float], window: Sequence[float]) -> TestResult:
    """Two-sample Kolmogorov–Smirnov test; the effect is the KS distance D itself."""
    if len(baseline) == 0 or len(window) == 0:
        return TestResult(0.0, 1.0, 0.0, "ks_d")
    result = stats.ks_2samp(baseline, window)
    distance = float(result.statistic)
    return TestResult(distance, float(result.pvalue), distance, "ks_d")


def mann_whitney(baseline: Sequence[float], window: Sequence[float]) -> TestResult:
    """Mann–Whitney U test; effect: rank-biserial correlation (window above baseline > 0)."""
    if len(baseline) == 0 or len(window) == 0:
        return TestResult(0.0, 1.0, 0.0, "rank_biserial")
    if np.ptp(np.concatenate([baseline, window])) == 0:
        return TestResult(0.0, 1.0, 0.0, "rank_biserial")
    result = stats.mannwhitneyu(window, baseline, alternative="two-sided")
    effect = 2.0 * result.statistic / (len(baseline) * len(window)) - 1.0
    return TestResult(float(result.statistic), float(result.pvalue), float(effect), "rank_biserial")


def _rbf_kernel(points: np.ndarray) -> np.ndarray:
    sq = np.sum(points**2, axis=1)
    distances = np.maximum(sq[:, None] + sq[None, :] - 2.0 * points @ points.T, 0.0)
    positive = distances[distances > 0]
    bandwidth = float(np.median(positive)) if positive.size else 1.0  # median heuristic
    return np.exp(-distances / bandwidth)


def _mmd2(kernel: np.ndarray, in_x: np.ndarray) -> np.ndarray:
    """Biased MMD² for each row of `in_x` (a boolean mask of sample X over the pooled points)."""
    x = in_x.astype(float)
    y = 1.0 - x
    kx, ky = x @ kernel, y @ kernel
    nx, ny = x.sum(axis=-1), y.sum(axis=-1)
    xx = np.sum(kx * x, axis=-1) / nx**2
    yy = np.sum(ky * y, axis=-1) / ny**2
    xy = np.sum(kx * y, axis=-1) / (nx * ny)
    return xx + yy - 2.0 * xy


def mmd_permutation(
    baseline: np.ndarray, window: np.ndarray, permutations: int = 200, seed: int = 0
) -> TestResult:
    """Kernel two-sample test (RBF MMD², median bandwidth) with a permutation p-value."""
    if len(baseline) < 2 or len(window) < 2:
        return TestResult(0.0, 1.0, 0.0, "mmd2")
    kernel = _rbf_kernel(np.vstack([baseline, window]).astype(float))
    in_x = np.zeros(len(kernel), dtype=bool)
    in_x[: len(baseline)] = True
    observed = float(_mmd2(kernel, in_x))
    rng = np.random.default_rng(seed)
    shuffled = np.stack([rng.permutation(in_x) for _ in range(permutations)])
    exceed = int(np.sum(_mmd2(kernel, shuffled) >= observed - 1e-12))
    p_value = (exceed + 1) / (permutations + 1)
    return TestResult(observed, p_value, observed, "mmd2")


def two_proportions(
    baseline_hits: int, baseline_n: int, window_hits: int, window_n: int
) -> TestResult:
    """Two-proportion z-test (pooled); effect: Cohen's h (window minus baseline)."""
    if baseline_n == 0 or window_n == 0:
        return TestResult(0.0, 1.0, 0.0, "cohens_h")
    p1, p2 = baseline_hits / baseline_n, window_hits / window_n
    pooled = (baseline_hits + window_hits) / (baseline_n + window_n)
    variance = pooled * (1 - pooled) * (1 / baseline_n + 1 / window_n)
    h = 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1))
    if variance == 0:
        return TestResult(0.0, 1.0, h, "cohens_h")
    z = (p2 - p1) / math.sqrt(variance)
    return TestResult(z, float(2 * stats.norm.sf(abs(z))), h, "cohens_h")


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Return Benjamini–Hochberg adjusted p-values, in the input order."""
    if not p_values:
        return []
    return [float(p) for p in stats.false_discovery_control(np.asarray(p_values, float))]
