"""index each sortable runs column with run_id

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The runs list orders by a column then run_id; (column, run_id) indexes make every page an
# index walk, even where thousands of runs share a value. They replace the one-column indexes.
SORTED_COLUMNS = (
    "workflow_type",
    "created_at",
    "model",
    "status",
    "total_tokens",
    "cost_usd",
    "tool_count",
    "loop_depth",
    "stability",
    "risk",
)


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        for name in SORTED_COLUMNS:
            batch_op.drop_index(batch_op.f(f"ix_runs_{name}"))
            batch_op.create_index(f"ix_runs_{name}_run_id", [name, "run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        for name in SORTED_COLUMNS:
            batch_op.drop_index(f"ix_runs_{name}_run_id")
            batch_op.create_index(batch_op.f(f"ix_runs_{name}"), [name], unique=False)
