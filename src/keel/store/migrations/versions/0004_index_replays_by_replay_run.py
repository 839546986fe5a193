"""index replays by replay run

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A run's detail page looks up "which replay produced me" by this column.
    with op.batch_alter_table("replays", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_replays_replay_run_id"), ["replay_run_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("replays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_replays_replay_run_id"))
