"""Replay sets and their replays: create, advance, finish, and read back for comparison."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from keel.store.models import Replay, ReplaySet, Run, utcnow


def create_replay_set(
    session: Session,
    set_id: str,
    base_run_id: str,
    seed: int,
    perturbations: Sequence[str],
    samples: int,
    total: int,
) -> ReplaySet:
    """Store a queued replay set and return it."""
    replay_set = ReplaySet(
        set_id=set_id,
        base_run_id=base_run_id,
        status="queued",
        seed=seed,
        perturbations={"kinds": list(perturbations)},
        samples=samples,
        total=total,
        done=0,
    )
    session.add(replay_set)
    session.flush()
    return replay_set


def add_replay(
    session: Session,
    replay_id: str,
    set_id: str,
    base_run_id: str,
    perturbation: str,
    sample: int,
    replay_run_id: str | None,
    metrics: dict[str, Any],
) -> None:
    """Record one finished replay and advance its set's progress."""
    session.add(
        Replay(
            replay_id=replay_id,
            set_id=set_id,
            base_run_id=base_run_id,
            perturbation_type=perturbation,
            sample=sample,
            replay_run_id=replay_run_id,
            metrics=metrics,
        )
    )
    session.execute(
        update(ReplaySet)
        .where(ReplaySet.set_id == set_id)
        .values(
            done=ReplaySet.done + 1,
            status=case((ReplaySet.status == "queued", "running"), else_=ReplaySet.status),
        )
    )


def stored_replay(session: Session, replay_id: str) -> Replay | None:
    """Return replay `replay_id` when an earlier attempt at its set already stored it."""
    return session.get(Replay, replay_id)


def finish_replay_set(
    session: Session, set_id: str, result: dict[str, Any] | None, error: str | None = None
) -> bool:
    """Mark an unfinished set completed with its result, or failed with the reason.

    Returns False, changing nothing, when the set had already finished or been cancelled: of
    two attempts at one set, only the first to finish scores it.
    """
    finished = session.execute(
        update(ReplaySet)
        .where(ReplaySet.set_id == set_id, ReplaySet.status.in_(("queued", "running")))
        .values(
            status="failed" if error else "completed",
            result=result or {},
            error=error,
            finished_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    return finished.rowcount == 1  # type: ignore[attr-defined]


def score_run(session: Session, run_id: str, stability: float | None, status: str | None) -> None:
    """Store a run's stability (and new status, when given) in its indexed columns."""
    values: dict[str, Any] = {"stability": stability}
    if status:
        values["status"] = status
    session.execute(update(Run).where(Run.run_id == run_id).values(**values))


@dataclass
class ReplaySetDetail:
    """A replay set with its replays in plan order."""

    replay_set: ReplaySet
    replays: list[Replay]


def replay_set_detail(session: Session, set_id: str) -> ReplaySetDetail | None:
    """Return replay set `set_id` with its replays, or None when unknown."""
    replay_set = session.get(ReplaySet, set_id)
    if replay_set is None:
        return None
    replays = session.scalars(
        select(Replay).where(Replay.set_id == set_id).order_by(Replay.created_at, Replay.replay_id)
    ).all()
    return ReplaySetDetail(replay_set, list(replays))


def replay_sets_of_run(session: Session, run_id: str) -> list[ReplaySet]:
    """Return the replay sets whose base is `run_id`, newest first."""
    query = select(ReplaySet).where(ReplaySet.base_run_id == run_id)
    return list(session.scalars(query.order_by(ReplaySet.created_at.desc())))
