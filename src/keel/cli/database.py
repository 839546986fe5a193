"""Open the configured database for a command: migrated to the newest schema, closed after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from keel.config import Settings
from keel.store.engine import Database
from keel.store.migrate import upgrade


@contextmanager
def open_database(settings: Settings | None = None) -> Iterator[Database]:
    """Yield the database of `settings` (default: the environment's), upgraded first."""
    url = (settings or Settings()).resolved_database_url()
    upgrade(url)
    database = Database(url)
    try:
        yield database
    finally:
        database.dispose()
