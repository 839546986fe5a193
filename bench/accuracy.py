"""Category accuracy of the support agent's classification against the world's gold labels.

    python bench/accuracy.py [--limit N] [--temperature T] [--tickets FILE.jsonl]

Runs the agent's classification path (knowledge search, full articles, the draft's category;
`keel.reference.agents.support.classify`) with the offline default model, greedy unless
--temperature is given, on every world ticket (or the first N, or the tickets of FILE). Prints one
JSON object: overall and per-category accuracy, the confusion matrix (gold -> predicted), accuracy
on the tickets labelled ambiguous, and calibration: the model's top-label probability (temperature
1) on ambiguous and clear tickets, and the AUROC with which a low top probability picks out the
ambiguous ones (0.5 = it cannot tell them apart).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from keel.core.settings import Settings
from keel.models import load_model
from keel.reference.agents.support.classify import classify
from keel.reference.world import ensure_world


def _tickets(world: Any, path: str | None) -> list[dict[str, Any]]:
    if path:
        return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    if not hasattr(world, "tickets"):
        sys.exit("this world has no tickets yet; pass --tickets FILE.jsonl")
    return [
        {
            "ticket_id": t.ticket_id,
            "text": t.text,
            "gold_category": str(t.gold_category),
            "ambiguous_between": t.ambiguous_between,
        }
        for t in world.tickets()
    ]


def measure(tickets: list[dict[str, Any]], knowledge: Any, temperature: float) -> dict[str, Any]:
    """Return accuracy overall, per gold category and on ambiguous tickets, with the confusion."""
    model = load_model("offline", Settings())
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    ambiguous = [0, 0]
    confidence: dict[bool, list[float]] = {True: [], False: []}
    started = time.perf_counter()
    for index, ticket in enumerate(tickets):
        got = classify(model, knowledge, ticket["text"], seed=index, temperature=temperature)
        gold = str(ticket["gold_category"])
        confusion[gold][got.category] += 1
        confidence[bool(ticket.get("ambiguous_between"))].append(got.confidence)
        if ticket.get("ambiguous_between"):
            ambiguous[0] += got.category == gold
            ambiguous[1] += 1
    correct = sum(row[gold] for gold, row in confusion.items())
    return {
        "tickets": len(tickets),
        "temperature": temperature,
        "accuracy": round(correct / max(1, len(tickets)), 4),
        "per_category": {
            gold: round(row[gold] / sum(row.values()), 4) for gold, row in sorted(confusion.items())
        },
        "ambiguous_accuracy": round(ambiguous[0] / max(1, ambiguous[1]), 4),
        "calibration": _calibration(confidence[True], confidence[False]),
        "confusion": {gold: dict(sorted(row.items())) for gold, row in sorted(confusion.items())},
        "seconds": round(time.perf_counter() - started, 2),
    }


def _calibration(ambiguous: list[float], clear: list[float]) -> dict[str, Any]:
    """Return the top-probability quartiles of both groups and AUROC(clear above ambiguous)."""
    if not ambiguous or not clear:
        return {}
    above = sum((c > a) + 0.5 * (c == a) for c in clear for a in ambiguous)
    return {
        "top_probability_quartiles_ambiguous": _quartiles(ambiguous),
        "top_probability_quartiles_clear": _quartiles(clear),
        "auroc_low_top_probability_means_ambiguous": round(
            above / (len(clear) * len(ambiguous)), 3
        ),
    }


def _quartiles(values: list[float]) -> list[float]:
    return [round(float(q), 3) for q in np.percentile(values, [25, 50, 75])]


def main() -> None:
    """Parse arguments, build the world in a temporary home, print the measurement as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--temperature", type=float, default=0.0)
    parser.add_argument("--tickets", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        world = ensure_world(Path(home))
        tickets = _tickets(world, args.tickets)[: args.limit]
        result = measure(tickets, world.knowledge, args.temperature)
    print(json.dumps({"model": "offline:grounded-sampler", **result}, indent=2))


if __name__ == "__main__":
    main()
