"""The offline default's category accuracy on the world's tickets stays above a floor."""

from __future__ import annotations

from pathlib import Path

from keel.agents.models import load_model
from keel.agents.support.classify import classify
from keel.world import ensure_world

# Measured 0.754 on this sample (every 6th ticket, 69 tickets) and 0.752 on all 412 with
# `python bench/accuracy.py`; the floor sits a little below so that only a real drop fails.
FLOOR = 0.70
EVERY = 6


def test_greedy_category_accuracy_on_a_ticket_sample_stays_above_the_floor(
    tmp_path: Path,
) -> None:
    world = ensure_world(tmp_path)
    sample = world.tickets()[::EVERY]
    model = load_model("offline")
    correct = sum(
        classify(model, world.knowledge, ticket.text, temperature=0.0).category
        == str(ticket.gold_category)
        for ticket in sample
    )
    assert len(sample) >= 60
    assert correct / len(sample) >= FLOOR, f"{correct}/{len(sample)}"
