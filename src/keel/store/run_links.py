"""Runs linked to a run: the run it came from, the runs derived from it, and its replays.

`runs.parent_run_id` links a healed (or otherwise derived) run to its original; `replays`
links a base run to each replay run. Every query here is one indexed lookup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from keel.store.models import Replay, Run


@dataclass(frozen=True)
class LinkedRun:
    """A run seen from another one: enough to name it and link to it."""

    run_id: str
    status: str
    created_at: datetime
    stability: float | None


@dataclass(frozen=True)
class ReplayLink:
    """One replay of a base run and the run it produced (None while it has none)."""

    replay_id: str
    perturbation_type: str
    created_at: datetime
    replay_run_id: str | None
    base_run_id: str


@dataclass
class RunLinks:
    """Where a run sits among its relatives."""

    parent: LinkedRun | None = None
    children: list[LinkedRun] = field(default_factory=list)
    replays: list[ReplayLink] = field(default_factory=list)
    replay_of: ReplayLink | None = None


_LINKED_COLUMNS = (Run.run_id, Run.status, Run.created_at, Run.stability)
_REPLAY_COLUMNS = (
    Replay.replay_id,
    Replay.perturbation_type,
    Replay.created_at,
    Replay.replay_run_id,
    Replay.base_run_id,
)


def run_links(session: Session, run: Run, limit: int = 100) -> RunLinks:
    """Return the parent, the derived runs and the replays of `run` (each list capped)."""
    links = RunLinks()
    if run.parent_run_id:
        row = session.execute(
            select(*_LINKED_COLUMNS).where(Run.run_id == run.parent_run_id)
        ).first()
        links.parent = LinkedRun(*row) if row else None
    children = session.execute(
        select(*_LINKED_COLUMNS)
        .where(Run.parent_run_id == run.run_id)
        .order_by(Run.created_at, Run.run_id)
        .limit(limit)
    )
    links.children = [LinkedRun(*row) for row in children]
    replays = session.execute(
        select(*_REPLAY_COLUMNS)
        .where(Replay.base_run_id == run.run_id)
        .order_by(Replay.created_at, Replay.replay_id)
        .limit(limit)
    )
    links.replays = [ReplayLink(*row) for row in replays]
    origin = session.execute(
        select(*_REPLAY_COLUMNS).where(Replay.replay_run_id == run.run_id).limit(1)
    ).first()
    links.replay_of = ReplayLink(*origin) if origin else None
    return links
