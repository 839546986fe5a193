"""Governance's part of ingestion, called by keel.ingest.storing.store_runs (which every
ingestion path uses) in the same transaction as the write: new runs are audited
(`run.ingested`) and every run the write touched is checked against its tool-usage policy."""

from __future__ import annotations

from sqlalchemy.orm import Session

from keel.core.records import WriteCounts
from keel.govern import audit, tool_policies


def after_ingest(session: Session, counts: WriteCounts, actor: str, channel: str) -> None:
    """Audit the runs the write created, and check every run it touched against its policy."""
    events = [
        audit.AuditEvent("run.ingested", audit.run_subject(run_id), actor, {"channel": channel})
        for run_id in counts.inserted_run_ids
    ]
    audit.append_many(session, events)
    tool_policies.check_runs(session, counts.run_ids, actor)
