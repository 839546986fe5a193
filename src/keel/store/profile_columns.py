"""The reliability profile's read of a large population: base runs as columns, few fields each.

keel.store.profile reads whole runs (output, tool calls, flags) for the profile to judge one at
a time. Most items of a large population are one base run alone, and of such a run the profile
reads only its decision's correctness, its confidence, whether it finished, whether a tool
failed and its flags. So this reads, for every base run, the named output fields as one JSON
array (one parse of the output in the database, not the whole output in Python), its own
expected outcome as JSON text, whether a tool call failed, whether it was replayed and its
flags; the caller decodes the few distinct texts. Runs that were replayed or share their item
are then read whole by keel.store.profile.

`base_facts` reads the same of runs whose write path judged them (keel.store.profile_facts):
plain columns, no JSON parsed; `base_columns` is the read of runs it did not judge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Text,
    case,
    cast,
    func,
    literal,
    null,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import QueryableAttribute, Session

from keel.core.records import RunStatus
from keel.store.drift import PopulationFilter, population_where
from keel.store.models import PolicyFlag, Replay, Run, ToolCall


@dataclass
class BaseColumns:
    """A population's base runs, one list entry per run.

    `fields`: the output fields asked for, as a JSON array in their order (None: no output);
    `expected`: its own expected outcome as JSON text; `tool_failed`: whether a tool call of it
    failed (the profile reads no more of a lone run's tools); `flags`: a JSON array of (source, rule
    id, severity) (None: no flag); `replayed`: whether any replay of it is stored.
    """

    run_id: list[str] = field(default_factory=list)
    item: list[str | None] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    fields: list[str | None] = field(default_factory=list)
    expected: list[str | None] = field(default_factory=list)
    tool_failed: list[bool] = field(default_factory=list)
    replayed: list[bool] = field(default_factory=list)
    flags: list[str | None] = field(default_factory=list)


def _output_fields(dialect: str, keys: Sequence[str]) -> ColumnElement[str]:
    if dialect == "postgresql":
        values = [Run.output.op("->")(literal(key)) for key in keys]
        return cast(func.jsonb_build_array(*values), Text)
    # SQLite: json_extract with two paths or more gives a JSON array (with a single path, an
    # SQL value, which loses true / false), so a lone key is asked for twice.
    paths = [f'$."{key}"' for key in (keys if len(keys) > 1 else [*keys, *keys])]
    return type_coerce(func.json_extract(Run.output, *(literal(p) for p in paths)), String)


def _has_output(dialect: str) -> ColumnElement[bool]:
    # A run without output holds SQL NULL or JSON null (how None is stored), both read as None.
    kind = func.jsonb_typeof(Run.output) if dialect == "postgresql" else func.json_type(Run.output)
    return func.coalesce(kind, "null") != "null"


def _expected(dialect: str) -> ColumnElement[str]:
    if dialect == "postgresql":
        return cast(Run.metrics.op("->")(literal("expected")), Text)
    return Run.metrics.op("->", return_type=String)(literal("$.expected"))


def _flag_list(dialect: str) -> ColumnElement[str]:
    if dialect == "postgresql":
        triple = func.json_build_array(PolicyFlag.source, PolicyFlag.rule_id, PolicyFlag.severity)
        listed: ColumnElement[str] = cast(func.json_agg(triple), Text)
    else:
        triple = func.json_array(PolicyFlag.source, PolicyFlag.rule_id, PolicyFlag.severity)
        listed = type_coerce(func.json_group_array(triple), String)
    return select(listed).where(PolicyFlag.run_id == Run.run_id).correlate(Run).scalar_subquery()


def _without_jit(session: Session) -> None:
    """Turn PostgreSQL's JIT compilation off for the rest of the session's transaction."""
    # The flags' per-run subquery makes the planner judge these queries costly, so PostgreSQL
    # compiles them with LLVM first: 0.43 s of a 0.66 s query at 100,000 runs, for a plan
    # that runs once.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def _lookups(dialect: str) -> list[ColumnElement[Any]]:
    """Return whether a run's tool call failed, whether it was replayed, and its flags."""
    # Set lookups (one scan of the failed calls, replays and flags, hashed), not a lookup per
    # run: PostgreSQL probes the tool calls of 100,000 runs one index scan at a time otherwise.
    failed = Run.run_id.in_(select(ToolCall.run_id).where(ToolCall.error.is_not(None)))
    replayed = Run.run_id.in_(select(Replay.base_run_id))
    flagged = Run.run_id.in_(select(PolicyFlag.run_id))
    return [failed, replayed, case((flagged, _flag_list(dialect)), else_=null())]


