"""Every extension point of keel, in one file (pluggy hook specifications).

A plugin is a module or object with functions marked `@keel.plugins.hookimpl`, named as below.
An installed package registers one with an entry point in the `keel` group:

    [project.entry-points.keel]
    my_agents = "my_package.keel_plugin"

Hooks return lists; keel concatenates the answers of every plugin, newest registration first,
and puts its own built-ins after them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from keel.core.settings import Settings
    from keel.evaluate.contract import OutputContract
    from keel.models.registry import ProviderType
    from keel.replay.target import ReplayTarget
    from keel.store.engine import Database

PROJECT = "keel"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def keel_replay_targets(database: Database, settings: Settings) -> list[ReplayTarget]:
    """Return replay targets that can re-execute runs, bound to `database` and `settings`.

    The engine asks each target in turn whether it accepts a run; the first that does replays it.
    """


@hookspec
def keel_model_providers() -> list[ProviderType]:
    """Return model provider types: each parses the specs of one prefix (`name:...`) and builds
    the provider a spec names."""


@hookspec
def keel_output_contracts() -> list[OutputContract]:
    """Return the output contracts of workflows: which output fields are categorical, sets or
    text, and what identifies an item across runs."""


@hookspec
def keel_tool_policies() -> list[tuple[str, str]]:
    """Return built-in tool-usage policies as (origin, TOML text) pairs; a version loaded into
    the database later wins over them."""


@hookspec
def keel_expected_outcomes(
    workflow_type: str, items: list[str], settings: Settings
) -> list[tuple[str, dict[str, Any]]]:
    """Return (item, expected output fields) for the items of `workflow_type` whose right
    answer this plugin knows (a labelled set's gold), e.g. `("T-0001", {"category": "TAX"})`.

    The reliability profile compares runs of those items with them; an item no plugin knows,
    and whose runs record no `metrics.expected`, has no expected outcome.
    """
