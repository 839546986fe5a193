"""Bulk inserts: the fast SQLite timestamp text is the one SQLAlchemy's processors produce."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from keel.store.bulk import sqlite_timestamp
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
