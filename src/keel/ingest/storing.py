"""Store ingested runs and assess the ones that carry an output, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from keel.evaluate.assessment import assess_runs
from keel.store.records import RunRecord, WriteCounts
from keel.store.writes import write_runs


def store_runs(session: Session, records: Sequence[RunRecord]) -> WriteCounts:
    """Write `records`; then flag their outputs and score their risk (keel.evaluate)."""
    counts = write_runs(session, records)
    assess_runs(session, [record.run_id for record in records if record.output])
    return counts
