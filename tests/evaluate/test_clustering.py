from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keel.evaluate.clustering import complete_linkage_clusters, normalised_entropy


def test_entropy_of_one_cluster_is_zero_and_of_all_singletons_is_one() -> None:
    assert normalised_entropy([3, 3, 3, 3]) == 0.0
    assert normalised_entropy([0, 1, 2, 3]) == 1.0


def test_entropy_hand_computed() -> None:
    # sizes 2, 1, 1 over R = 4: H = 1.5 ln 2, normalised by ln 4
    assert normalised_entropy([0, 0, 1, 2]) == pytest.approx(1.5 * math.log(2) / math.log(4))


@given(st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=20))
def test_normalised_entropy_lies_in_unit_interval(labels: list[int]) -> None:
    assert 0.0 <= normalised_entropy(labels) <= 1.0


def test_complete_linkage_does_not_chain_through_a_middle_answer() -> None:
    # a~b and b~c pass the threshold but a and c do not: they may not share a cluster.
    similarity = np.array([[1.0, 0.85, 0.5], [0.85, 1.0, 0.85], [0.5, 0.85, 1.0]])
    labels = complete_linkage_clusters(similarity, threshold=0.8)
    assert labels[0] != labels[2]
    assert len(set(labels)) == 2


def test_pair_exactly_at_threshold_is_one_cluster() -> None:
    assert complete_linkage_clusters(np.array([[1.0, 0.8], [0.8, 1.0]]), 0.8) == [0, 0]


def test_labels_count_up_in_order_of_first_appearance() -> None:
    similarity = np.array([[1.0, 0.1, 0.95], [0.1, 1.0, 0.1], [0.95, 0.1, 1.0]])
    assert complete_linkage_clusters(similarity, 0.8) == [0, 1, 0]
