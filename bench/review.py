"""How the support agent's needs_human_review compares with the world's gold label.

    python bench/review.py [--every 4] [--temperature 0.0] [--seed 1]

Runs the whole support agent (keel's MCP tool server, the offline default model) on every
`--every`-th world ticket and prints one JSON object: the confusion of needs_human_review
against gold (true/false positives and negatives), agreement, precision and recall, and how
many runs were handed to a person only because the critic was still unsatisfied.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from keel.cli.database import open_database
from keel.core.settings import Settings
from keel.reference.agents.support import SupportInputs, run_support
from keel.reference.world import ensure_world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=4)
    parser.add_argument("--temperature", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(home=Path(scratch))
        tickets = ensure_world(settings.home).tickets()[:: args.every]
        batch = [
            SupportInputs(
                ticket_text=t.text,
                customer_id=t.customer_id,
                temperature=args.temperature,
                seed=args.seed,
            )
            for t in tickets
        ]
        with open_database(settings) as database:
            runs = run_support(batch, settings, database)
    counts: Counter[str] = Counter()
    for ticket, run in zip(tickets, runs, strict=True):
        said = bool(run.output and run.output["needs_human_review"])
        gold = ticket.gold_needs_human_review
        counts[("t" if said == gold else "f") + ("p" if said else "n")] += 1
        counts["critic_unsatisfied"] += bool(run.metrics.get("unresolved_findings"))
    tp, fp, tn, fn = (counts[k] for k in ("tp", "fp", "tn", "fn"))
    print(
        json.dumps(
            {
                "tickets": len(tickets),
                "temperature": args.temperature,
                "gold_true": tp + fn,
                "said_true": tp + fp,
                "tp": tp,
                "fp": fp,
                "tn": tn,
                "fn": fn,
                "agreement": round((tp + tn) / len(tickets), 3),
                "precision": round(tp / (tp + fp), 3) if tp + fp else None,
                "recall": round(tp / (tp + fn), 3) if tp + fn else None,
                "critic_unsatisfied": counts["critic_unsatisfied"],
                "seconds": round(time.perf_counter() - started, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
