"""run profile facts: what the reliability profile reads of a run, in plain columns

Revision ID: 0011
Revises: 0010

Adds the `runs.profile_*` columns (keel.store.profile_facts) and fills them for the runs
already stored, each judged by its workflow's contract as the write path judges a new run.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BACKFILL_ROWS = 1000
#: (name, type) of each new column, all nullable (NULL: not judged).
COLUMNS = (
    ("profile_read_by", sa.Text()),
    ("profile_item", sa.Text()),
    ("profile_has_output", sa.Boolean()),
    ("profile_decision", sa.Text()),
    ("profile_review", sa.Text()),
    ("profile_confidence", sa.Float()),
    ("profile_correct", sa.SmallInteger()),
    ("profile_exact", sa.SmallInteger()),
)


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        for name, kind in COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
    _backfill(op.get_bind())


def _backfill(bind: sa.Connection) -> None:
    """Judge the runs stored before, a batch at a time, in run-id order."""
    # The facts are judged by each workflow's contract, which plugins declare: the one place
    # the store's migrations call the domain (the write path's own judging, so old and new
    # runs hold the same facts).
    from keel.evaluate.contract import contract_for
    from keel.evaluate.profile_judging import run_facts

    runs = sa.table(
        "runs",
        sa.column("run_id", sa.String),
        sa.column("workflow_type", sa.String),
        sa.column("inputs", sa.JSON),
        sa.column("output", sa.JSON),
        sa.column("metrics", sa.JSON),
        *(sa.column(name, kind) for name, kind in COLUMNS),
    )
    last = ""
    while True:
        rows = bind.execute(
            sa.select(
                runs.c.run_id, runs.c.workflow_type, runs.c.inputs, runs.c.output, runs.c.metrics
            )
            .where(runs.c.run_id > last)
            .order_by(runs.c.run_id)
            .limit(BACKFILL_ROWS)
        ).all()
        if not rows:
            return
        updates = []
        for run_id, workflow_type, inputs, output, metrics in rows:
            facts = run_facts(
                contract_for(workflow_type, inputs or {}), inputs or {}, output, metrics or {}
            )
            if facts is not None:
                updates.append({"key": run_id, **facts.columns()})
        if updates:
            bind.execute(
                runs.update().where(runs.c.run_id == sa.bindparam("key")),
                updates,
            )
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        for name, _kind in reversed(COLUMNS):
            batch_op.drop_column(name)
