"""Category accuracy of the support agent's classification against the world's gold labels.

    python bench/accuracy.py [--limit N] [--temperature T] [--tickets FILE.jsonl]

Runs the agent's classification path (knowledge search, full articles, the draft's category;
`keel.agents.support.classify`) with the offline default model, greedy unless --temperature is
given, on every world ticket (or the first N, or the tickets of FILE). Prints one JSON object:
overall and per-category accuracy, the confusion matrix (gold -> predicted), and accuracy on
the tickets labelled ambiguous.
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

from keel.agents.models import load_model
from keel.agents.support.classify import classify
from keel.world import ensure_world


def _tickets(world: Any, path: str | None) -> list[dict[str, Any]]:
    if path:
        return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    if not hasattr(world, "tickets"):
        sys.exit("this world has no tickets yet; pass --tickets FILE.jsonl")
    return [
        {"ticket_id": t.ticket_id, "text": t.text, "gold_category": str(t.gold_category),
         "ambiguous_between": t.ambiguous_between}
        for t in world.tickets()
    ]  # fmt: skip


def measure(tickets: list[dict[str, Any]], knowledge: Any, temperature: float) -> dict[str, Any]:
    """Return accuracy overall, per gold category and on ambiguous tickets, with the confusion."""
    model = load_model("offline")
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    ambiguous = [0, 0]
    started = time.perf_counter()
    for index, ticket in enumerate(tickets):
        got = classify(model, knowledge, ticket["text"], seed=index, temperature=temperature)
        gold = str(ticket["gold_category"])
        confusion[gold][got.category] += 1
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
        "confusion": {gold: dict(sorted(row.items())) for gold, row in sorted(confusion.items())},
        "seconds": round(time.perf_counter() - started, 2),
    }


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
