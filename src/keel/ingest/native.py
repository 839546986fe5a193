"""The native batch format (`POST /api/v1/runs:batch`, `keel ingest FILE.jsonl`) and its mapping.

One rule for bad input: a batch is validated whole before anything is written, and the first
bad value refuses the whole request (422) with the path of the field, which names the run:
`runs[3] (run_id 'r-4').events[0].seq`. Nothing of a refused batch is stored; a client fixes
that run and re-sends the batch (runs already stored count as duplicates). What can be repaired
rather than refused is repaired and marked by the sanitiser (NUL, lone surrogates, over-long
text), never stored raw.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from keel.core.errors import InvalidInput
from keel.core.limits import (
    DEFAULT_MAX_JSON_DEPTH,
    MAX_COST_USD,
    MAX_TOKEN_COUNT,
    check_json,
    deep_run_index,
    mark_constant,
    utc,
)
from keel.core.pricing import PriceTable
from keel.core.records import RUN_ID_PATTERN, EventRecord, RunRecord, RunStatus, ToolCallRecord
from keel.core.redaction import args_digest, args_preview
from keel.store.models import utcnow


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


#: A time that stays within years 1-9999 once converted to UTC (as it is stored).
Moment = Annotated[datetime, AfterValidator(utc)]
Tokens = Annotated[int, Field(ge=0, le=MAX_TOKEN_COUNT)]


class EventIn(_Strict):
    seq: int = Field(ge=0, lt=2**31)
    event_type: str = Field(min_length=1, max_length=32)
    name: str | None = Field(default=None, max_length=256)
    started_at: Moment | None = None
    ended_at: Moment | None = None
    model: str | None = Field(default=None, max_length=128)
    input_tokens: Tokens = 0
    output_tokens: Tokens = 0
    cost_usd: float = Field(default=0.0, ge=0, le=MAX_COST_USD)
    status: str | None = Field(default=None, max_length=16)
    payload: dict[str, Any] = Field(default_factory=dict)


class ToolCallIn(_Strict):
    seq: int = Field(ge=0, lt=2**31)
    tool_name: str = Field(min_length=1, max_length=128)
    server: str | None = Field(default=None, max_length=128)
    call_id: str | None = Field(default=None, max_length=128)
    args: Any = None
    args_digest: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    args_preview: str | None = Field(default=None, max_length=4096)
    started_at: Moment | None = None
    ended_at: Moment | None = None
    latency_ms: float | None = Field(default=None, ge=0)
    result_meta: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


def _unique_seqs(items: list[Any], what: str) -> None:
    seen: set[int] = set()
    for index, item in enumerate(items):
        if item.seq in seen:
            raise ValueError(f"{what}[{index}].seq {item.seq} repeats an earlier seq")
        seen.add(item.seq)


class RunIn(_Strict):
    run_id: str = Field(pattern=RUN_ID_PATTERN)
    workflow_type: str = Field(min_length=1, max_length=64)
    created_at: Moment = Field(default_factory=utcnow)
    ended_at: Moment | None = None
    model: str | None = Field(default=None, max_length=128)
    status: RunStatus = RunStatus.COMPLETED
    source: Literal["native", "sdk"] = "native"  # "sdk": sent by keel.sdk
    parent_run_id: str | None = Field(default=None, pattern=RUN_ID_PATTERN)
    loop_depth: int = Field(default=0, ge=0, lt=2**31)
    latency_ms: float | None = Field(default=None, ge=0)
    error: str | None = None
    inputs: dict[str, Any] = Field(default_factory=dict)
    output: dict[str, Any] | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)
    events: list[EventIn] = Field(default_factory=list)
    tool_calls: list[ToolCallIn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _seqs_unique(self) -> RunIn:
        _unique_seqs(self.events, "events")
        _unique_seqs(self.tool_calls, "tool_calls")
        return self


class RunBatch(_Strict):
    runs: list[RunIn] = Field(min_length=1)

    @field_validator("runs")
    @classmethod
    def _run_ids_unique(cls, runs: list[RunIn]) -> list[RunIn]:
        seen: set[str] = set()
        for index, run in enumerate(runs):
            if run.run_id in seen:
                raise ValueError(f"runs[{index}].run_id {run.run_id!r} appears twice in the batch")
            seen.add(run.run_id)
        return runs


def error_path(loc: tuple[int | str, ...]) -> str:
    """Return a pydantic location as a path like `runs[3].events[0].seq`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _run_named(data: Any, loc: tuple[Any, ...]) -> str:
    """Return " (run_id '...')" for a location inside `runs[i]`, when that run has an id."""
    if len(loc) < 2 or loc[0] != "runs" or not isinstance(loc[1], int):
        return ""
    runs = data.get("runs") if isinstance(data, dict) else None
    run = runs[loc[1]] if isinstance(runs, list) and loc[1] < len(runs) else None
    run_id = run.get("run_id") if isinstance(run, dict) else None
    return f" (run_id {run_id[:128]!r})" if isinstance(run_id, str) else ""


