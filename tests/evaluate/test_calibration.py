from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keel.evaluate.calibration import (
    agreement_rate,
    auroc,
    brier_score,
    expected_calibration_error,
    fit_half,
    icc3,
    isotonic_fit,
    noise_ceiling,
    reliability_bins,
    spearman,
    task_bootstrap,
    threshold_rows,
)


def test_auroc_counts_pairs_and_ties_half() -> None:
    # positives 0.35, 0.8 against negatives 0.1, 0.4: 3 of 4 pairs ordered
    score = np.array([0.1, 0.4, 0.35, 0.8])
    assert auroc(score, np.array([False, False, True, True])) == 0.75
    assert auroc(np.array([1.0, 1.0]), np.array([True, False])) == 0.5
    assert math.isnan(auroc(score, np.zeros(4, dtype=bool)))


def test_spearman_is_nan_for_a_constant() -> None:
    assert spearman(np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])) == pytest.approx(-1.0)
    assert math.isnan(spearman(np.array([1.0, 1.0, 1.0]), np.array([1.0, 2.0, 3.0])))


def test_icc3_by_hand() -> None:
    # a constant offset is perfect consistency
    assert icc3(np.array([1.0, 2.0, 3.0]), np.array([2.0, 3.0, 4.0])) == pytest.approx(1.0)
    # rows (1,3) (2,2) (3,1): row means all 2, SS_error 4, MS_error 2: (0 - 2) / (0 + 2)
    assert icc3(np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])) == pytest.approx(-1.0)


def test_agreement_rate_is_the_modal_share() -> None:
    assert agreement_rate(["a", "a", "b", "c"]) == 0.5
    assert agreement_rate([("X", True)] * 3) == 1.0


def test_noise_ceiling_by_hand() -> None:
    ceiling = noise_ceiling(
        np.array([0.5, 1.0, 0.75]), np.array([0.6, 1.0, 0.7]), np.array([True, False, True])
    )
    assert ceiling.spearman_rho == pytest.approx(1.0)
    assert ceiling.auroc_flip == 1.0


def test_reliability_bins_ece_and_brier_by_hand() -> None:
    predicted = np.array([0.2, 0.4, 0.5, 1.0])
    observed = np.array([0.0, 1.0, 1.0, 1.0])
    low, high = reliability_bins(predicted, observed, bins=2)
    assert (low.count, low.predicted, low.observed) == (2, pytest.approx(0.3), 0.5)
    # 0.5 opens the upper bin; 1.0 is in the last, closed bin
    assert (high.count, high.predicted, high.observed) == (2, 0.75, 1.0)
    assert expected_calibration_error(predicted, observed, bins=2) == pytest.approx(
        0.5 * 0.2 + 0.5 * 0.25
    )
    assert brier_score(predicted, observed) == pytest.approx((0.04 + 0.36 + 0.25 + 0.0) / 4)


def test_an_empty_bin_has_no_means() -> None:
    bins = reliability_bins(np.array([0.95]), np.array([1.0]), bins=10)
    assert [b.count for b in bins] == [0] * 9 + [1]
    assert bins[0].predicted is None and bins[0].observed is None


def test_isotonic_fit_pools_violators_and_interpolates() -> None:
    transform = isotonic_fit(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 3.0, 2.0, 4.0]))
    np.testing.assert_allclose(transform(np.array([1.0, 2.0, 3.0, 4.0])), [1.0, 2.5, 2.5, 4.0])
    np.testing.assert_allclose(transform(np.array([0.0, 3.5, 9.0])), [1.0, 3.25, 4.0])


def test_isotonic_fit_gives_tied_x_one_value() -> None:
    transform = isotonic_fit(np.array([1.0, 1.0, 2.0]), np.array([0.0, 1.0, 0.0]))
    # (0.5 x 2 + 0 x 1) / 3 for both x
    np.testing.assert_allclose(transform(np.array([1.0, 2.0])), [1 / 3, 1 / 3])


@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=30))
def test_isotonic_fit_is_monotone(points: list[tuple[float, float]]) -> None:
    x, y = (np.array(column) for column in zip(*points, strict=True))
    fitted = isotonic_fit(x, y)(np.sort(x))
    assert np.all(np.diff(fitted) >= -1e-12)
    assert fitted.min() >= y.min() - 1e-12 and fitted.max() <= y.max() + 1e-12


def test_task_bootstrap_is_seeded_and_none_when_undefined() -> None:
    x = np.arange(20.0)
    assert task_bootstrap(spearman, x, x) == pytest.approx((1.0, 1.0))
    noisy = np.random.default_rng(3).normal(size=20)
    first = task_bootstrap(spearman, x, x + 10 * noisy, rounds=200, seed=5)
    assert first == task_bootstrap(spearman, x, x + 10 * noisy, rounds=200, seed=5)
    assert first is not None and first[0] < first[1]
    assert task_bootstrap(spearman, np.ones(5), x[:5]) is None


def test_fit_half_splits_ids_about_evenly_and_stably() -> None:
    ids = [f"T-{i:04d}" for i in range(1, 413)]
    share = sum(map(fit_half, ids)) / len(ids)
    assert 0.4 < share < 0.6
    assert [fit_half(i) for i in ids] == [fit_half(i) for i in ids]


def test_threshold_rows_by_hand() -> None:
    score = np.array([40.0, 65.0, 75.0, 95.0])
    flips = np.array([True, False, True, False])
    below_50, below_70, below_100 = threshold_rows(score, flips, (50.0, 70.0, 100.0))
    assert (below_50.flagged, below_50.precision, below_50.recall) == (1, 1.0, 0.5)
    assert (below_70.flagged, below_70.precision, below_70.recall) == (2, 0.5, 0.5)
    assert (below_100.flagged, below_100.precision, below_100.recall) == (4, 0.5, 1.0)
    assert threshold_rows(score, flips, (10.0,))[0].precision is None
