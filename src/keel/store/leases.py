"""Leases on background work (replay sets and jobs): who runs it, and until when they hold it.

A runner claims queued work, or running work whose lease has expired (its runner died), in one
conditional UPDATE, so of two runners racing for it exactly one wins on either database. The
winner renews its lease while it works; the database, not the queue, says who runs what.
"""

from __future__ import annotations

import enum
from datetime import timedelta

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session

from keel.store.models import Job, ReplaySet, utcnow

Leased = type[ReplaySet] | type[Job]
UNFINISHED = ("queued", "running")


class Claim(enum.StrEnum):
    """What a claim found: the work is now ours, someone live holds it, or nothing is left."""

    CLAIMED = "claimed"
    BUSY = "busy"
    FINISHED = "finished"


def _key(model: Leased):  # type: ignore[no-untyped-def]
    return ReplaySet.set_id if model is ReplaySet else Job.job_id


def claim(session: Session, model: Leased, key: str, token: str, lease_s: float) -> Claim:
    """Take work `key` for runner `token` for `lease_s` seconds, if it is free or abandoned."""
    now = utcnow()
    claimed = session.execute(
        update(model)
        .where(
            _key(model) == key,
            model.status.in_(UNFINISHED),
            or_(model.lease_expires_at.is_(None), model.lease_expires_at < now),
        )
        .values(
            claimed_by=token,
            lease_expires_at=now + timedelta(seconds=lease_s),
            attempts=model.attempts + 1,
            status=case((model.status == "queued", "running"), else_=model.status),
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount == 1:  # type: ignore[attr-defined]
        return Claim.CLAIMED
    status = session.scalar(select(model.status).where(_key(model) == key))
    return Claim.BUSY if status in UNFINISHED else Claim.FINISHED


def renew(session: Session, model: Leased, key: str, token: str, lease_s: float) -> bool:
    """Extend runner `token`'s lease on `key`; False when it no longer holds it."""
    renewed = session.execute(
        update(model)
        .where(_key(model) == key, model.claimed_by == token)
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_s))
        .execution_options(synchronize_session=False)
    )
    return renewed.rowcount == 1  # type: ignore[attr-defined]


def release(session: Session, model: Leased, key: str, token: str) -> None:
    """Give up runner `token`'s lease on `key` (the work is done, failed or cancelled)."""
    session.execute(
        update(model)
        .where(_key(model) == key, model.claimed_by == token)
        .values(claimed_by=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )


def lease_left_s(session: Session, model: Leased, key: str) -> float:
    """Return the seconds left on the lease of `key` (0 when none or expired)."""
    expires = session.scalar(select(model.lease_expires_at).where(_key(model) == key))
    return max(0.0, (expires - utcnow()).total_seconds()) if expires else 0.0


def abandoned(session: Session, model: Leased) -> list[str]:
    """Return the keys of unfinished work nobody holds a live lease on, oldest first."""
    query = select(_key(model)).where(
        model.status.in_(UNFINISHED),
        or_(model.lease_expires_at.is_(None), model.lease_expires_at < utcnow()),
    )
    return list(session.scalars(query.order_by(model.created_at)))


def cancel(session: Session, model: Leased, key: str) -> bool:
    """Mark unfinished work `key` cancelled; False when it had already finished."""
    cancelled = session.execute(
        update(model)
        .where(_key(model) == key, model.status.in_(UNFINISHED))
        .values(status="cancelled", finished_at=utcnow(), error="cancelled")
        .execution_options(synchronize_session=False)
    )
    return cancelled.rowcount == 1  # type: ignore[attr-defined]


def is_cancelled(session: Session, model: Leased, key: str) -> bool:
    """Return whether `key` has been cancelled."""
    return session.scalar(select(model.status).where(_key(model) == key)) == "cancelled"
