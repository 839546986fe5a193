"""Precision and recall of keel's policy rule packs on the labelled answers. Prints JSON.

    python bench/policy_eval.py            # the whole set, each split, each rule
    python bench/policy_eval.py --errors   # also list the answers each rule got wrong

The labelled set is src/keel/evaluate/data/policy_labelled.jsonl. Its splits are in the order
they were written: `dev` (the rules were developed on it), then `heldout-1`, `heldout-2` and
`heldout-3`, each written after the rules were frozen, measured once, and only then used to
improve the rules (docs/metrics.md records each split's first-look numbers).
"""

from __future__ import annotations

import argparse
import json
import time

from keel.evaluate.rules.labelled import evaluate_labelled, load_labelled


def main() -> None:
    """Print per-family precision/recall overall and per split, and per-rule counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list misclassified answers")
    args = parser.parse_args()
    items = load_labelled()
    started = time.perf_counter()
    overall = evaluate_labelled(items)
    elapsed_s = time.perf_counter() - started
    splits = sorted({item.split for item in items}, key=lambda s: (s != "dev", s))
    report = {
        "answers": overall["answers"],
        "near_misses": overall["near_misses"],
        "families": overall["families"],
        "splits": {
            split: evaluate_labelled([i for i in items if i.split == split])["families"]
            for split in splits
        },
        "rules": overall["rules"],
        "answers_per_second": round(len(items) / elapsed_s, 1),
    }
    if args.errors:
        report["errors"] = overall["errors"]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
