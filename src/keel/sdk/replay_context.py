"""The context a replay runs the host's entrypoint in: which run id to record under, which tool
constraint (P3) the host's `@keel.tool` functions must feel, which of them may run for real
(`tools`, keel.core.side_effects), and where the finished run goes.

Outside a replay there is no context and the SDK behaves as usual. The tool gate also holds in
threads the entrypoint starts (a context variable does not follow them): while a replay runs,
`replay_for_tools` falls back to the process's innermost replay.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from keel.core.side_effects import ReplayToolPolicy


@dataclass
class ReplayContext:
    """Set by the replay engine around one call of a replayable entrypoint."""

    run_id: str
    parent_run_id: str
    constraint: dict[str, Any] | None = None
    finished_runs: list[bytes] = field(default_factory=list)
    tools: ReplayToolPolicy | None = None


_context: ContextVar[ReplayContext | None] = ContextVar("keel_replay_context", default=None)
_in_process: list[ReplayContext] = []


def active_replay() -> ReplayContext | None:
    """Return the replay this call runs in, or None outside a replay."""
    return _context.get()


@contextmanager
def replaying(context: ReplayContext) -> Iterator[ReplayContext]:
    """Run the block as replay `context`; finished runs are collected instead of queued."""
    token = _context.set(context)
    _in_process.append(context)
    try:
        yield context
    finally:
        _in_process.remove(context)
        _context.reset(token)


def replay_for_tools() -> ReplayContext | None:
    """Return the replay whose tool gate a tool call must pass (see the module docstring)."""
    return _context.get() or (_in_process[-1] if _in_process else None)
