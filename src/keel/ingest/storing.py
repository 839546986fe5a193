"""Store ingested runs, in the caller's transaction, with everything that follows from them:
governance (audit entry, tool-usage policy check) and evaluation (output flags, risk)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from keel.core.records import RunRecord, WriteCounts
from keel.govern.assessment import assess_runs
from keel.govern.intake import after_ingest
from keel.store.writes import write_runs


def store_runs(
    session: Session, records: Sequence[RunRecord], actor: str, channel: str
) -> WriteCounts:
    """Write `records`; audit and policy-check them (keel.govern); flag outputs, score risk.

    `actor` is who sent them (a key, `cli:<user>`, `sdk`), `channel` the path (api, otlp, ...).
    Tool-policy flags are stored before the risk is scored, so they count toward it.
    """
    counts = write_runs(session, records)
    after_ingest(session, counts, actor, channel)
    assess_runs(session, [record.run_id for record in records if record.output])
    return counts
