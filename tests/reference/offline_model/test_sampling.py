"""Sampling primitives: properties that hold for any logits."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from keel.reference.offline_model.sampling import (
    sample_index,
    sample_without_replacement,
    softmax_rows,
    tempered_softmax,
)

logits_lists = st.lists(
    st.floats(min_value=-50, max_value=50, allow_nan=False), min_size=1, max_size=12
)
temperatures = st.floats(min_value=0.05, max_value=5.0)


@given(logits_lists, temperatures)
def test_tempered_softmax_is_a_distribution(logits: list[float], temperature: float) -> None:
    probs = tempered_softmax(np.array(logits), temperature)
    assert np.all(probs >= 0) and abs(probs.sum() - 1.0) < 1e-9


@given(logits_lists)
def test_temperature_zero_is_greedy(logits: list[float]) -> None:
    probs = tempered_softmax(np.array(logits), 0.0)
    assert probs[int(np.argmax(logits))] == 1.0
    assert sample_index(np.array(logits), 0.0, np.random.default_rng(1)) == int(np.argmax(logits))


@given(logits_lists, temperatures, st.integers(0, 2**32 - 1), st.integers(0, 15))
def test_draws_without_replacement_are_distinct_and_reproducible(
    logits: list[float], temperature: float, seed: int, k: int
) -> None:
    array = np.array(logits)
    first = sample_without_replacement(array, k, temperature, np.random.default_rng(seed))
    again = sample_without_replacement(array, k, temperature, np.random.default_rng(seed))
    assert first == again
    assert len(first) == len(set(first)) == min(k, len(logits))


def test_lower_temperature_concentrates_the_draws() -> None:
    logits = np.array([1.0, 0.8, 0.0])
    hot = [sample_index(logits, 2.0, np.random.default_rng(s)) for s in range(400)]
    cold = [sample_index(logits, 0.1, np.random.default_rng(s)) for s in range(400)]
    assert cold.count(0) > hot.count(0)


def test_softmax_rows_normalises_each_row() -> None:
    rows = softmax_rows(np.array([[0.0, 0.0], [10.0, 0.0]]))
    assert np.allclose(rows.sum(axis=1), 1.0)
    assert rows[0, 0] == 0.5 and rows[1, 0] > 0.99
