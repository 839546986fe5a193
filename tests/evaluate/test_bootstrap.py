from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from keel.evaluate.bootstrap import (
    modal_shares,
    normalised_entropies,
    pair_means,
    percentile_interval,
    resample_rows,
    resampled_sums,
)
from keel.evaluate.clustering import normalised_entropy
from keel.evaluate.fields import modal_share, pair_mean


@st.composite
def resamples(draw: st.DrawFn) -> tuple[int, np.ndarray]:
    size = draw(st.integers(1, 7))
    rows = draw(
        arrays(np.int64, (draw(st.integers(1, 5)), size), elements=st.integers(0, size - 1))
    )
    return size, rows


@given(resamples(), st.data())
def test_batched_statistics_equal_the_one_set_versions(
    sample: tuple[int, np.ndarray], data: st.DataObject
) -> None:
    size, rows = sample
    labels = np.array(data.draw(st.lists(st.integers(0, 3), min_size=size, max_size=size)))
    codes = np.array(data.draw(st.lists(st.integers(-1, 2), min_size=size, max_size=size)))
    matrix = data.draw(arrays(np.float64, (size, size), elements=st.floats(0, 1)))
    for index, row in enumerate(rows):
        assert normalised_entropies(labels, rows)[index] == pytest.approx(
            normalised_entropy(labels[row])
        )
        assert modal_shares(codes, rows)[index] == pytest.approx(modal_share(codes[row]))
        assert pair_means(matrix, rows)[index] == pytest.approx(pair_mean(matrix, row))


def test_resamples_are_seeded() -> None:
    assert np.array_equal(resample_rows(8, 100, seed=3), resample_rows(8, 100, seed=3))
    assert not np.array_equal(resample_rows(8, 100, seed=3), resample_rows(8, 100, seed=4))


def test_percentile_interval_of_a_uniform_grid() -> None:
    assert percentile_interval(np.arange(101, dtype=float), 0.9) == pytest.approx((5.0, 95.0))


@given(st.integers(1, 30), st.integers(1, 60), st.integers(0, 2**16))
def test_resampled_sums_draw_g_rows_per_resample(groups: int, samples: int, seed: int) -> None:
    stats = np.column_stack([np.ones(groups), np.arange(groups, dtype=float)])
    sums = resampled_sums(stats, samples, seed, block=7)
    assert sums.shape == (samples, 2)
    assert (sums[:, 0] == groups).all()
    assert ((sums[:, 1] >= 0) & (sums[:, 1] <= groups * (groups - 1))).all()
    assert (resampled_sums(stats, samples, seed, block=7) == sums).all()
