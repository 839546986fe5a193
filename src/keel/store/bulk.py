"""Bulk `INSERT ... ON CONFLICT DO NOTHING`, in the form each database takes fastest.

SQLite: one `executemany` of prepared value tuples. PostgreSQL:
one statement that inserts from `unnest` of one array per column. SQLAlchemy's multi-row VALUES
would put thousands of placeholders in a statement that psycopg re-parses on every request,
which costs more than the insert itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from psycopg.types.json import Jsonb
from sqlalchemy import JSON, Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from keel.store.engine import json_dumps
from keel.store.models import Base
from keel.store.types import UTCDateTime


def insert_new(
    session: Session, model: type[Base], rows: list[dict[str, Any]], key: str
) -> list[Any]:
    """Insert `rows` (all with the same keys), skipping conflicts; return the new rows' `key`."""
    if not rows:
        return []
    table = _table(model)
    rows = _with_defaults(table, rows)
    if session.get_bind().dialect.name == "postgresql":
        return _unnest_insert(session, table, rows, key)
    statement = sqlite.insert(table).on_conflict_do_nothing().returning(table.c[key])
    return list(session.scalars(statement, rows))


def count_new(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> int:
    """Insert `rows` (all with the same keys), skipping conflicts; return how many were new."""
    if not rows:
        return 0
    table = _table(model)
    rows = _with_defaults(table, rows)
    if session.get_bind().dialect.name == "postgresql":
        return len(_unnest_insert(session, table, rows, "id"))
    return _sqlite_executemany(session, table, rows)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def _driver(session: Session) -> Any:
    """Return the DBAPI connection (sqlite3 / psycopg) under the session's transaction."""
    driver = session.connection().connection.driver_connection
    assert driver is not None, "the session's connection is closed"
    return driver


def _with_defaults(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add the Python-side column defaults the rows leave out (raw SQL would store NULL)."""
    missing = [
        column
        for column in table.columns
        if column.name not in rows[0] and column.default is not None
    ]
    if not missing:
        return rows
    filled = []
    for row in rows:
        row = dict(row)
        for column in missing:
            default: Any = column.default
            row[column.name] = default.arg(None) if default.is_callable else default.arg
        filled.append(row)
    return filled


def _sqlite_executemany(session: Session, table: Table, rows: list[dict[str, Any]]) -> int:
    """`INSERT ... ON CONFLICT DO NOTHING` through sqlite3 directly, converting values with
    SQLAlchemy's own processors (UTC timestamps, JSON) but without its per-row machinery."""
    dialect = session.get_bind().dialect
    names = list(rows[0])
    processors = [
        (i, processor)
        for i, name in enumerate(names)
        if (processor := _sqlite_processor(table.c[name].type, dialect))
    ]
    tuples = []
    for row in rows:
        values = [row[name] for name in names]
        for i, processor in processors:
            values[i] = processor(values[i])
        tuples.append(values)
    statement = (
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
        "ON CONFLICT DO NOTHING"
    )
    cursor = _driver(session).cursor()
    try:
        cursor.executemany(statement, tuples)
        return int(cursor.rowcount)  # sqlite3 sums what each execution really inserted
    finally:
        cursor.close()


def _sqlite_processor(column_type: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """SQLAlchemy's bind processor for the column, but a C-speed one for UTC timestamps (a
    span has three of them, and the generic pair of processors formats each in Python)."""
    if isinstance(column_type, UTCDateTime):
        return sqlite_timestamp
    return cast(
        Callable[[Any], Any] | None, column_type.dialect_impl(dialect).bind_processor(dialect)
    )


def sqlite_timestamp(value: datetime | None) -> str | None:
    """Return `value` as SQLite stores a UTCDateTime: naive UTC, `YYYY-MM-DD HH:MM:SS.ffffff`."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def _unnest_insert(
    session: Session, table: Table, rows: list[dict[str, Any]], key: str
) -> list[Any]:
    dialect = session.get_bind().dialect
    names = list(rows[0])
    casts = ", ".join(
        f"%({name})b::{table.c[name].type.compile(dialect=dialect)}[]" for name in names
    )
    statement = (
        f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest({casts}) "
        f"ON CONFLICT DO NOTHING RETURNING {key}"
    )
    columns = {name: [row[name] for row in rows] for name in names}
    for name, values in columns.items():
        column_type = table.c[name].type
        if isinstance(column_type, JSON):
            # As SQLAlchemy's JSON type does: Python None is stored as JSON null.
            columns[name] = [Jsonb(value, dumps=json_dumps) for value in values]
        elif column_type.python_type is datetime:
            columns[name] = [_utc(value) for value in values]
    # psycopg directly, in binary: text-format arrays escape every quote of every payload.
    with _driver(session).cursor(binary=True) as cursor:
        cursor.execute(statement, columns)
        return [row[0] for row in cursor.fetchall()]


def _utc(value: datetime | None) -> datetime | None:
    """Return `value` timezone-aware in UTC (naive means UTC, as the UTCDateTime column says)."""
    if value is None or value.tzinfo is UTC:
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
