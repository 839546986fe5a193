"""The story's last step: the reliability profiles of `v1` and `v2-k1`, side by side.

`v2-k1` was never replayed, so its profile first replays a sample of its tickets — the tickets
`v1`'s replays covered, so both profiles rest on the same items — then both are read from the
stored runs. The regression shows as the metrics the comparison marks worse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from keel.core.settings import Settings
from keel.models.embeddings import embedder
from keel.replay.target import ReplayTarget
from keel.replay.topup import plan_top_up, run_top_up
from keel.reports.profile import Selection, plugin_expected, side_by_side
from keel.store.drift import PopulationFilter
from keel.store.engine import Database

#: (progress label, done, total)
Report = Callable[[str, int, int], None]


def profile_configs(
    database: Database,
    settings: Settings,
    target: ReplayTarget,
    first: str,
    second: str,
    samples: int,
    report: Report,
) -> dict[str, Any]:
    """Replay `second`'s share of the tickets `first` was replayed on; return both profiles."""
    selections = [
        Selection(name, PopulationFilter("support", config=name)) for name in (first, second)
    ]
    before = plan_top_up(database, selections[0].filters, "ticket_id", 0, 0, samples)
    wanted = len(before.replayed_items)
    plan = plan_top_up(
        database, selections[1].filters, "ticket_id", wanted, 10**6, samples, before.replayed_items
    )
    run_top_up(
        database,
        plan,
        samples,
        [target],
        embedder(settings.embedder),
        progress=lambda done, total: report(f"profile replays ({second})", done, total),
    )
    expected = plugin_expected(settings)
    with database.read() as session:
        return side_by_side(session, selections, expected).as_dict()
