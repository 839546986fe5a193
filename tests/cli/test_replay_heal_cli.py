"""`keel replay` and `keel heal` on the support agent's runs of world tickets, as a user runs them.

Issue 5's done-when: a tax ticket scores visibly lower than a low-risk ticket, with the
breakdown, from `keel replay`; `keel heal` turns the unstable run into a linked SELF_HEALED run
with before and after scores. The agent runs on keel's real MCP server over the world in
KEEL_HOME, with the offline default. Every seed derives from the inputs, so the test is
reproducible; the base runs get readable ids so the commands can name them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keel.core.settings import Settings
from keel.reference.agents.support import SupportInputs
from keel.reference.agents.support.replay_target import SupportRunner
from keel.reference.agents.trace import store_run
from keel.reference.world import World
from keel.store.engine import Database
from keel.store.migrate import upgrade
from tests.cli.test_run_cli import run_keel

# A TAX ticket the offline default replays UNSTABLE (69.9) and whose heal is accepted. Tool-path
# agreement no longer counts the arguments P1 rewords, so scores rose; of the first 40 TAX
# tickets two replay unstable, and the heal of the other (T-0023) is rightly rejected as less
# safe (risk 24 -> 57, a new disclaimer flag). One ticket's score is a noisy draw, which is why
# the claim about ambiguous tickets as a group is tested over 60 of them
# (tests/evaluate/test_stability_on_labelled_tickets.py).
TAX_TICKET = "T-0040"
LOW_RISK_TICKET = "T-0001"  # raising the ATM withdrawal limit for a weekend: WITHDRAWAL only


def _store_base_runs(home: Path, database_url: str, world: World) -> None:
    tickets = {t.ticket_id: t for t in world.tickets()}
    runner = SupportRunner(Settings(home=home, database_url=database_url))
    database = Database(database_url)
    try:
        for ticket_id in (TAX_TICKET, LOW_RISK_TICKET):
            ticket = tickets[ticket_id]
            run = runner.run(
                SupportInputs(
                    ticket_text=ticket.text, ticket_id=ticket_id, customer_id=ticket.customer_id
                )
            )
            run.run_id = f"run-{ticket_id}"
            store_run(database, run)
    finally:
        runner.close()
        database.dispose()


def _replay(home: Path, database_url: str, run_id: str) -> dict:
    result = run_keel(home, database_url, "replay", run_id, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.slow
def test_a_tax_ticket_replays_less_stable_than_a_low_risk_one_and_heal_fixes_it(
    world_home: Path, built_world: World, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'keel.db'}"
    upgrade(database_url)
    _store_base_runs(world_home, database_url, built_world)

    tax = _replay(world_home, database_url, f"run-{TAX_TICKET}")
    low = _replay(world_home, database_url, f"run-{LOW_RISK_TICKET}")
    assert tax["stability"] <= low["stability"] - 15, (tax["stability"], low["stability"])
    assert tax["unstable"] and not low["unstable"]
    assert tax["generations"] == low["generations"] == 9  # base + seed-only + P1/P2/P3, 2 each
    assert set(tax["components"]) >= {"semantic", "structural", "trajectory", "weights"}
    fields = {f["field"]: f for f in tax["fields"]}
    assert fields["category"]["varies"]  # the breakdown says what moved: the decision
    assert {s["perturbation"] for s in tax["sensitivity"]} == {"seed", "P1", "P2", "P3"}

    healed = run_keel(world_home, database_url, "heal", f"run-{TAX_TICKET}", "--json")
    assert healed.exit_code == 0, healed.output
    outcome = json.loads(healed.stdout)
    assert outcome["healed"] and outcome["after"] >= tax["threshold"] > outcome["before"]
    assert outcome["plan"]["reasons"]
    shown = run_keel(world_home, database_url, "runs", "show", outcome["healed_run_id"], "--json")
    assert shown.exit_code == 0, shown.output
    run = json.loads(shown.stdout)
    assert run["status"] == "SELF_HEALED"
    assert run["parent_run_id"] == f"run-{TAX_TICKET}"
