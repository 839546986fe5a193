"""Engines and sessions: SQLite tuned for concurrent readers (WAL), PostgreSQL via psycopg 3."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from keel.core.settings import normalise_database_url

#: SQLite's page cache per connection (KiB) and WAL size (pages) that triggers a checkpoint.
SQLITE_CACHE_KIB = 65536
SQLITE_CHECKPOINT_PAGES = 10000


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the dashboard read while ingestion writes; NORMAL sync is durable under WAL
    # against process crashes (only an OS crash can lose the last commits).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # An export inserts into some 25 indexes keyed by random trace ids, so the pages it dirties
    # grow with the database (bench/ingest.py --growth: 1,536 WAL frames per 512-span export at
    # 20k stored spans, 2,561 at 100k). A page cache that holds those indexes (64 MiB at most
    # per connection, filled only as pages are read) and a checkpoint every 10,000 WAL pages
    # instead of 1,000 (a page rewritten by several exports is copied back once) cut the CPU
    # per span by 10-20% at 20k and 100k stored spans alike (docs/benchmarks.md).
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
    cursor.close()


def json_dumps(value: Any) -> str:
    """Serialise a JSON column value; orjson, as ingestion writes a payload per event."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS, default=str).decode()
    except TypeError:  # integers past 64 bits, which only the standard library handles
        return json.dumps(value, default=str)


def make_engine(url: str) -> Engine:
    """Return an engine for `url`, creating the SQLite file's directory when needed."""
    url = normalise_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_serializer=json_dumps,
            json_deserializer=json.loads,
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        json_serializer=json_dumps,
        json_deserializer=json.loads,
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


class Database:
    """An engine with its session factory; `write()` and `read()` scope one transaction each."""

    def __init__(self, url: str) -> None:
        self.url = normalise_database_url(url)
        self.engine = make_engine(self.url)
        self.sessions = make_sessionmaker(self.engine)
        self.dialect = self.engine.dialect.name
        # SQLite has one writer at a time; queueing our own threads on a lock is much faster
        # than letting them spin in SQLite's busy handler. Other processes still wait on
        # busy_timeout, so correctness never depends on this lock.
        self._write_lock: AbstractContextManager[Any] = (
            threading.Lock() if self.dialect == "sqlite" else nullcontext()
        )

    @contextmanager
    def write(self) -> Iterator[Session]:
        """Yield a session in one transaction: committed on success, rolled back on error."""
        with self._write_lock, self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """Yield a session for reading."""
        with self.sessions() as session:
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
