"""Policy flags of runs: replaced per (run, source) so re-evaluating a run never duplicates them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from keel.store.models import PolicyFlag, utcnow


def replace_flags(
    session: Session, run_id: str, source: str, flags: Sequence[dict[str, Any]]
) -> None:
    """Store `flags` as the findings of `source` on `run_id`, dropping that source's old ones.

    Each flag is a dict with rule_id, category, severity and optionally rule_version, message
    and evidence.
    """
    session.execute(
        delete(PolicyFlag).where(PolicyFlag.run_id == run_id, PolicyFlag.source == source)
    )
    session.add_all(PolicyFlag(run_id=run_id, source=source, **flag) for flag in flags)


def replace_flags_of_runs(
    session: Session, source: str, flags_by_run: Mapping[str, Sequence[dict[str, Any]]]
) -> None:
    """`replace_flags` for many runs at once: one DELETE, one batched INSERT."""
    if not flags_by_run:
        return
    session.execute(
        delete(PolicyFlag).where(
            PolicyFlag.run_id.in_(list(flags_by_run)), PolicyFlag.source == source
        )
    )
    rows = [
        {
            "rule_version": "",
            "message": "",
            "evidence": {},
            "created_at": utcnow(),
            **flag,
            "run_id": run_id,
            "source": source,
        }
        for run_id, flags in flags_by_run.items()
        for flag in flags
    ]
    if rows:
        session.execute(insert(PolicyFlag), rows)


def flags_of_run(session: Session, run_id: str) -> list[PolicyFlag]:
    """Return the flags of `run_id` in the order they were stored."""
    query = select(PolicyFlag).where(PolicyFlag.run_id == run_id).order_by(PolicyFlag.id)
    return list(session.scalars(query))


def flag_severities(session: Session, run_ids: Sequence[str]) -> list[tuple[str, str]]:
    """Return (run_id, severity) of every flag of `run_ids`."""
    query = select(PolicyFlag.run_id, PolicyFlag.severity).where(
        PolicyFlag.run_id.in_(list(run_ids))
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def flags_of_runs(session: Session, run_ids: Sequence[str]) -> list[PolicyFlag]:
    """Return the flags of every run in `run_ids`, by run, in the order they were stored."""
    query = select(PolicyFlag).where(PolicyFlag.run_id.in_(list(run_ids)))
    return list(session.scalars(query.order_by(PolicyFlag.run_id, PolicyFlag.id)))
