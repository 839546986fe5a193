"""The replay targets keel knows, in the order they are asked whether they accept a run."""

from __future__ import annotations

from keel.replay.entrypoints import EntrypointTarget
from keel.replay.llm_calls import LlmCallTarget
from keel.replay.target import ReplayTarget
from keel.store.engine import Database


def default_targets(database: Database) -> list[ReplayTarget]:
    """Return every replay target, each bound to `database` for the runs it stores."""
    return [EntrypointTarget(database), LlmCallTarget(database)]
