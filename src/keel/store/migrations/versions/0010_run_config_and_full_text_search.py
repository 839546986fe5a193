"""run config column and full-text search of run texts

Revision ID: 0010
Revises: 0009

`runs.config` copies `metrics["config"]` into an indexed column; `run_texts` holds each run's
searchable (redacted) text, indexed per dialect (keel.store.search): an external-content FTS5
table kept in step by triggers on SQLite, a stored (generated) tsvector column with a GIN index
on PostgreSQL. Both are
filled from the runs already stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from keel.store.search import search_body

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BACKFILL_ROWS = 1000

_SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE run_texts_fts USING fts5("
    "body, content='run_texts', content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER run_texts_fts_insert AFTER INSERT ON run_texts BEGIN "
    "INSERT INTO run_texts_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER run_texts_fts_delete AFTER DELETE ON run_texts BEGIN "
    "INSERT INTO run_texts_fts(run_texts_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "END",
    "CREATE TRIGGER run_texts_fts_update AFTER UPDATE ON run_texts BEGIN "
    "INSERT INTO run_texts_fts(run_texts_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO run_texts_fts(rowid, body) VALUES (new.id, new.body); END",
)
# A stored tsvector, not an expression index: a plan that filters rows by it (a rare word read
# along the runs' created_at index) then compares stored vectors instead of re-parsing bodies.
_POSTGRESQL_SEARCH = (
    "ALTER TABLE run_texts ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, body)) STORED",
    "CREATE INDEX run_texts_fts_gin ON run_texts USING gin (search_vector)",
)


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("config", sa.String(length=128), nullable=True))
        batch_op.create_index("ix_runs_config_run_id", ["config", "run_id"], unique=False)
    op.create_table(
        "run_texts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=128), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_run_texts_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_texts")),
        sa.UniqueConstraint("run_id", name=op.f("uq_run_texts_run_id")),
    )
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    for statement in _POSTGRESQL_SEARCH if postgresql else _SQLITE_SEARCH:
        op.execute(statement)
    _backfill(bind, postgresql)


def _backfill(bind: sa.Connection, postgresql: bool) -> None:
    """Fill `runs.config` and `run_texts` from the runs stored before, a batch at a time."""
    if postgresql:
        op.execute(
            "UPDATE runs SET config = left(metrics->>'config', 128) "
            "WHERE jsonb_typeof(metrics->'config') = 'string'"
        )
    else:
        op.execute(
            "UPDATE runs SET config = substr(json_extract(metrics, '$.config'), 1, 128) "
            "WHERE json_type(metrics, '$.config') = 'text'"
        )
    runs = sa.table(
        "runs",
        sa.column("run_id", sa.String),
        sa.column("inputs", sa.JSON),
        sa.column("output", sa.JSON),
    )
    texts = sa.table("run_texts", sa.column("run_id", sa.String), sa.column("body", sa.Text))
    last = ""
    while True:
        rows = bind.execute(
            sa.select(runs.c.run_id, runs.c.inputs, runs.c.output)
            .where(runs.c.run_id > last)
            .order_by(runs.c.run_id)
            .limit(BACKFILL_ROWS)
        ).all()
        if not rows:
            return
        bind.execute(
            sa.insert(texts),
            [
                {"run_id": run_id, "body": search_body(inputs, output)}
                for run_id, inputs, output in rows
            ],
        )
        last = rows[-1][0]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX run_texts_fts_gin")
        op.execute("ALTER TABLE run_texts DROP COLUMN search_vector")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER run_texts_fts_{trigger}")
        op.execute("DROP TABLE run_texts_fts")
    op.drop_table("run_texts")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index("ix_runs_config_run_id")
        batch_op.drop_column("config")
