"""policy flags

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import keel.store.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_flags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("rule_version", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", keel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.run_id"],
            name=op.f("fk_policy_flags_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_flags")),
    )
    with op.batch_alter_table("policy_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_flags_rule_id"), ["rule_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_flags_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_flags_severity"), ["severity"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("policy_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_flags_severity"))
        batch_op.drop_index(batch_op.f("ix_policy_flags_run_id"))
        batch_op.drop_index(batch_op.f("ix_policy_flags_rule_id"))

    op.drop_table("policy_flags")
