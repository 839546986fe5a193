"""Store ingested runs, in the caller's transaction, with everything that follows from them:
governance (audit entry, tool-usage policy check) and evaluation (output flags, risk).

Every record passes `keel.core.sanitize` first (NUL and lone surrogates replaced, secrets
masked, over-long text cut); `write_runs` refuses a record that did not. Callers on a hot path
seal their records with `seal_runs` before opening the transaction, so the write lock is held
only for the writes; records they seal are not sanitised twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from keel.core.records import RunRecord, WriteCounts
from keel.core.sanitize import seal_runs
from keel.evaluate.profile_judging import record_facts
from keel.govern.assessment import assess_runs
from keel.govern.intake import after_ingest
from keel.store.writes import write_runs

__all__ = ["seal_runs", "store_runs"]


def store_runs(
    session: Session, records: Sequence[RunRecord], actor: str, channel: str
) -> WriteCounts:
    """Write `records`; audit and policy-check them (keel.govern); flag outputs, score risk.

    `actor` is who sent them (a key, `cli:<user>`, `sdk`), `channel` the path (api, otlp, ...).
    Tool-policy flags are stored before the risk is scored, so they count toward it.
    """
    records = seal_runs(records)
    counts = write_runs(session, records, record_facts)
    after_ingest(session, counts, actor, channel)
    assess_runs(session, [record.run_id for record in records if record.output])
    return counts
