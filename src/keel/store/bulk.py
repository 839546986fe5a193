"""Bulk `INSERT ... ON CONFLICT DO NOTHING`, in the form each database takes fastest.

SQLite: one `executemany` of prepared value tuples. PostgreSQL:
one statement that inserts from `unnest` of one array per column. SQLAlchemy's multi-row VALUES
would put thousands of placeholders in a statement that psycopg re-parses on every request,
which costs more than the insert itself. Two other PostgreSQL forms are kept beside it,
measured against it in one run by `bench/ingest.py --pg-write` and slower on keel's exports
(docs/benchmarks.md): binary COPY into a temporary table then `INSERT ... SELECT ... ON
CONFLICT`, and a prepared per-row INSERT sent by psycopg's pipelined `executemany`.
"""

from __future__ import annotations

import zlib
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
        return POSTGRES_INSERTS[POSTGRES_INSERT](session, table, rows, key)
    statement = sqlite.insert(table).on_conflict_do_nothing().returning(table.c[key])
    return list(session.scalars(statement, rows))


def count_new(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> int:
    """Insert `rows` (all with the same keys), skipping conflicts; return how many were new."""
    if not rows:
        return 0
    table = _table(model)
    rows = _with_defaults(table, rows)
    if session.get_bind().dialect.name == "postgresql":
        return len(POSTGRES_INSERTS[POSTGRES_INSERT](session, table, rows, "id"))
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


def _copy_insert(session: Session, table: Table, rows: list[dict[str, Any]], key: str) -> list[Any]:
    """The COPY form of `_unnest_insert`: binary COPY into a temporary table of the rows'
    columns, then one `INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING` from it (COPY
    itself cannot skip conflicts, and retried exports must not duplicate).

    The temporary table lives for the connection and is emptied at each commit; its JSON
    columns are text (serialised here, cast by the INSERT), which COPY writes without a
    per-value adapter.
    """
    dialect = session.get_bind().dialect
    names = list(rows[0])
    column_list = ", ".join(names)
    staging = f"_keel_copy_{table.name}_{zlib.crc32(column_list.encode()):08x}"
    json_columns = [i for i, name in enumerate(names) if isinstance(table.c[name].type, JSON)]
    time_columns = [i for i, name in enumerate(names) if table.c[name].type.python_type is datetime]
    types = [
        "text" if i in json_columns else _copy_type(table.c[name].type.compile(dialect=dialect))
        for i, name in enumerate(names)
    ]
    selected = ", ".join(
        f"{name}::jsonb" if i in json_columns else name for i, name in enumerate(names)
    )
    with _driver(session).cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS SELECT "
            + ", ".join(
                f"{name}::text AS {name}" if i in json_columns else name
                for i, name in enumerate(names)
            )
            + f" FROM {table.name} WITH NO DATA"
        )
        with cursor.copy(f"COPY {staging} ({column_list}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                values = [row[name] for name in names]
                for i in json_columns:
                    values[i] = json_dumps(values[i])
                for i in time_columns:
                    values[i] = _utc(values[i])
                copy.write_row(values)
        cursor.execute(
            f"INSERT INTO {table.name} ({column_list}) SELECT {selected} FROM {staging} "
            f"ON CONFLICT DO NOTHING RETURNING {key}"
        )
        found = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"DELETE FROM {staging}")  # for a second batch in this transaction
        return found


def _executemany_insert(
    session: Session, table: Table, rows: list[dict[str, Any]], key: str
) -> list[Any]:
    """The executemany form of `_unnest_insert`: one prepared `INSERT ... VALUES ... ON
    CONFLICT DO NOTHING RETURNING` per row, which psycopg 3 sends in pipeline mode."""
    names = list(rows[0])
    json_columns = [name for name in names if isinstance(table.c[name].type, JSON)]
    time_columns = [name for name in names if table.c[name].type.python_type is datetime]
    statement = (
        f"INSERT INTO {table.name} ({', '.join(names)}) "
        f"VALUES ({', '.join('%s' for _ in names)}) ON CONFLICT DO NOTHING RETURNING {key}"
    )
    values = []
    for row in rows:
        row = dict(row)
        for name in json_columns:
            row[name] = Jsonb(row[name], dumps=json_dumps)
        for name in time_columns:
            row[name] = _utc(row[name])
        values.append([row[name] for name in names])
    found: list[Any] = []
    with _driver(session).cursor() as cursor:
        cursor.executemany(statement, values, returning=True)
        while True:
            found += [row[0] for row in cursor.fetchall()]
            if not cursor.nextset():
                return found


def _copy_type(compiled: str) -> str:
    """Return the name psycopg's type registry knows a compiled column type by (no length)."""
    name = compiled.split("(", 1)[0].lower()
    return "double precision" if name == "float" else name


def _utc(value: datetime | None) -> datetime | None:
    """Return `value` timezone-aware in UTC (naive means UTC, as the UTCDateTime column says)."""
    if value is None or value.tzinfo is UTC:
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: The PostgreSQL bulk insert forms by name, and the one used: `python bench/ingest.py
#: --pg-write` measures them against each other in one run (docs/benchmarks.md).
POSTGRES_INSERTS: dict[str, Callable[[Session, Table, list[dict[str, Any]], str], list[Any]]] = {
    "unnest": _unnest_insert,
    "copy": _copy_insert,
    "executemany": _executemany_insert,
}
POSTGRES_INSERT = "unnest"
