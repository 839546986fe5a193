"""Store simulated support runs, for drift tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from keel.core.records import EventRecord, RunRecord, ToolCallRecord
from keel.core.sanitize import seal_runs
from keel.drift.simulation import Shift, population_runs
from keel.store.engine import Database
from keel.store.models import Run
from keel.store.writes import write_runs

START = datetime(2026, 10, 1, tzinfo=UTC)


def seed(
    database: Database, prefix: str, n: int, seed: int, day: int, shift: Shift | None = None
) -> None:
    """Store `n` simulated support runs on `day` days after START."""
    records, stabilities = [], {}
    for i, run in enumerate(population_runs(n, seed, shift)):
        run_id = f"{prefix}-{i:03d}"
        created = START + timedelta(days=day, minutes=i)
        records.append(
            RunRecord(
                run_id=run_id,
                workflow_type="support",
                created_at=created,
                model="offline",
                latency_ms=run.latency_ms,
                output={"category": run.category, "answer": "a"},
                events=[EventRecord(event_type="llm", seq=0, cost_usd=run.cost_usd)],
                tool_calls=[
                    ToolCallRecord(
                        tool_name=tool,
                        args_digest="0" * 64,
                        seq=k,
                        started_at=created + timedelta(seconds=k),
                        error="boom" if tool in run.tool_errors else None,
                    )
                    for k, tool in enumerate(run.tool_path)
                ],
            )
        )
        stabilities[run_id] = run.stability
    with database.write() as session:
        write_runs(session, seal_runs(records))
        for run_id, stability in stabilities.items():
            session.execute(update(Run).where(Run.run_id == run_id).values(stability=stability))
