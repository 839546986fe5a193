"""Over the world's labelled tickets, ambiguous ones score lower stability than clear ones.

Each ticket gets a small budget of the support draft with the offline default (temperature
0.7): the base, seed-only redraws and redraws with the retrieved documents reordered (P2), in
process like the accuracy test, so 60 tickets fit in well under a minute. The claim is about the
set, so it is a one-sided Mann-Whitney U test (Mann & Whitney 1947) over 30 ambiguous and 30
clear tickets taken at a fixed stride, not a comparison of two hand-picked tickets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from keel.core.settings import Settings
from keel.evaluate.generation import BASE, SEED_ONLY, Generation
from keel.evaluate.stability import StabilityConfig, stability
from keel.models import CompletionRequest, load_model
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.reference.agents.support import instructions
from keel.reference.agents.support.classify import retrieved_documents
from keel.reference.world import World
from keel.replay.shuffle import apply_order, shuffled_order

PER_GROUP = 30
BUDGET = 6  # generations per ticket: base, 2 seed-only, 3 with the documents reordered
ALPHA = 0.05


def _budget_score(model: Any, knowledge: Any, text: str) -> float:
    documents = retrieved_documents(knowledge, text, 5)
    generations = []
    for index in range(BUDGET):
        reordered = index % 2 == 1
        context = (
            apply_order(documents, shuffled_order(len(documents), 100 + index))
            if reordered
            else documents
        )
        request = CompletionRequest(
            task="answer",
            inputs={
                "text": text,
                "labels": instructions.CATEGORY_DESCRIPTIONS,
                "documents": context,
                "disclaimers": instructions.DISCLAIMERS,
                "review": instructions.REVIEW_CRITERIA,
            },
            seed=index,
            temperature=0.7,
        )
        label = "P2" if reordered else (BASE if index == 0 else SEED_ONLY)
        generations.append(Generation(label, model.generate(request).parsed))
    return stability(
        generations, embedder(DEFAULT_EMBEDDER), StabilityConfig(bootstrap_samples=0)
    ).score


def _spread(tickets: list[Any]) -> list[Any]:
    return tickets[:: len(tickets) // PER_GROUP][:PER_GROUP]


@pytest.mark.slow
def test_ambiguous_tickets_score_lower_stability_than_clear_ones(
    tmp_path: Path, built_world: World
) -> None:
    world = built_world
    model = load_model("offline", Settings(home=tmp_path))
    tickets = world.tickets()
    ambiguous = _spread([t for t in tickets if t.ambiguous_between])
    clear = _spread([t for t in tickets if not t.ambiguous_between])
    low = [_budget_score(model, world.knowledge, t.text) for t in ambiguous]
    high = [_budget_score(model, world.knowledge, t.text) for t in clear]
    test = stats.mannwhitneyu(low, high, alternative="less")
    summary = f"ambiguous {np.mean(low):.1f}, clear {np.mean(high):.1f}, p={test.pvalue:.3f}"
    assert len(low) == len(high) == PER_GROUP
    assert np.mean(low) < np.mean(high), summary
    assert test.pvalue < ALPHA, summary
