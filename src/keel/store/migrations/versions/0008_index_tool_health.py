"""index tool calls for the Overview's tool health

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Tool health counts calls and reads p95 latencies per tool and period: with latency_ms in the
# (tool_name, started_at) index both are index-only; failed calls get a partial index of their
# own. The new index replaces (tool_name, started_at), its prefix.
FAILED = sa.text("error IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("tool_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_tool_calls_tool_name_started_at")
        batch_op.create_index(
            "ix_tool_calls_tool_name_started_at_latency_ms",
            ["tool_name", "started_at", "latency_ms"],
            unique=False,
        )
        batch_op.create_index(
            "ix_tool_calls_failed_tool_name_started_at",
            ["tool_name", "started_at"],
            unique=False,
            sqlite_where=FAILED,
            postgresql_where=FAILED,
        )


def downgrade() -> None:
    with op.batch_alter_table("tool_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_tool_calls_failed_tool_name_started_at")
        batch_op.drop_index("ix_tool_calls_tool_name_started_at_latency_ms")
        batch_op.create_index(
            "ix_tool_calls_tool_name_started_at", ["tool_name", "started_at"], unique=False
        )