def parse_batch(data: Any, max_depth: int = DEFAULT_MAX_JSON_DEPTH) -> RunBatch:
    """Return `data` validated as a batch, or raise InvalidInput naming the first bad field."""
    check_json(data, max_depth)
    try:
        return RunBatch.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = tuple(first["loc"])
        field = error_path(loc)
        where = f"{field}{_run_named(data, loc)}" if field else "body"
        raise InvalidInput(f"{where}: {first['msg']}", field=field or None) from None


def load_json(text: str | bytes, field: str = "body") -> Any:
    """Return a JSON document parsed, or raise InvalidInput (not JSON, nested too deep).

    NaN and the infinities parse to markers that `check_json` refuses, naming where they are.
    """
    try:
        return json.loads(text, parse_constant=mark_constant)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{field} is not JSON: {exc}", field=field) from None
    except RecursionError:
        raise InvalidInput(f"{field}: JSON nested too deep to read", field=field) from None


def parse_body(body: bytes, max_depth: int = DEFAULT_MAX_JSON_DEPTH) -> RunBatch:
    """Return a `runs:batch` request body parsed and validated (InvalidInput otherwise)."""
    try:
        data = load_json(body)
    except InvalidInput as exc:
        index = deep_run_index(body, max_depth) if "too deep" in exc.message else None
        if index is None:
            raise
        field = f"runs[{index}]"
        raise InvalidInput(f"{field}: nested deeper than {max_depth} levels", field=field) from None
    return parse_batch(data, max_depth)


def parse_jsonl(lines: list[str], max_depth: int = DEFAULT_MAX_JSON_DEPTH) -> RunBatch:
    """Return the runs of a JSON Lines file (one run per line) as one validated batch."""
    runs: list[Any] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            runs.append(load_json(line, field=f"line {number}"))
    return parse_batch({"runs": runs}, max_depth)


def _tool_call_record(call: ToolCallIn) -> ToolCallRecord:
    digest = call.args_digest or args_digest(call.args)
    # The given preview is masked by the sanitiser; one made here is masked before it is cut.
    preview = call.args_preview if call.args_preview is not None else args_preview(call.args)
    latency = call.latency_ms
    if latency is None and call.started_at and call.ended_at:
        latency = (call.ended_at - call.started_at).total_seconds() * 1000.0
    return ToolCallRecord(
        seq=call.seq,
        tool_name=call.tool_name,
        server=call.server,
        call_id=call.call_id,
        args_digest=digest,
        args_preview=preview,
        started_at=call.started_at,
        ended_at=call.ended_at,
        latency_ms=latency,
        result_meta=call.result_meta,
        error=call.error,
    )


def _event_record(event: EventIn, run_model: str | None, prices: PriceTable) -> EventRecord:
    """Return the store record of `event`, priced from `prices` when it gives no cost.

    An event that names no model is priced as the run's: a client often names the model once,
    on the run. A cost the client gives, even 0, is kept as given.
    """
    fields = event.model_dump(exclude={"payload"})
    payload = dict(event.payload)
    if "cost_usd" not in event.model_fields_set and (event.input_tokens or event.output_tokens):
        priced = prices.cost_usd(event.model or run_model, event.input_tokens, event.output_tokens)
        if priced is not None:
            fields["cost_usd"] = min(priced, MAX_COST_USD)
            payload["cost_source"] = "price_table"
    return EventRecord(**fields, payload=payload)


def to_records(batch: RunBatch, prices: PriceTable) -> list[RunRecord]:
    """Return the store records of a validated batch (store_runs sanitises them).

    Events with tokens but no cost are priced from `prices` (by their model, else the run's).
    """
    records = []
    for run in batch.runs:
        fields = run.model_dump(exclude={"events", "tool_calls", "inputs", "output", "metrics"})
        records.append(
            RunRecord(
                **fields,
                inputs=run.inputs,
                output=run.output,
                metrics=run.metrics,
                events=[_event_record(event, run.model, prices) for event in run.events],
                tool_calls=[_tool_call_record(call) for call in run.tool_calls],
            )
        )
    return records
