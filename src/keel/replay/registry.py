"""The replay targets keel knows, in the order they are asked whether they accept a run:
the plugins' targets first (keel's reference agents register theirs this way), then the
built-in ones for `@keel.replayable` entrypoints and for LLM calls captured in traces."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from keel.core.settings import Settings
from keel.plugins.manager import collected, plugin_manager
from keel.replay.entrypoints import EntrypointTarget
from keel.replay.llm_calls import LlmCallTarget
from keel.replay.target import ReplayTarget
from keel.store.engine import Database


def default_targets(database: Database, settings: Settings) -> list[ReplayTarget]:
    """Return every replay target, each bound to `database` and `settings`."""
    hook = plugin_manager().hook.keel_replay_targets
    plugged: list[ReplayTarget] = collected(hook(database=database, settings=settings))
    return [*plugged, EntrypointTarget(database), LlmCallTarget(database, settings)]


@contextmanager
def replay_targets(database: Database, settings: Settings) -> Iterator[list[ReplayTarget]]:
    """Yield the default targets, closing what they opened (tool servers) afterwards."""
    targets = default_targets(database, settings)
    try:
        yield targets
    finally:
        for target in targets:
            target.close()
