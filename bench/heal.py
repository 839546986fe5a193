"""Does self-heal work? The share of unstable runs of the labelled set that heal raises.

    python bench/heal.py [--tickets 40] [--group all|ambiguous|clear] [--samples 2] [--seed 0]

Runs the support agent with the offline default on `--tickets` world tickets taken at a fixed
stride (from every ticket, or only the ambiguous or clear ones), replays each run once
(base + seed-only + P1/P2/P3, `--samples` each) and, for every run the replays mark UNSTABLE,
runs `keel.heal.controller.heal_run`: constraints from the disagreement, a constrained rerun,
fresh replays of the rerun. Prints JSON: how many runs were unstable, how many the heal raised
to the threshold or above (SELF_HEALED), the share, mean scores before and after, and one row
per unstable run with the constraints chosen. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from keel.core.settings import Settings
from keel.heal.controller import heal_run
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.reference.agents.support import SupportInputs
from keel.reference.agents.support.replay_target import SupportTarget
from keel.reference.agents.trace import store_run
from keel.reference.world import ensure_world
from keel.replay.engine import run_replay_set, start_replay_set
from keel.replay.plan import Perturbation
from keel.store.engine import Database
from keel.store.migrate import upgrade

KINDS = [Perturbation.P1, Perturbation.P2, Perturbation.P3]


def chosen_tickets(tickets: list[Any], count: int, group: str) -> list[Any]:
    """Return `count` tickets of `group` taken at a fixed stride over the world's order."""
    if group != "all":
        tickets = [t for t in tickets if bool(t.ambiguous_between) == (group == "ambiguous")]
    return tickets[:: max(1, len(tickets) // count)][:count]


def heal_ticket(
    target: SupportTarget, database: Database, ticket: Any, args: Any
) -> dict[str, Any] | None:
    """Return the heal row of `ticket`'s run, or None when its replays found it stable."""
    inputs = SupportInputs(
        ticket_text=ticket.text, ticket_id=ticket.ticket_id, customer_id=ticket.customer_id
    )
    base = target.runner.run(inputs)
    store_run(database, base)
    set_id = start_replay_set(database, base.run_id, KINDS, args.samples, args.seed, [target])
    result = run_replay_set(database, set_id, [target], embedder(DEFAULT_EMBEDDER)).result
    if not result.unstable:
        return None
    outcome = heal_run(
        database,
        base.run_id,
        [target],
        embedder(DEFAULT_EMBEDDER),
        samples=args.samples,
        seed=args.seed + 1,
    )
    return {
        "ticket_id": ticket.ticket_id,
        "ambiguous": bool(ticket.ambiguous_between),
        "run_id": base.run_id,
        "before": round(outcome.before, 2),
        "after": round(outcome.after, 2),
        "healed": outcome.healed,
        "unresolved": outcome.unresolved,
        "rejected": outcome.rejected,
        "risk_before": outcome.safety_before.risk,
        "risk_after": outcome.safety_after.risk,
        "pin_decision": outcome.plan.pin_decision,
        "required_citations": outcome.plan.required_citations,
        "temperature": outcome.plan.temperature,
    }


def summary(rows: list[dict[str, Any]], replayed: int) -> dict[str, Any]:
    """Return the healed share and the mean scores before and after over the unstable `rows`."""
    healed = sum(row["healed"] for row in rows)
    return {
        "replayed": replayed,
        "unstable": len(rows),
        "healed": healed,
        "rejected_as_less_safe": sum(bool(row["rejected"]) for row in rows),
        "healed_share": round(healed / len(rows), 3) if rows else None,
        "mean_before": round(float(np.mean([r["before"] for r in rows])), 2) if rows else None,
        "mean_after": round(float(np.mean([r["after"] for r in rows])), 2) if rows else None,
        "runs": rows,
    }


def main() -> None:
    """Parse arguments, run the study in a scratch home, print the JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=40)
    parser.add_argument("--group", choices=["all", "ambiguous", "clear"], default="all")
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(home=Path(scratch), database_url=f"sqlite:///{scratch}/heal.db")
        upgrade(settings.resolved_database_url())
        database = Database(settings.resolved_database_url())
        tickets = chosen_tickets(ensure_world(settings.home).tickets(), args.tickets, args.group)
        target = SupportTarget(database, settings)
        try:
            for index, ticket in enumerate(tickets, 1):
                row = heal_ticket(target, database, ticket, args)
                if row is not None:
                    rows.append(row)
                elapsed = time.perf_counter() - started
                verdict = "stable" if row is None else f"{row['before']} -> {row['after']}"
                print(
                    f"{index}/{len(tickets)} {ticket.ticket_id} {verdict} {elapsed:.0f}s",
                    file=sys.stderr,
                )
        finally:
            target.close()
    output = {
        "tickets": len(tickets),
        "group": args.group,
        "samples": args.samples,
        **summary(rows, len(tickets)),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(output, indent=2))


if __name__ == "__main__":
    main()
