"""The offline model's sample depends on the request, not on the seed alone (as a real model's).

Seeded by the seed alone, every ticket of a batch run with one seed drew the same random numbers:
a batch's category shares moved with the seed (at seed 2, 27 of 30 tickets were WITHDRAWAL).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2_contingency

from keel.core.settings import Settings
from keel.models import CompletionRequest, load_model
from keel.reference.agents.support.classify import classify
from keel.reference.offline_model.grounded_sampler import request_generator
from keel.reference.world import World

SEEDS = range(6)
PER_BATCH = 48


@pytest.fixture(scope="module")
def sampler() -> Any:
    return load_model("offline", Settings())


@pytest.mark.slow
def test_a_batchs_category_shares_do_not_depend_on_its_seed(
    sampler: Any, built_world: World
) -> None:
    tickets = built_world.tickets()
    batch = tickets[:: len(tickets) // PER_BATCH][:PER_BATCH]
    table = []
    for seed in SEEDS:  # every ticket of a batch with one seed, as `keel run support` does
        got = Counter(
            classify(sampler, built_world.knowledge, t.text, seed=seed, temperature=1.0).category
            for t in batch
        )
        table.append(got)
    labels = sorted({label for row in table for label in row})
    counts = [[row.get(label, 0) for label in labels] for row in table]
    _chi2, p_value, _dof, _expected = chi2_contingency(counts)
    # Independent draws per request: seed x category independence is not rejected. With the
    # seed-only stream the same test gave p = 2e-11 on these tickets.
    assert p_value > 0.01, counts


@settings(max_examples=50, deadline=None)
@given(text=st.text(min_size=1, max_size=80), other=st.text(min_size=1, max_size=80))
def test_two_requests_with_one_seed_draw_different_numbers(text: str, other: str) -> None:
    first = CompletionRequest(task="answer", inputs={"text": text}, seed=7)
    second = CompletionRequest(task="answer", inputs={"text": other}, seed=7)
    draws = request_generator(first).random(4), request_generator(second).random(4)
    assert (draws[0] == draws[1]).all() == (text == other)


def test_the_same_request_and_seed_sample_the_same_answer(sampler: Any, built_world: World) -> None:
    text = built_world.tickets()[3].text
    first = classify(sampler, built_world.knowledge, text, seed=5, temperature=1.0)
    again = classify(sampler, built_world.knowledge, text, seed=5, temperature=1.0)
    assert first == again
