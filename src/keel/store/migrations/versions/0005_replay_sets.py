"""replay sets

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import keel.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "replay_sets",
        sa.Column("set_id", sa.String(length=64), nullable=False),
        sa.Column("base_run_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column(
            "perturbations",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("created_at", keel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", keel.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["base_run_id"],
            ["runs.run_id"],
            name=op.f("fk_replay_sets_base_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("set_id", name=op.f("pk_replay_sets")),
    )
    with op.batch_alter_table("replay_sets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_replay_sets_base_run_id"), ["base_run_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_replay_sets_created_at"), ["created_at"], unique=False)

    with op.batch_alter_table("replays", schema=None) as batch_op:
        batch_op.add_column(sa.Column("set_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("sample", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index(batch_op.f("ix_replays_set_id"), ["set_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_replays_set_id_replay_sets"),
            "replay_sets",
            ["set_id"],
            ["set_id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("replays", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_replays_set_id_replay_sets"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_replays_set_id"))
        batch_op.drop_column("sample")
        batch_op.drop_column("set_id")

    with op.batch_alter_table("replay_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_replay_sets_created_at"))
        batch_op.drop_index(batch_op.f("ix_replay_sets_base_run_id"))

    op.drop_table("replay_sets")
