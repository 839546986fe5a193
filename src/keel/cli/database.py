"""Open the configured database for a command: migrated to the newest schema, closed after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keel.core.settings import Settings
    from keel.store.engine import Database


@contextmanager
def open_database(settings: Settings) -> Iterator[Database]:
    """Yield the database of `settings`, upgraded first."""
    database = connect_database(settings)
    try:
        yield database
    finally:
        database.dispose()


def connect_database(settings: Settings) -> Database:
    """Return the database of `settings`, upgraded first; the caller disposes of it."""
    # Imported here so that `keel --help` does not load SQLAlchemy and Alembic.
    from keel.store.engine import Database
    from keel.store.migrate import upgrade

    url = settings.resolved_database_url()
    upgrade(url)
    return Database(url)
