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
    # Imported here so that `keel --help` does not load SQLAlchemy and Alembic.
    from keel.store.engine import Database
    from keel.store.migrate import upgrade

    url = settings.resolved_database_url()
    upgrade(url)
    database = Database(url)
    try:
        yield database
    finally:
        database.dispose()
