"""Runs linked to a run: the run it came from, the runs derived from it, and its replays.

`runs.parent_run_id` links a healed (or otherwise derived) run to its original; `replays`
links a base run to each replay run. Every query here is one indexed lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from keel.core.records import RunStatus
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


@dataclass(frozen=True)
class DerivedRun:
    """A run derived from an original: `kind` is the replay's perturbation, or `heal`."""

    run_id: str
    parent_run_id: str
    kind: str
    status: str
    created_at: datetime
    risk: float | None


def derived_runs(
    session: Session, parent_ids: Sequence[str], limit: int = 2000
) -> dict[str, list[DerivedRun]]:
    """Return the runs derived from each of `parent_ids`, oldest first (at most `limit` in all)."""
    if not parent_ids:
        return {}
    query = (
        select(
            Run.run_id,
            Run.parent_run_id,
            Replay.perturbation_type,
            Run.metrics["healed_from"].as_string(),
            Run.status,
            Run.created_at,
            Run.risk,
        )
        .outerjoin(Replay, Replay.replay_run_id == Run.run_id)
        .where(Run.parent_run_id.in_(list(parent_ids)))
        .order_by(Run.parent_run_id, Run.created_at, Run.run_id)
        .limit(limit)
    )
    found: dict[str, list[DerivedRun]] = {}
    for run_id, parent, perturbation, healed_from, status, created_at, risk in session.execute(
        query
    ):
        healed = healed_from is not None or status == RunStatus.SELF_HEALED
        kind = perturbation or ("heal" if healed else "derived")
        found.setdefault(parent, []).append(
            DerivedRun(run_id, parent, kind, status, created_at, risk)
        )
    return found
