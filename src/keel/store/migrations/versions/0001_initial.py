"""initial schema: runs, events, tool_calls, replays

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import keel.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(length=128), nullable=False),
        sa.Column("workflow_type", sa.String(length=64), nullable=False),
        sa.Column("created_at", keel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", keel.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("model", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("trace_id", sa.String(length=32), nullable=True),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("total_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("tool_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("loop_depth", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("risk", sa.Float(), nullable=True),
        sa.Column("parent_run_id", sa.String(length=128), nullable=True),
        sa.Column("baseline_run_id", sa.String(length=128), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "inputs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "output",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "metrics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_runs")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_runs_cost_usd"), ["cost_usd"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_loop_depth"), ["loop_depth"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_model"), ["model"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_parent_run_id"), ["parent_run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_risk"), ["risk"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_stability"), ["stability"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_status"), ["status"], unique=False)
        batch_op.create_index("ix_runs_status_created_at", ["status", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_tool_count"), ["tool_count"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_total_tokens"), ["total_tokens"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_trace_id"), ["trace_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_workflow_type"), ["workflow_type"], unique=False)
        batch_op.create_index(
            "ix_runs_workflow_type_created_at", ["workflow_type", "created_at"], unique=False
        )

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=128), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=True),
        sa.Column("span_id", sa.String(length=16), nullable=True),
        sa.Column("parent_span_id", sa.String(length=16), nullable=True),
        sa.Column("started_at", keel.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", keel.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("model", sa.String(length=128), nullable=True),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_events_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("run_id", "seq", name=op.f("uq_events_run_id_seq")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_run_id_started_at", ["run_id", "started_at"], unique=False)
        batch_op.create_index("uq_events_run_id_span_id", ["run_id", "span_id"], unique=True)

    op.create_table(
        "replays",
        sa.Column("replay_id", sa.String(length=64), nullable=False),
        sa.Column("base_run_id", sa.String(length=128), nullable=False),
        sa.Column("perturbation_type", sa.String(length=16), nullable=False),
        sa.Column("replay_run_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", keel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "metrics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["base_run_id"],
            ["runs.run_id"],
            name=op.f("fk_replays_base_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("replay_id", name=op.f("pk_replays")),
    )
    with op.batch_alter_table("replays", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_replays_base_run_id"), ["base_run_id"], unique=False)

    op.create_table(
        "tool_calls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=128), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("tool_name", sa.String(length=128), nullable=False),
        sa.Column("server", sa.String(length=128), nullable=True),
        sa.Column("call_id", sa.String(length=128), nullable=True),
        sa.Column("span_id", sa.String(length=16), nullable=True),
        sa.Column("args_digest", sa.String(length=64), nullable=False),
        sa.Column("args_preview", sa.Text(), nullable=False),
        sa.Column("started_at", keel.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", keel.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column(
            "result_meta",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_tool_calls_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tool_calls")),
        sa.UniqueConstraint("run_id", "seq", name=op.f("uq_tool_calls_run_id_seq")),
    )
    with op.batch_alter_table("tool_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tool_calls_tool_name"), ["tool_name"], unique=False)
        batch_op.create_index(
            "ix_tool_calls_tool_name_started_at", ["tool_name", "started_at"], unique=False
        )
        batch_op.create_index("uq_tool_calls_run_id_span_id", ["run_id", "span_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("tool_calls", schema=None) as batch_op:
        batch_op.drop_index("uq_tool_calls_run_id_span_id")
        batch_op.drop_index("ix_tool_calls_tool_name_started_at")
        batch_op.drop_index(batch_op.f("ix_tool_calls_tool_name"))

    op.drop_table("tool_calls")
    with op.batch_alter_table("replays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_replays_base_run_id"))

    op.drop_table("replays")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("uq_events_run_id_span_id")
        batch_op.drop_index("ix_events_run_id_started_at")

    op.drop_table("events")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index("ix_runs_workflow_type_created_at")
        batch_op.drop_index(batch_op.f("ix_runs_workflow_type"))
        batch_op.drop_index(batch_op.f("ix_runs_trace_id"))
        batch_op.drop_index(batch_op.f("ix_runs_total_tokens"))
        batch_op.drop_index(batch_op.f("ix_runs_tool_count"))
        batch_op.drop_index("ix_runs_status_created_at")
        batch_op.drop_index(batch_op.f("ix_runs_status"))
        batch_op.drop_index(batch_op.f("ix_runs_stability"))
        batch_op.drop_index(batch_op.f("ix_runs_risk"))
        batch_op.drop_index(batch_op.f("ix_runs_parent_run_id"))
        batch_op.drop_index(batch_op.f("ix_runs_model"))
        batch_op.drop_index(batch_op.f("ix_runs_loop_depth"))
        batch_op.drop_index(batch_op.f("ix_runs_created_at"))
        batch_op.drop_index(batch_op.f("ix_runs_cost_usd"))

    op.drop_table("runs")
