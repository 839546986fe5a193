"""How the support agent's needs_human_review compares with the world's gold label.

    python bench/review.py [--every 4] [--temperature 0.0] [--seed 1]

Runs the whole support agent (keel's MCP tool server, the offline default model) on every
`--every`-th world ticket and prints one JSON object: the confusion of needs_human_review
against gold (true/false positives and negatives), agreement, precision and recall, and how
many runs were handed to a person only because the critic was still unsatisfied.

`--fit-margin` runs no agent: it reads every world ticket as the sampler's review reading does
(cosine to the centroid of each criterion's phrases) and prints the margin that maximises
balanced accuracy on the fit half (keel.evaluate.calibration.fit_half) with the reading's
AUROC, precision and recall on the other half: how `SamplerParameters.review_margin` was set.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from keel.cli.database import open_database
from keel.core.settings import Settings
from keel.evaluate.calibration import auroc, fit_half
from keel.models.embeddings import DEFAULT_EMBEDDER
from keel.reference.agents.support import SupportInputs, run_support
from keel.reference.agents.support.instructions import REVIEW_CRITERIA
from keel.reference.offline_model.grounded_sampler import GroundedSampler
from keel.reference.offline_model.grounding import label_space
from keel.reference.world import ensure_world


def fit_margin(home: Path) -> dict[str, object]:
    """Return the review margin fitted on the fit half and its figures on the report half."""
    sampler = GroundedSampler(DEFAULT_EMBEDDER)
    criteria = REVIEW_CRITERIA
    space = label_space({k: criteria[k] for k in ("needed", "not_needed")}, sampler.embedder)
    centroids = np.stack([p.mean(axis=0) for p in space.prototypes])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    tickets = ensure_world(home).tickets()
    vectors = sampler.embedder.encode([t.text for t in tickets])
    margin = vectors @ centroids[0] - vectors @ centroids[1]
    gold = np.array([t.gold_needs_human_review for t in tickets])
    fit = np.array([fit_half(t.ticket_id) for t in tickets])

    def balanced(threshold: float) -> float:
        said = margin[fit] >= threshold
        return float(
            (said & gold[fit]).sum() / gold[fit].sum()
            + (~said & ~gold[fit]).sum() / (~gold[fit]).sum()
        )

    best = max(np.unique(margin[fit]), key=balanced)
    report = ~fit
    said = margin[report] >= best
    return {
        "fit_tickets": int(fit.sum()),
        "report_tickets": int(report.sum()),
        "fitted_margin": round(float(best), 3),
        "report_auroc": round(auroc(margin[report], gold[report]), 3),
        "report_said": int(said.sum()),
        "report_precision": round(float((said & gold[report]).sum() / max(1, said.sum())), 3),
        "report_recall": round(float((said & gold[report]).sum() / gold[report].sum()), 3),
        "said_at_zero_margin": int((margin >= 0).sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=4)
    parser.add_argument("--temperature", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fit-margin", action="store_true", help="fit review_margin; no runs")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.fit_margin:
        with tempfile.TemporaryDirectory() as scratch:
            print(json.dumps(fit_margin(Path(scratch)), indent=2))
        return
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
