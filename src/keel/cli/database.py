"""Open the configured database for a command: migrated to the newest schema, closed after.

A database keel cannot reach or a URL it cannot read is the user's to fix, so it ends the
command as a KeelError (`error: …`, one line) rather than as SQLAlchemy's traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from keel.core.errors import InvalidInput, Unavailable

if TYPE_CHECKING:
    from keel.core.settings import Settings
    from keel.store.engine import Database

_FIELD = "KEEL_DATABASE_URL"


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

    return Database(migrated_url(settings))


def migrated_url(settings: Settings, revision: str = "head") -> str:
    """Return the database URL of `settings` once migrated to `revision`.

    Raises InvalidInput for a URL SQLAlchemy cannot read, Unavailable for a database it
    cannot open (no server listening, refused credentials, a SQLite file it cannot create).
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, OperationalError

    from keel.store.migrate import upgrade

    url = settings.resolved_database_url()
    try:
        shown = make_url(url).render_as_string(hide_password=True)
        upgrade(url, revision)
    except ArgumentError as exc:
        raise InvalidInput(f"{_FIELD} is not a database URL keel can use: {exc}", _FIELD) from None
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise Unavailable(f"cannot open the database at {shown}: {reason}", _FIELD) from None
    return url
