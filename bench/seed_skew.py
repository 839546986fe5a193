"""Does the offline model's sample depend on the request, or only on the seed?

    python bench/seed_skew.py [--tickets 30] [--seeds 0,1,2,3,4] [--temperature 0.7]

Runs keel's support agent (the real MCP tool server, the offline default model) on the same
world tickets once per seed, every ticket of a batch with that one seed, as `keel run support`
does. A real model's sample depends on its prompt, so the category shares of a batch should
not depend on the seed beyond sampling noise; if the model draws the same random numbers for
every ticket of a batch, they do. Prints one JSON object: per seed, the category shares and
the accuracy against the gold labels; the largest share of one category in any batch; a
chi-square test of seed x category independence; and the critic's revisions: how often the
revised draft chose the candidate its own distribution found less likely.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from scipy.stats import chi2_contingency

from keel.core.records import RunRecord
from keel.core.settings import Settings
from keel.reference.agents.support import SupportInputs
from keel.reference.agents.support.runner import run_support
from keel.reference.world import ensure_world
from keel.store.engine import Database
from keel.store.migrate import upgrade


def revisions(run: RunRecord) -> list[dict[str, Any]]:
    """Return each revision of `run`: the candidates, the label chosen, and its probability."""
    found = []
    events = {event.name: event for event in run.events}
    for event in run.events:
        if not (event.name or "").startswith("revision"):
            continue
        details = event.payload.get("details") or {}
        chosen = (event.payload.get("output") or {}).get("category")
        probabilities = details.get("label_probabilities") or {}
        if chosen in probabilities and len(probabilities) == 2:
            other = next(label for label in probabilities if label != chosen)
            found.append(
                {
                    "chosen": chosen,
                    "p_chosen": probabilities[chosen],
                    "p_other": probabilities[other],
                    "planned": (events.get("planner").payload or {}).get("category")
                    if events.get("planner")
                    else None,
                }
            )
    return found


def batch(
    settings: Settings, database: Database, tickets: list[Any], seed: int, temperature: float
) -> list[RunRecord]:
    """Return the runs of every ticket with one seed."""
    inputs = [
        SupportInputs(
            ticket_id=t.ticket_id,
            ticket_text=t.text,
            customer_id=t.customer_id,
            seed=seed,
            temperature=temperature,
        )
        for t in tickets
    ]
    return run_support(inputs, settings, database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=30)
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--temperature", type=float, default=0.7)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home))
        world = ensure_world(settings.home)
        every = world.tickets()
        tickets = every[:: max(1, len(every) // args.tickets)][: args.tickets]
        gold = {t.ticket_id: str(t.gold_category) for t in tickets}
        url = settings.resolved_database_url()
        upgrade(url)
        database = Database(url)
        per_seed: dict[str, Any] = {}
        table, revised = [], []
        labels = sorted(set(gold.values()))
        for seed in seeds:
            runs = batch(settings, database, tickets, seed, args.temperature)
            got = Counter(str((r.output or {}).get("category")) for r in runs)
            correct = sum(
                (r.output or {}).get("category") == gold[r.inputs["ticket_id"]] for r in runs
            )
            per_seed[str(seed)] = {
                "shares": {k: round(v / len(runs), 3) for k, v in sorted(got.items())},
                "accuracy": round(correct / len(runs), 3),
            }
            table.append([got.get(label, 0) for label in labels])
            these = [rev for run in runs for rev in revisions(run)]
            per_seed[str(seed)]["revisions"] = len(these)
            per_seed[str(seed)]["revisions_choosing_the_less_likely"] = sum(
                rev["p_chosen"] < rev["p_other"] for rev in these
            )
            revised += these
        database.dispose()
    columns = [i for i in range(len(labels)) if any(row[i] for row in table)]
    chi2, p_value, _dof, _expected = chi2_contingency([[row[i] for i in columns] for row in table])
    less_likely = sum(rev["p_chosen"] < rev["p_other"] for rev in revised)
    # With an unbiased draw, a revision takes the less likely candidate with that candidate's
    # probability: the expected count is the sum of the smaller probability of each pair.
    expected = sum(min(rev["p_chosen"], rev["p_other"]) for rev in revised)
    print(
        json.dumps(
            {
                "tickets": len(tickets),
                "seeds": seeds,
                "temperature": args.temperature,
                "per_seed": per_seed,
                "largest_share": max(max(s["shares"].values()) for s in per_seed.values()),
                "gold_shares": {
                    k: round(v / len(tickets), 3) for k, v in sorted(Counter(gold.values()).items())
                },
                "seed_x_category": {"chi2": round(chi2, 2), "p_value": round(p_value, 4)},
                "revisions": len(revised),
                "revisions_choosing_the_less_likely": less_likely,
                "expected_if_unbiased": round(expected, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
