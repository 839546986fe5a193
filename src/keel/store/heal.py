"""Record a self-heal attempt on the original run and, when it worked, on the rerun."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from keel.core.records import RunStatus
from keel.store.models import Run


def record_heal(
    session: Session, run_id: str, healed_run_id: str, attempt: dict[str, Any], *, healed: bool
) -> None:
    """Append `attempt` to the original's heal attempts; mark the rerun SELF_HEALED if it held."""
    original = session.get(Run, run_id)
    rerun = session.get(Run, healed_run_id)
    if original is None or rerun is None:
        return
    original.metrics = {
        **original.metrics,
        "heal_attempts": [*original.metrics.get("heal_attempts", []), attempt],
    }
    if healed:
        original.metrics = {**original.metrics, "healed_by": healed_run_id}
        rerun.status = RunStatus.SELF_HEALED
    rerun.metrics = {**rerun.metrics, "healed_from": run_id, "heal": attempt}
