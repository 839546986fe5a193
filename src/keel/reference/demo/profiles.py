"""The story's last step: the reliability profiles of `v1` and `v2-k1`, side by side.

Consistency and robustness rest on replayed tickets, and ten of them (what the story's own
replays cover) leave intervals too wide to mark a real drop. So both configurations are first
topped up to `sample` replayed tickets — `v1` on tickets `v2-k1` also answered, `v2-k1` on the
tickets `v1` replayed, so both profiles rest on the same items — then both are read from the
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
from keel.store.profile import replay_candidates

#: (progress label, done, total)
Report = Callable[[str, int, int], None]


def profile_configs(
    database: Database,
    settings: Settings,
    target: ReplayTarget,
    first: str,
    second: str,
    samples: int,
    sample: int,
    report: Report,
) -> dict[str, Any]:
    """Top both configurations up to `sample` replayed tickets, the same ones where both
    answered them; return both profiles side by side."""
    selections = [
        Selection(name, PopulationFilter("support", config=name)) for name in (first, second)
    ]
    with database.read() as session:
        prefer = {
            item for _, item, _ in replay_candidates(session, selections[1].filters, "ticket_id")
        }
    replayed = 0
    for selection in selections:
        plan = plan_top_up(database, selection.filters, "ticket_id", sample, 10**6, samples, prefer)
        run_top_up(
            database,
            plan,
            samples,
            [target],
            embedder(settings.embedder),
            progress=lambda done, total, name=selection.label: report(
                f"profile replays ({name})", done, total
            ),
        )
        replayed += len(plan.run_ids)
        prefer = plan.replayed_items | set(plan.items)
    expected = plugin_expected(settings)
    with database.read() as session:
        compared = side_by_side(session, selections, expected).as_dict()
    return {**compared, "replayed_items": replayed}
