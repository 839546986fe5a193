"""The Alembic history is one line, and it builds exactly the schema the models declare."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from keel.store.engine import Database
from keel.store.migrate import alembic_config, upgrade
from keel.store.models import Base
from keel.store.search import is_search_index
from tests.conftest import PG_ADMIN_URL


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return not is_search_index(name)


def test_migration_history_has_a_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_migrated_schema_matches_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        # The search index (an FTS5 table, a GIN expression index) is the one thing the models
        # cannot declare; tests/store/test_search.py checks it works on both databases.
        opts = {"compare_type": True, "include_name": include_name}
        context = MigrationContext.configure(connection, opts=opts)
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


@pytest.mark.postgres
def test_servers_starting_at_once_on_an_empty_postgresql_migrate_it_once(
    postgresql_url: str,
) -> None:
    name = f"keel_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        pool = ThreadPoolExecutor(4)
        try:
            for done in [pool.submit(upgrade, url) for _ in range(4)]:
                # Unlocked, concurrent upgrades deadlock or collide creating the same tables.
                done.result(timeout=60)
        finally:
            pool.shutdown(wait=False)
        with psycopg.connect(url) as connection:
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        assert len(rows) == 1
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
