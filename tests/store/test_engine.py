"""SQLite connections come configured for ingestion: WAL, a page cache that holds the
indexes an export writes, and checkpoints every SQLITE_CHECKPOINT_PAGES pages."""

from __future__ import annotations

from pathlib import Path

from keel.store.engine import SQLITE_CACHE_KIB, SQLITE_CHECKPOINT_PAGES, Database


def test_sqlite_connections_carry_the_ingest_pragmas(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'keel.db'}")
    try:
        with database.read() as session:
            connection = session.connection()
            pragma = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "cache_size", "wal_autocheckpoint", "synchronous")
            }
    finally:
        database.dispose()
    assert pragma == {
        "journal_mode": "wal",
        "cache_size": -SQLITE_CACHE_KIB,
        "wal_autocheckpoint": SQLITE_CHECKPOINT_PAGES,
        "synchronous": 1,  # NORMAL
    }