def base_columns(
    session: Session, filters: PopulationFilter, item_key: str | None, keys: Sequence[str]
) -> BaseColumns:
    """Return the population's base runs with output fields `keys` (at least one).

    One query: the population's filter (a JSON field of every run) is read once. Whether a
    tool call failed and whether the run was replayed are set lookups; the flags are looked up
    by run id for the flagged runs alone. (A join to per-run aggregates instead is as fast on
    SQLite, but PostgreSQL, misjudging how many runs a JSON filter keeps, may re-aggregate
    them for every run: 13 minutes at 100,000 runs.)
    """
    dialect = session.get_bind().dialect.name
    item = Run.inputs[item_key].as_string() if item_key else null()
    query = select(
        Run.run_id,
        item,
        Run.status,
        _output_fields(dialect, keys),
        _has_output(dialect),
        _expected(dialect),
        *_lookups(dialect),
    ).where(*population_where(filters))
    _without_jit(session)
    # Core rows through the session's connection: the ORM's row loading costs more than the
    # database here, at 100,000 rows.
    rows = session.connection().execute(query).all()
    if not rows:
        return BaseColumns()
    run_ids, items, statuses, texts, outputs, expected, errors, replays, flag_lists = map(
        list, zip(*rows, strict=True)
    )
    return BaseColumns(
        run_id=run_ids,
        item=[None if value is None else str(value) for value in items],
        status=statuses,
        fields=[text if output else None for text, output in zip(texts, outputs, strict=True)],
        expected=expected,
        tool_failed=[bool(found) for found in errors],
        replayed=[bool(found) for found in replays],
        flags=[None if text in (None, "[]") else text for text in flag_lists],
    )


@dataclass
class BaseFacts:
    """A population's base runs with the facts their write path judged, one entry per run.

    `judged`: its facts (keel.store.profile_facts) were read by the contract asked about;
    `failed`: its status is FAILED; `correct`, `exact` and `confidence` are NaN where NULL;
    `decision` and `review` are read only for runs without their own expected outcome (None
    for the others); `tool_failed`, `replayed` and `flags` as in BaseColumns.
    """

    run_id: list[str]
    item: list[str | None]
    judged: np.ndarray
    has_output: np.ndarray
    failed: np.ndarray
    correct: np.ndarray
    exact: np.ndarray
    confidence: np.ndarray
    decision: list[str | None]
    review: list[str | None]
    tool_failed: np.ndarray
    replayed: np.ndarray
    flags: list[str | None]


def _flag_of(condition: ColumnElement[Any] | QueryableAttribute[Any]) -> ColumnElement[int]:
    # Read as a plain 0 / 1: a Boolean's result processor is a Python call per row.
    return type_coerce(condition, Integer)


def _column_lists(session: Session, query: Select[Any], dialect: str) -> list[Sequence[Any]]:
    """Return the query's result as one sequence per selected column.

    On PostgreSQL as one row of arrays (`array_agg` of each column, all fed the rows in the
    same order by the one scan), which psycopg converts in C: at 100,000 rows, building a Row
    per run and transposing them cost more than the query itself.
    """
    width = len(query.selected_columns)
    if dialect == "postgresql":
        rows = query.subquery()
        arrays = select(*(func.array_agg(column) for column in rows.c))
        found = session.connection().execute(arrays).one()
        return [value or [] for value in found]
    result = session.connection().execute(query).all()
    return list(zip(*result, strict=True)) if result else [()] * width


def base_facts(session: Session, filters: PopulationFilter, read_by: str) -> BaseFacts:
    """Return the population's base runs with their stored profile facts, in one query.

    Plain columns, and what the read needs of them only: whether the facts were read by
    `read_by`, the status as failed or not, the decision and review values of runs without
    their own expectation; so nearly every value is a small integer or NULL.
    """
    dialect = session.get_bind().dialect.name
    unjudged = Run.profile_correct.is_(None)
    failed, replayed, flags = _lookups(dialect)
    query = select(
        Run.run_id,
        Run.profile_item,
        _flag_of(Run.profile_read_by == read_by),
        _flag_of(Run.profile_has_output),
        _flag_of(Run.status == RunStatus.FAILED),
        Run.profile_correct,
        Run.profile_exact,
        Run.profile_confidence,
        case((unjudged, Run.profile_decision), else_=null()),
        case((unjudged, Run.profile_review), else_=null()),
        _flag_of(failed),
        _flag_of(replayed),
        flags,
    ).where(*population_where(filters))
    _without_jit(session)
    columns = _column_lists(session, query, dialect)
    run_ids, items, judged, has_output, status_failed, correct, exact, level = columns[:8]
    decision, review, tool_failed, was_replayed, flag_lists = columns[8:]
    return BaseFacts(
        run_id=list(run_ids),
        item=list(items),
        judged=np.asarray(judged, dtype=bool),  # NULL (not judged) reads as False
        has_output=np.asarray(has_output, dtype=bool),
        failed=np.asarray(status_failed, dtype=bool),
        correct=np.asarray(correct, dtype=float),
        exact=np.asarray(exact, dtype=float),
        confidence=np.asarray(level, dtype=float),
        decision=list(decision),
        review=list(review),
        tool_failed=np.asarray(tool_failed, dtype=bool),
        replayed=np.asarray(was_replayed, dtype=bool),
        flags=[None if text in (None, "[]") else text for text in flag_lists],
    )
