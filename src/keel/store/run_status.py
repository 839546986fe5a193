"""Status changes of a stored run: a run written while it was RUNNING is finished here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from keel.core.records import RunStatus
from keel.store.models import Run


def finish_run(
    session: Session, run_id: str, status: RunStatus, ended_at: datetime, error: str | None = None
) -> bool:
    """Mark the RUNNING run `run_id` as `status` at `ended_at`; return whether it was RUNNING."""
    run = session.get(Run, run_id, with_for_update=True)
    if run is None or run.status != RunStatus.RUNNING:
        return False
    session.execute(
        update(Run)
        .where(Run.run_id == run_id)
        .values(
            status=status,
            ended_at=ended_at,
            latency_ms=(ended_at - run.created_at).total_seconds() * 1000.0,
            error=error,
        )
        .execution_options(synchronize_session=False)
    )
    return True
