"""The replay targets keel knows, in the order they are asked whether they accept a run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from keel.agents.support.replay_target import SupportTarget
from keel.replay.entrypoints import EntrypointTarget
from keel.replay.llm_calls import LlmCallTarget
from keel.replay.target import ReplayTarget
from keel.store.engine import Database


def default_targets(database: Database) -> list[ReplayTarget]:
    """Return every replay target, each bound to `database` for the runs it stores."""
    return [SupportTarget(database), EntrypointTarget(database), LlmCallTarget(database)]


@contextmanager
def replay_targets(database: Database) -> Iterator[list[ReplayTarget]]:
    """Yield the default targets, closing what they opened (tool servers) afterwards."""
    targets = default_targets(database)
    try:
        yield targets
    finally:
        for target in targets:
            target.close()
