"""The Alembic history is one line, it builds exactly the schema the models declare, and its
backfills give stored runs what the write path gives new ones."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import insert, select

from keel.core.records import DECLARED_CONTRACT_KEY, RunRecord
from keel.core.sanitize import seal_runs
from keel.evaluate.profile_judging import record_facts
from keel.store.engine import Database
from keel.store.migrate import alembic_config, upgrade
from keel.store.models import Base, Run
from keel.store.profile_facts import FACT_COLUMNS, no_facts
from keel.store.search import is_search_index
from keel.store.writes import write_runs
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


@contextmanager
def empty_postgresql() -> Iterator[str]:
    """Yield the URL of a new, empty PostgreSQL database, dropped afterwards."""
    name = f"keel_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_servers_starting_at_once_on_an_empty_postgresql_migrate_it_once(
    postgresql_url: str,
) -> None:
    with empty_postgresql() as url:
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


@pytest.fixture
def unmigrated_url(dialect: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of `dialect`, not migrated."""
    if dialect == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with empty_postgresql() as url:
        yield url


TRIAGE = {"decision": "label", "review_flag": "unsure", "item_key": "case"}
#: (inputs, output, metrics) of runs stored before migration 0011.
OLD_RUNS = (
    ({"case": "c1", DECLARED_CONTRACT_KEY: TRIAGE}, {"label": "X", "unsure": True}, {}),
    (
        {"case": "c2", DECLARED_CONTRACT_KEY: TRIAGE},
        {"label": "Y", "unsure": False, "confidence": 0.7},
        {"expected": {"label": "Y", "unsure": True}},
    ),
    ({"case": "c3", DECLARED_CONTRACT_KEY: TRIAGE}, None, {"expected": {"label": "X"}}),
    ({"case": 4, DECLARED_CONTRACT_KEY: TRIAGE}, {"label": "X"}, {}),  # an item not text
    ({"text": "no contract"}, {"answer": "hi", "confidence": 0.2}, {"expected": {"x": 1}}),
)


def _old_record(n: int, prefix: str) -> RunRecord:
    inputs, output, metrics = OLD_RUNS[n]
    return RunRecord(
        run_id=f"{prefix}{n}",
        workflow_type="triage",
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        inputs=inputs,
        output=output,
        metrics={"config": "a", **metrics},
    )


def _facts(database: Database, prefix: str) -> list[tuple[object, ...]]:
    columns = [getattr(Run, name) for name in FACT_COLUMNS]
    query = select(*columns).where(Run.run_id.startswith(prefix)).order_by(Run.run_id)
    with database.read() as session:
        return [tuple(row) for row in session.execute(query)]


def test_migration_0011_judges_stored_runs_as_the_write_path_judges_new_ones(
    unmigrated_url: str,
) -> None:
    upgrade(unmigrated_url, "0010")
    database = Database(unmigrated_url)
    try:
        old_columns = {c.name for c in Run.__table__.columns} - set(FACT_COLUMNS)
        with database.write() as session:  # rows as keel stored them before 0011
            rows = [
                {k: v for k, v in vars(_old_record(n, "old-")).items() if k in old_columns}
                for n in range(len(OLD_RUNS))
            ]
            session.execute(insert(Run), rows)
        upgrade(unmigrated_url)
        with database.write() as session:
            records = seal_runs([_old_record(n, "new-") for n in range(len(OLD_RUNS))])
            write_runs(session, records, record_facts)
        old, new = _facts(database, "old-"), _facts(database, "new-")
        assert old == new
        assert old[3] == tuple(no_facts().values())  # an item not text: not judged
        assert all(row[0] is not None for n, row in enumerate(old) if n != 3)
    finally:
        database.dispose()
