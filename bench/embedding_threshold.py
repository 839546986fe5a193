"""Choose the S_sem cosine threshold: where does all-MiniLM-L6-v2 separate same-meaning answers
from same-topic answers that say something else? Prints JSON.

    python bench/embedding_threshold.py

Reads bench/data/answer_pairs.json (hand-written pairs), embeds them offline, and reports the
cosine distribution of each kind, and the balanced accuracy of thresholds from 0.50 to 0.95.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from keel.evaluate.clustering import DEFAULT_COSINE_THRESHOLD
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder

PAIRS = Path(__file__).parent / "data" / "answer_pairs.json"


def pair_cosines(pairs: list[list[str]]) -> np.ndarray:
    """Return the cosine of each pair's two texts."""
    vectors = embedder(DEFAULT_EMBEDDER).encode([text for pair in pairs for text in pair])
    return np.sum(vectors[0::2] * vectors[1::2], axis=1)


def summary(values: np.ndarray) -> dict[str, float]:
    """Return min, quartiles and max of `values`, rounded."""
    points = np.percentile(values, [0, 25, 50, 75, 100])
    return dict(
        zip(["min", "q1", "median", "q3", "max"], np.round(points, 3).tolist(), strict=True)
    )


def main() -> None:
    """Print the distributions and the threshold sweep as JSON."""
    data = json.loads(PAIRS.read_text())
    same, different = pair_cosines(data["same"]), pair_cosines(data["different"])
    sweep = {}
    for threshold in np.round(np.arange(0.50, 0.96, 0.05), 2):
        hit = float(np.mean(same >= threshold))
        reject = float(np.mean(different < threshold))
        sweep[f"{threshold:.2f}"] = {
            "same_kept_together": round(hit, 3),
            "different_kept_apart": round(reject, 3),
            "balanced_accuracy": round((hit + reject) / 2, 3),
        }
    best = max(sweep, key=lambda t: sweep[t]["balanced_accuracy"])
    report = {
        "pairs": {"same": len(same), "different": len(different)},
        "cosine_same": summary(same),
        "cosine_different": summary(different),
        "sweep": sweep,
        "best_threshold": float(best),
        "default_threshold": DEFAULT_COSINE_THRESHOLD,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
