"""Run Alembic from code, so an installed keel migrates its own database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from keel.core.settings import normalise_database_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: The PostgreSQL advisory lock migrations hold (a constant nothing else locks on).
MIGRATION_LOCK = 0x6B65656C  # "keel"


def alembic_config(url: str) -> Config:
    """Return an Alembic config pointing at keel's migrations and `url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalise_database_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at `url` to `revision` (default: the newest)."""
    from keel.store.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Several servers and workers may start at once on one database: the first
                # migrates, the others wait here and then find nothing left to do.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def new_revision(message: str, rev_id: str, scratch_db: Path) -> Path:
    """Autogenerate migration `rev_id` from the models' difference to the current head.

    For developers: `python -m keel.store.migrate 0003 "add baselines"`.
    """
    url = f"sqlite:///{scratch_db}"
    upgrade(url)
    config = alembic_config(url)
    script = command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
    path = Path(script.path)  # type: ignore[union-attr]
    # JSONB renders as `astext_type=Text()` without importing Text.
    source = path.read_text().replace("astext_type=Text()", "astext_type=sa.Text()")
    noise = ("# ### commands auto generated", "# ### end Alembic commands", "Create Date:")
    lines = [line for line in source.splitlines() if not line.strip().startswith(noise)]
    path.write_text("\n".join(lines) + "\n")
    return path


if __name__ == "__main__":
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        print(new_revision(sys.argv[2], sys.argv[1], Path(scratch) / "scratch.db"))
