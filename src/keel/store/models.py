"""ORM models, every table of keel in one module: runs, their searchable text, their events and
tool calls, replays,
policy flags, baselines and alerts; and governance: the hash-chained audit log, API keys,
dashboard sessions, review decisions and loaded tool-usage policies (docs/governance.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from keel.core.records import RunStatus
from keel.store.types import JSONType, UTCDateTime

# Same constraint names on SQLite and PostgreSQL, so Alembic diffs agree on both.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSONType,
        datetime: UTCDateTime,
    }


#: The longest configuration label `runs.config` holds whole (longer ones are cut).
CONFIG_COLUMN_CHARS = 128

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
    "config",
)


class Run(Base):
    """One agent run: its identity, what sorts and filters it (indexed), and the rest in JSON."""

    __tablename__ = "runs"

    run_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    workflow_type: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    model: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.COMPLETED)
    source: Mapped[str] = mapped_column(String(16), default="sdk")
    trace_id: Mapped[str | None] = mapped_column(String(32), index=True)
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    total_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    tool_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    loop_depth: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    stability: Mapped[float | None] = mapped_column(Float)
    risk: Mapped[float | None] = mapped_column(Float)
    parent_run_id: Mapped[str | None] = mapped_column(String(128), index=True)
    # The configuration label of the run (`metrics["config"]`, copied on write so the runs
    # list filters, sorts and lists it off an index).
    config: Mapped[str | None] = mapped_column(String(CONFIG_COLUMN_CHARS))
    baseline_run_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(Text)
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    output: Mapped[dict[str, Any] | None]
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # What the reliability profile reads of the run, judged by its contract as it was written
    # (keel.store.profile_facts), so a profile of many runs parses no JSON; NULL: not judged.
    profile_read_by: Mapped[str | None] = mapped_column(Text)
    profile_item: Mapped[str | None] = mapped_column(Text)
    profile_has_output: Mapped[bool | None]
    profile_decision: Mapped[str | None] = mapped_column(Text)
    profile_review: Mapped[str | None] = mapped_column(Text)
    profile_confidence: Mapped[float | None] = mapped_column(Float)
    profile_correct: Mapped[int | None] = mapped_column(SmallInteger)
    profile_exact: Mapped[int | None] = mapped_column(SmallInteger)

    __table_args__ = (
        Index("ix_runs_workflow_type_created_at", "workflow_type", "created_at"),
        Index("ix_runs_status_created_at", "status", "created_at"),
        # One (column, run_id) index per sortable column: the runs list orders by the column
        # then run_id, so each page is an index walk even where thousands of runs tie.
        *(Index(f"ix_runs_{name}_run_id", name, "run_id") for name in SORTED_COLUMNS),
    )


class RunText(Base):
    """The (already redacted) words of a run that full-text search reads: its inputs' text
    (a ticket) and its output's (an answer). The search index over `body` is per dialect and
    made by migration 0010: an FTS5 table on SQLite, a GIN index of its tsvector on PostgreSQL
    (keel.store.search)."""

    __tablename__ = "run_texts"

    # An integer key: FTS5's external-content table addresses rows by integer rowid.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id", ondelete="CASCADE"), unique=True)
    body: Mapped[str] = mapped_column(Text, default="")


class Event(Base):
    """One step of a run (an SDK event or an ingested span); ordered by `started_at`, then `seq`."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(256))
    span_id: Mapped[str | None] = mapped_column(String(16))
    parent_span_id: Mapped[str | None] = mapped_column(String(16))
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    model: Mapped[str | None] = mapped_column(String(128))
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str | None] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (
        UniqueConstraint("run_id", "seq"),
        Index("ix_events_run_id_started_at", "run_id", "started_at"),
        Index("uq_events_run_id_span_id", "run_id", "span_id", unique=True),
    )


class ToolCall(Base):
    """One tool call: digest and redacted preview of its arguments, timing, result metadata."""

    __tablename__ = "tool_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    tool_name: Mapped[str] = mapped_column(String(128), index=True)
    server: Mapped[str | None] = mapped_column(String(128))
    call_id: Mapped[str | None] = mapped_column(String(128))
    span_id: Mapped[str | None] = mapped_column(String(16))
    args_digest: Mapped[str] = mapped_column(String(64))
    args_preview: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    latency_ms: Mapped[float | None] = mapped_column(Float)
    result_meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("run_id", "seq"),
        Index("uq_tool_calls_run_id_span_id", "run_id", "span_id", unique=True),
        # The Overview's tool health reads counts and p95 latencies from this index alone...
        Index(
            "ix_tool_calls_tool_name_started_at_latency_ms", "tool_name", "started_at", "latency_ms"
        ),
        # ...and the failed calls from this small one (most calls succeed).
        Index(
            "ix_tool_calls_failed_tool_name_started_at",
            "tool_name",
            "started_at",
            sqlite_where=text("error IS NOT NULL"),
            postgresql_where=text("error IS NOT NULL"),
        ),
    )


