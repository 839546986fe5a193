"""keel's reference demo, registered as a plugin (entry point `keel = keel.reference.plugin`).

It adds what a user's package would: the support agent's replay target, the offline model,
the output contracts of its two workflows and their built-in tool-usage policies. Heavy modules
are imported inside the hooks, so loading the plugin costs nothing until a hook is called.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any

from keel.plugins import hookimpl

if TYPE_CHECKING:
    from keel.core.settings import Settings
    from keel.evaluate.contract import OutputContract
    from keel.models.registry import ProviderType
    from keel.replay.target import ReplayTarget
    from keel.store.engine import Database


@hookimpl
def keel_replay_targets(database: Database, settings: Settings) -> list[ReplayTarget]:
    from keel.reference.agents.support.replay_target import SupportTarget

    return [SupportTarget(database, settings)]


@hookimpl
def keel_model_providers() -> list[ProviderType]:
    from keel.reference.offline_model.provider_type import OfflineType

    return [OfflineType()]


@hookimpl
def keel_output_contracts() -> list[OutputContract]:
    from keel.reference.agents.contracts import SQL_CONTRACT, SUPPORT_CONTRACT

    return [SUPPORT_CONTRACT, SQL_CONTRACT]


@hookimpl
def keel_tool_policies() -> list[tuple[str, str]]:
    folder = resources.files("keel.reference") / "tool_policies"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    return [(f"built-in {f.name}", f.read_text(encoding="utf-8")) for f in files]


@hookimpl
def keel_expected_outcomes(
    workflow_type: str, items: list[str], settings: Settings
) -> list[tuple[str, dict[str, Any]]]:
    if workflow_type != "support" or not items:
        return []
    from keel.reference.world import ensure_world

    wanted = set(items)
    return [
        (
            t.ticket_id,
            {"category": str(t.gold_category), "needs_human_review": t.gold_needs_human_review},
        )
        for t in ensure_world(settings.home).tickets()
        if t.ticket_id in wanted
    ]
