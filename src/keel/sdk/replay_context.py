"""The context a replay runs the host's entrypoint in: which run id to record under, which tool
constraint (P3) the host's `@keel.tool` functions must feel, and where the finished run goes.

Outside a replay there is no context and the SDK behaves as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ReplayContext:
    """Set by the replay engine around one call of a replayable entrypoint."""

    run_id: str
    parent_run_id: str
    constraint: dict[str, Any] | None = None
    finished_runs: list[bytes] = field(default_factory=list)


_context: ContextVar[ReplayContext | None] = ContextVar("keel_replay_context", default=None)


def active_replay() -> ReplayContext | None:
    """Return the replay this call runs in, or None outside a replay."""
    return _context.get()


@contextmanager
def replaying(context: ReplayContext) -> Iterator[ReplayContext]:
    """Run the block as replay `context`; finished runs are collected instead of queued."""
    token = _context.set(context)
    try:
        yield context
    finally:
        _context.reset(token)