class Replay(Base):
    """One replay of a base run: which perturbation, the run it produced, and its scores."""

    __tablename__ = "replays"

    replay_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    base_run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), index=True
    )
    perturbation_type: Mapped[str] = mapped_column(String(16))
    set_id: Mapped[str | None] = mapped_column(
        ForeignKey("replay_sets.set_id", ondelete="CASCADE"), index=True
    )
    sample: Mapped[int] = mapped_column(Integer, default=0)
    replay_run_id: Mapped[str | None] = mapped_column(String(128), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PolicyFlag(Base):
    """A policy finding on a run: which rule, how severe, and the evidence (text span or call)."""

    __tablename__ = "policy_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(32))
    rule_id: Mapped[str] = mapped_column(String(64), index=True)
    rule_version: Mapped[str] = mapped_column(String(32), default="")
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Baseline(Base):
    """A named, frozen snapshot of a population of runs that later windows are compared with."""

    __tablename__ = "baselines"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    workflow_type: Mapped[str] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(128))
    config: Mapped[str | None] = mapped_column(String(128))
    since: Mapped[datetime | None]
    until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    n_runs: Mapped[int] = mapped_column(Integer)
    run_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)
    population: Mapped[dict[str, Any]] = mapped_column(default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Alert(Base):
    """A drift or regression finding, one per baseline, indicator and window (`dedup_key`)."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedup_key: Mapped[str] = mapped_column(String(256), unique=True)
    baseline_name: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    indicator: Mapped[str] = mapped_column(String(128))
    verdict: Mapped[str] = mapped_column(String(16), index=True)
    workflow_type: Mapped[str | None] = mapped_column(String(64))
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    delivered_at: Mapped[datetime | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ReplaySet(Base):
    """One replay budget of a base run: its plan, progress, and the stability it measured."""

    __tablename__ = "replay_sets"

    set_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    base_run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="queued")
    seed: Mapped[int] = mapped_column(Integer, default=0)
    perturbations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    samples: Mapped[int] = mapped_column(Integer, default=1)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The lease of whoever runs the set (keel.store.leases): a worker that dies stops renewing
    # it, and once it has expired another may take the set over.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]


class Job(Base):
    """Background work other than a replay set (a heal, a drift check, a baseline freeze):
    what to do, its state and progress, and the lease of whoever runs it."""

    __tablename__ = "jobs"

    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor: Mapped[str] = mapped_column(String(128), default="keel")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]


class AuditEntry(Base):
    """One audit log entry; `entry_hash` covers its fields and `prev_hash` (see keel.govern.chain).

    `details` is canonical JSON text, not a JSON column, so the bytes hashed are the bytes
    stored: a JSON column may re-encode numbers (JSONB turns 1e20 into an integer).
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(256), index=True)
    actor: Mapped[str] = mapped_column(String(128))
    details: Mapped[str] = mapped_column(Text, default="{}")
    # Unique: two writers that raced past the head lock still cannot fork the chain.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain head (one row): appends lock it, and verify compares it with the last entry,
    so that deleting the newest entries is detected too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))


class ApiKey(Base):
    """A scoped API key; only the SHA-256 of the key is stored."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    scope: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(128))
    revoked_at: Mapped[datetime | None] = mapped_column(index=True)
    revoked_by: Mapped[str | None] = mapped_column(String(128))


class WebSession(Base):
    """A dashboard sign-in: the cookie's token is stored hashed, with the key it stands for."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(40), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Review(Base):
    """A reviewer's decision on a run: approve, override (category / answer) or escalate."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(32))
    answer: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(128))
    key_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (Index("ix_reviews_run_id_created_at", "run_id", "created_at"),)


class ToolPolicyVersion(Base):
    """One loaded version of a workflow's tool-usage policy; the newest per workflow applies."""

    __tablename__ = "tool_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workflow_type: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(512))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(128))

    __table_args__ = (UniqueConstraint("workflow_type", "version"),)
