"""On the world's labelled tickets, a deliberately worse configuration profiles worse.

The support agent answers 30 tickets (taken at a stride, ambiguous ones included) under its
default configuration (retrieval k = 5, temperature 0.7) and under a worse one (k = 1,
temperature 1.2), each with two seed-only reruns through the replay engine, on keel's real MCP
server with the offline default. Both profiles are then read from the stored runs, paired on
the tickets, with the world's gold labels as expected outcomes. A hotter sampler reading one
document flips its category between reruns of one ticket: outcome agreement and outcome
consistency drop beyond the interval of the difference. (Accuracy drops too, but on 30
tickets not beyond its interval; docs/metrics.md gives the figures.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from keel.core.settings import Settings
from keel.models.embeddings import embedder
from keel.reference.agents.support import SupportInputs, run_support
from keel.reference.agents.support.replay_target import SupportTarget
from keel.reference.world import World
from keel.replay.engine import run_replay_set, start_replay_set
from keel.reports.profile import Selection, plugin_expected, side_by_side
from keel.store.drift import PopulationFilter
from keel.store.engine import Database
from keel.store.migrate import upgrade

TICKETS = 30
RERUNS = 2
CONFIGS = {"default": (5, 0.7), "worse": (1, 1.2)}


def _answer_and_rerun(settings: Settings, database: Database, world: World) -> None:
    tickets = world.tickets()[:: len(world.tickets()) // TICKETS][:TICKETS]
    target = SupportTarget(database, settings)
    try:
        for name, (k, temperature) in CONFIGS.items():
            batch = [
                SupportInputs(
                    ticket_text=t.text,
                    ticket_id=t.ticket_id,
                    customer_id=t.customer_id,
                    retrieval_k=k,
                    temperature=temperature,
                    seed=index,
                )
                for index, t in enumerate(tickets)
            ]
            for run in run_support(batch, settings, database, config=name):
                set_id = start_replay_set(database, run.run_id, [], RERUNS, 0, [target])
                run_replay_set(database, set_id, [target], embedder(settings.embedder))
    finally:
        target.close()


@pytest.mark.slow
def test_the_worse_configuration_is_worse_beyond_the_intervals(
    world_home: Path, built_world: World
) -> None:
    url = f"sqlite:///{world_home / 'keel.db'}"
    upgrade(url)
    settings = Settings(home=world_home, database_url=url)
    database = Database(url)
    try:
        _answer_and_rerun(settings, database, built_world)
        selections = [Selection(n, PopulationFilter("support", config=n)) for n in CONFIGS]
        with database.read() as session:
            compared = side_by_side(session, selections, plugin_expected(settings)).as_dict()
    finally:
        database.dispose()
    assert compared["paired_items"] == TICKETS
    differences = {d["key"]: d for d in compared["comparisons"][0]["differences"]}
    summary = {
        k: (d["first"], d["second"], d["delta_low"], d["delta_high"])
        for k, d in differences.items()
    }
    print(summary)  # the figures docs/metrics.md reports (pytest -s)
    # Consistency is what a hotter sampler on thinner context hurts: the decision flips
    # between reruns of the same ticket, and right and wrong answers mix on a ticket.
    for key in ("outcome_agreement", "outcome_consistency"):
        assert differences[key]["verdict"] == "worse", (key, summary)
    # Nothing the worse configuration does comes out better on consistency or capability.
    better = [d["key"] for d in differences.values() if d["verdict"] == "better"]
    assert not [k for k in better if differences[k]["dimension"] in ("consistency", "capability")]
