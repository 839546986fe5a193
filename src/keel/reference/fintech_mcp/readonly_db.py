"""The second gate of `db.query`, and the only way the tools read the bank: SQLite held read-only.

Whatever SQL reaches this module runs on a connection that
- is opened read-only (`mode=ro` URI) and set `PRAGMA query_only`, so SQLite refuses writes;
- has an authorizer that allows only SELECT, reads of the allowed tables, the allowed functions
  and recursive CTEs, and denies everything else SQLite asks about (ATTACH, PRAGMA, writes, ...);
- has limits: no attached databases, strings and blobs of at most 1 MB, bounded SQL length;
- is interrupted by a progress handler once the deadline passes (a huge cross join, a runaway
  recursive CTE);
- returns at most `row_limit` rows, saying whether more were left.
A refusal raises InvalidInput naming the reason; the deadline raises TimedOut.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keel.core.errors import InvalidInput, KeelError, TimedOut
from keel.reference.fintech_mcp.sql_guard import ALLOWED_FUNCTIONS

MAX_VALUE_BYTES = 1_000_000
PROGRESS_EVERY_OPS = 2_000


@dataclass
class QueryResult:
    """Rows of a read-only query: column names, rows as lists, and whether rows were cut off."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    elapsed_ms: float


@dataclass
class _Authorizer:
    allowed_tables: frozenset[str]
    denied: list[str] = field(default_factory=list)

    def __call__(
        self,
        action: int,
        arg1: str | None,
        arg2: str | None,
        database: str | None,
        _trigger: str | None,
    ) -> int:
        if action == sqlite3.SQLITE_SELECT or action == sqlite3.SQLITE_RECURSIVE:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_READ:
            # SQLite names no database for some reads it plans itself (count(*) in a compound).
            if database in ("main", None) and (arg1 or "").lower() in self.allowed_tables:
                return sqlite3.SQLITE_OK
            self.denied.append(f"reading table {arg1}")
            return sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in ALLOWED_FUNCTIONS:
            return sqlite3.SQLITE_OK
        what = f"function {arg2}()" if action == sqlite3.SQLITE_FUNCTION else f"action {action}"
        self.denied.append(what)
        return sqlite3.SQLITE_DENY


@contextmanager
def _connect(
    path: Path, allowed_tables: frozenset[str]
) -> Iterator[tuple[sqlite3.Connection, _Authorizer]]:
    if not path.is_file():
        raise InvalidInput(f"the bank database {path} does not exist", field="database")
    uri = path.resolve().as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=5, check_same_thread=False)) as connection:
        connection.execute("PRAGMA query_only = ON")
        connection.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        connection.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, 100_000)
        authorizer = _Authorizer(allowed_tables)
        connection.set_authorizer(authorizer)
        yield connection, authorizer


def run_query(
    path: Path,
    sql: str,
    params: Sequence[Any] = (),
    *,
    allowed_tables: Iterable[str],
    row_limit: int,
    timeout_s: float,
    limit_s: float | None = None,
) -> QueryResult:
    """Run one read-only statement on the SQLite file at `path`; return at most `row_limit` rows.

    It is stopped after `timeout_s`; `limit_s` is the whole limit a refusal names (the caller
    may have spent part of it already).
    """
    allowed = frozenset(name.lower() for name in allowed_tables)
    started = time.perf_counter()
    deadline = started + timeout_s
    with _connect(path, allowed) as (connection, authorizer):
        connection.set_progress_handler(
            lambda: int(time.perf_counter() > deadline), PROGRESS_EVERY_OPS
        )
        try:
            cursor = connection.execute(sql, params)
            rows = cursor.fetchmany(row_limit + 1)
        except sqlite3.Error as exc:
            late = time.perf_counter() > deadline
            raise _explain(exc, authorizer, limit_s or timeout_s, late) from exc
        columns = [column[0] for column in cursor.description or []]
    return QueryResult(
        columns=columns,
        rows=[[_cell(value) for value in row] for row in rows[:row_limit]],
        truncated=len(rows) > row_limit,
        elapsed_ms=round((time.perf_counter() - started) * 1000.0, 3),
    )


def _explain(
    exc: sqlite3.Error, authorizer: _Authorizer, timeout_s: float, late: bool
) -> KeelError:
    """Return the keel error that says why SQLite refused or stopped the statement."""
    if authorizer.denied:
        return InvalidInput(f"query refused: {authorizer.denied[0]} is not allowed", field="sql")
    if late and "interrupt" in str(exc).lower():
        return TimedOut(f"query stopped: it ran past the {timeout_s:g} s limit", field="sql")
    return InvalidInput(f"query refused by SQLite: {exc}", field="sql")


def _cell(value: Any) -> Any:
    # JSON has no bytes; a blob is described rather than dumped.
    return f"<blob {len(value)} bytes>" if isinstance(value, bytes) else value
