"""Does the stability score predict reliability? (issue 5's evidence)

    python bench/validity.py [--tickets 100] [--reruns 16] [--samples 2] [--rows FILE.jsonl]

For each ticket of the synthetic world: run the support agent once (the base), score it from one
replay budget (base + seed-only + P1/P2/P3, `--samples` each: R = 1 + 4 x samples >= 8), and
score it again from a second, independent budget (for test-retest reliability). Separately rerun
the ticket `--reruns` times unperturbed with other seeds: its empirical agreement rate is the
share of reruns matching the modal (category, needs_human_review) decision, and it "flips" when
that decision ever changes. Prints JSON: Spearman rho (score vs agreement rate) and AUROC (low
score predicts a flip), each with a task-level bootstrap 95% interval, the same for baselines
(each component alone, mean cosine, answer length), the score with S_traj recomputed from the
same budget without the P3 replays and/or on tool names alone (experiments; docs/metrics.md),
each predictor's rho over the odd and even tickets, and the ICC(3,1) of the two budgets.
Tickets are every (world size / --tickets)-th, so ambiguous and clear ones come in their world
proportions. --rows writes each ticket's measurements as they finish (JSON lines), with the
per-field agreements, so other combinations of the components can be studied without rerunning;
progress goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from keel.core.settings import Settings
from keel.evaluate.generation import BASE, Generation
from keel.evaluate.stability import DEFAULT_WEIGHTS, Components, combine, trajectory_agreement
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.reference.agents.support import SupportInputs
from keel.reference.agents.support.replay_target import SupportTarget
from keel.reference.agents.trace import store_run
from keel.reference.world import ensure_world
from keel.replay.engine import run_replay_set, start_replay_set
from keel.replay.generations import generation_of
from keel.replay.plan import Perturbation
from keel.store.engine import Database
from keel.store.migrate import upgrade
from keel.store.replays import replay_set_detail
from keel.store.runs import run_detail

KINDS = [Perturbation.P1, Perturbation.P2, Perturbation.P3]
PREDICTORS = {
    "stability": "score_a",
    "semantic": "semantic",
    "structural": "structural",
    "trajectory": "trajectory",
    "mean_cosine": "mean_cosine",
    "stability_unconstrained": "stability_unconstrained",
    "trajectory_unconstrained": "trajectory_unconstrained",
    "stability_names": "stability_names",
    "trajectory_names": "trajectory_names",
    "stability_names_unconstrained": "stability_names_unconstrained",
    "trajectory_names_unconstrained": "trajectory_names_unconstrained",
    "answer_length": "answer_length",
}


def auroc(score: np.ndarray, positive: np.ndarray) -> float:
    """AUROC of `score` for the positive class (Mann-Whitney U / n1 n2; ties count half)."""
    pos, neg = score[positive], score[~positive]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    u = stats.mannwhitneyu(pos, neg, alternative="two-sided").statistic
    return float(u / (len(pos) * len(neg)))


def icc3(a: np.ndarray, b: np.ndarray) -> float:
    """ICC(3,1), two-way mixed, consistency, single measurement (Shrout & Fleiss 1979)."""
    data = np.column_stack([a, b])
    n, k = data.shape
    grand = data.mean()
    ss_rows = k * np.sum((data.mean(axis=1) - grand) ** 2)
    ss_cols = n * np.sum((data.mean(axis=0) - grand) ** 2)
    ss_error = np.sum((data - grand) ** 2) - ss_rows - ss_cols
    ms_rows, ms_error = ss_rows / (n - 1), ss_error / ((n - 1) * (k - 1))
    return float((ms_rows - ms_error) / (ms_rows + (k - 1) * ms_error))


def bootstrap(
    metric: Any, *columns: np.ndarray, rounds: int = 1000, seed: int = 0
) -> list[float | None]:
    """Percentile 95% interval of `metric` over tickets resampled with replacement (None when
    no resample defines it, e.g. a predictor constant over a few tickets)."""
    rng = np.random.default_rng(seed)
    n = len(columns[0])
    values = []
    for _ in range(rounds):
        index = rng.integers(0, n, n)
        value = metric(*(column[index] for column in columns))
        if np.isfinite(value):
            values.append(value)
    if not values:
        return [None, None]
    return [
        round(float(np.percentile(values, 2.5)), 3),
        round(float(np.percentile(values, 97.5)), 3),
    ]


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    return float(stats.spearmanr(x, y).statistic)


def figure(value: float) -> float | None:
    """Return `value` rounded for the JSON, None when undefined (a constant predictor's rho)."""
    return round(value, 3) if math.isfinite(value) else None


def budget_generations(
    database: Database, target: SupportTarget, base_run_id: str, set_id: str
) -> list[Generation]:
    """Return the generations replay set `set_id` was scored from: its base, then each replay."""
    with database.read() as session:
        base = run_detail(session, base_run_id)
        found = replay_set_detail(session, set_id)
        assert base is not None and found is not None
        replays = [
            (r.perturbation_type, run_detail(session, r.replay_run_id or "")) for r in found.replays
        ]
    generations = [generation_of(base, BASE, target.observed_output(base))]
    return generations + [generation_of(d, label) for label, d in replays if d is not None]


def trajectory_variants(generations: list[Generation], parts: Components) -> dict[str, Any]:
    """Return S_traj without the tool-constrained (P3) replays, on tool names alone (P1's
    paraphrase changes the search query, so its args), and both; and the score recomputed with
    each in place of S_traj (same weights). Experiments, not the product's formula."""
    full = trajectory_agreement(generations)
    assert full is None or math.isclose(full, parts.trajectory or 0.0), "not the scored budget"
    unconstrained = [g for g in generations if g.perturbation != Perturbation.P3]
    names = [
        dataclasses.replace(
            g, tool_calls=tuple(dataclasses.replace(c, args_digest="") for c in g.tool_calls)
        )
        for g in generations
    ]
    others = {"semantic": parts.semantic, "structural": parts.structural}
    row: dict[str, Any] = {}
    names_unconstrained = [g for g in names if g.perturbation != Perturbation.P3]
    variants = {
        "unconstrained": unconstrained,
        "names": names,
        "names_unconstrained": names_unconstrained,
    }
    for variant, subset in variants.items():
        row[f"trajectory_{variant}"] = trajectory = trajectory_agreement(subset)
        row[f"stability_{variant}"] = combine({**others, "trajectory": trajectory}, DEFAULT_WEIGHTS)
    return row


def measure(
    target: SupportTarget, database: Database, inputs: SupportInputs, args: Any
) -> dict[str, Any]:
    """Return one ticket's two scores, components, answer length, agreement and flip."""
    base = target.runner.run(inputs)
    store_run(database, base)
    row: dict[str, Any] = {"ticket_id": inputs.ticket_id}
    for budget, seed in (("a", 1), ("b", 2)):
        set_id = start_replay_set(database, base.run_id, KINDS, args.samples, seed, [target])
        result = run_replay_set(database, set_id, [target], embedder(DEFAULT_EMBEDDER)).result
        row[f"score_{budget}"] = result.score
        if budget == "a":
            parts = result.components
            row.update(
                semantic=parts.semantic,
                structural=parts.structural,
                trajectory=parts.trajectory,
                mean_cosine=parts.mean_cosine,
                fields={f.field: f.agreement for f in result.fields},
            )
            generations = budget_generations(database, target, base.run_id, set_id)
            row.update(trajectory_variants(generations, parts))
    decisions = []
    for rerun in range(args.reruns):
        output = target.runner.run(inputs.model_copy(update={"seed": 10_000 + rerun})).output or {}
        decisions.append((output.get("category"), output.get("needs_human_review")))
    modal = Counter(decisions).most_common(1)[0][1]
    row.update(
        agreement=modal / len(decisions),
        flip=len(set(decisions)) > 1,
        answer_length=len((base.output or {}).get("answer", "")),
    )
    return row


def analyse(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the correlation, discrimination and reliability figures of `rows`."""
    agreement = np.array([r["agreement"] for r in rows])
    flips = np.array([r["flip"] for r in rows])
    result: dict[str, Any] = {}
    for name, key in PREDICTORS.items():
        values = np.array([np.nan if r.get(key) is None else float(r[key]) for r in rows])
        keep = np.isfinite(values)
        if not keep.any():  # a --rows file written before this predictor existed
            continue
        x, y, f = values[keep], agreement[keep], flips[keep]
        result[name] = {
            "spearman_rho": figure(spearman(x, y)),
            "rho_ci95": bootstrap(spearman, x, y),
            "auroc_flip": round(auroc(-x, f), 3),
            "auroc_ci95": bootstrap(lambda s, p: auroc(-s, p.astype(bool)), x, f.astype(float)),
            # rho over the 1st, 3rd, ... and the 2nd, 4th, ... tickets: how far a half moves it
            "rho_halves": [
                figure(spearman(values[h][keep[h]], agreement[h][keep[h]]))
                for h in (slice(0, None, 2), slice(1, None, 2))
            ],
        }
    a = np.array([r["score_a"] for r in rows])
    b = np.array([r["score_b"] for r in rows])
    result["test_retest_icc"] = {"icc3_1": round(icc3(a, b), 3), "ci95": bootstrap(icc3, a, b)}
    return result


def _measure_all(
    target: SupportTarget, database: Database, chosen: list[Any], args: Any, started: float
) -> list[dict[str, Any]]:
    """Return every chosen ticket's row, appending each to --rows as it finishes."""
    rows = []
    with open(args.rows, "w") if args.rows else contextlib.nullcontext() as sink:
        for index, ticket in enumerate(chosen, 1):
            inputs = SupportInputs(
                ticket_text=ticket.text, ticket_id=ticket.ticket_id, customer_id=ticket.customer_id
            )
            row = measure(target, database, inputs, args)
            row["ambiguous"] = bool(ticket.ambiguous_between)
            rows.append(row)
            if sink is not None:
                sink.write(json.dumps(row) + "\n")
                sink.flush()
            elapsed = time.perf_counter() - started
            print(f"{index}/{len(chosen)} {ticket.ticket_id} {elapsed:.0f}s", file=sys.stderr)
    return rows


def summary(rows: list[dict[str, Any]], args: Any) -> dict[str, Any]:
    """Return the study's JSON: sizes, flip and instability shares per group, and `analyse`."""
    groups = {
        "ambiguous": [r for r in rows if r.get("ambiguous")],
        "clear": [r for r in rows if not r.get("ambiguous")],
    }
    return {
        "tickets": len(rows),
        "replays_per_budget": 4 * args.samples,
        "reruns": args.reruns,
        "flip_share": round(float(np.mean([r["flip"] for r in rows])), 3),
        "mean_stability": round(float(np.mean([r["score_a"] for r in rows])), 2),
        "by_group": {
            name: {
                "tickets": len(group),
                "flip_share": round(float(np.mean([r["flip"] for r in group])), 3),
                "mean_stability": round(float(np.mean([r["score_a"] for r in group])), 2),
                "unstable_share": round(float(np.mean([r["score_a"] < 70 for r in group])), 3),
            }
            for name, group in groups.items()
            if group
        },
        "auroc_ambiguous_scores_lower": round(
            auroc(
                -np.array([r["score_a"] for r in rows]),
                np.array([bool(r.get("ambiguous")) for r in rows]),
            ),
            3,
        ),
        **analyse(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=100)
    parser.add_argument("--reruns", type=int, default=16)
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--rows", default=None, help="write per-ticket rows to this JSONL file")
    parser.add_argument("--from-rows", default=None, help="analyse a --rows file, run nothing")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.from_rows:
        rows = [json.loads(line) for line in Path(args.from_rows).read_text().splitlines() if line]
        print(json.dumps(summary(rows, args), indent=2))
        return
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(home=Path(scratch), database_url=f"sqlite:///{scratch}/v.db")
        upgrade(settings.resolved_database_url())
        database = Database(settings.resolved_database_url())
        tickets = ensure_world(settings.home).tickets()
        step = max(1, len(tickets) // args.tickets)
        chosen = tickets[::step][: args.tickets]
        target = SupportTarget(database, settings)
        try:
            rows = _measure_all(target, database, chosen, args, started)
        finally:
            target.close()
    output = {**summary(rows, args), "seconds": round(time.perf_counter() - started, 1)}
    print(json.dumps(output, indent=2))


if __name__ == "__main__":
    main()
