"""Bulk inserts: the fast SQLite timestamp text is the one SQLAlchemy's processors produce;
every PostgreSQL form inserts new rows once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy import insert as insert_table
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from keel.store.bulk import POSTGRES_INSERTS, _table, _with_defaults, sqlite_timestamp
from keel.store.engine import Database
from keel.store.models import Event, Run
from keel.store.types import UTCDateTime

ZONES = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
)


def _sqlalchemy_text(value: datetime) -> str:
    dialect = sqlite.dialect()
    column_type = UTCDateTime()
    impl_processor = column_type.impl.dialect_impl(dialect).bind_processor(dialect)
    assert impl_processor is not None
    return impl_processor(column_type.process_bind_param(value, dialect))


@settings(max_examples=500, deadline=None)
@given(st.datetimes(min_value=datetime(1001, 1, 2), max_value=datetime(9998, 12, 30)), ZONES)
def test_sqlite_timestamp_text_equals_sqlalchemy_processors(value: datetime, zone: object) -> None:
    value = value.replace(tzinfo=zone)  # type: ignore[arg-type]
    assert sqlite_timestamp(value) == _sqlalchemy_text(value)


def test_sqlite_timestamp_keeps_none() -> None:
    assert sqlite_timestamp(None) is None


@pytest.mark.parametrize("form", sorted(POSTGRES_INSERTS))
def test_postgres_forms_insert_new_rows_once(postgresql_url: str, form: str) -> None:
    """Every PostgreSQL bulk form skips conflicts (a retried export stores nothing twice),
    returns only the new rows' keys, keeps JSON and UTC timestamps, and serves two batches of
    one table in one transaction and again after a rollback."""
    database = Database(postgresql_url)
    run_id = f"bulk-{form}-{uuid.uuid4().hex[:8]}"
    started = datetime(2026, 12, 4, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    rows = [_event_row(run_id, seq, started) for seq in range(3)]

    def insert(session: Session, batch: list[dict[str, Any]], key: str) -> list[Any]:
        table = _table(Event)
        return POSTGRES_INSERTS[form](session, table, _with_defaults(table, batch), key)

    try:
        with database.write() as session:
            session.execute(insert_table(Run).values(run_id=run_id, workflow_type="bulk"))
            first = insert(session, rows[:2], "seq")
            again = insert(session, rows, "seq")  # same transaction, a retry
        with pytest.raises(RuntimeError), database.write() as session:
            insert(session, [_event_row(run_id, 9, started)], "seq")
            raise RuntimeError("rolled back")
        with database.write() as session:
            retried = insert(session, rows, "seq")
        with database.read() as session:
            stored = session.execute(
                select(Event.seq, Event.payload, Event.started_at)
                .where(Event.run_id == run_id)
                .order_by(Event.seq)
            ).all()
    finally:
        with database.write() as session:
            session.execute(delete(Run).where(Run.run_id == run_id))
        database.dispose()
    assert (sorted(first), again, retried) == ([0, 1], [2], [])
    assert [row.seq for row in stored] == [0, 1, 2]
    assert stored[1].payload == {"text": "step 1", "n": None, "nested": [1, "1099"]}
    assert stored[0].started_at == started.astimezone(UTC)


def _event_row(run_id: str, seq: int, started: datetime) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "seq": seq,
        "event_type": "llm",
        "span_id": f"{seq:016x}",
        "started_at": started,
        "input_tokens": 10 * seq,
        "cost_usd": 0.5,
        "payload": {"text": f"step {seq}", "n": None, "nested": [1, "1099"]},
    }
