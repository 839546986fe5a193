"""Alembic environment: uses the connection handed over by keel.store.migrate when there is one."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from keel.store.engine import make_engine
from keel.store.models import Base
from keel.store.search import is_search_index

config = context.config
target_metadata = Base.metadata


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Leave out the per-dialect search objects the models cannot declare (migration 0010)."""
    return not is_search_index(name)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as own_connection:
        _run(own_connection)
    engine.dispose()


run_migrations_online()
