"""Runs: native batch ingestion, the filtered list, and one run in full."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from keel.errors import InvalidInput, NotFound
from keel.ingest.native import parse_batch, to_records
from keel.store.runs import RunFilters, run_detail, runs_page
from keel.store.writes import write_runs
from keel.web.body import read_body
from keel.web.deps import DatabaseDep, SettingsDep, WriterDep
from keel.web.schemas import BatchResult, Counts, RunOut, RunsPageOut, RunSummary

router = APIRouter(prefix="/api/v1", tags=["runs"])


@router.post("/runs:batch", dependencies=[WriterDep], response_model=BatchResult)
async def ingest_batch(request: Request, db: DatabaseDep, settings: SettingsDep) -> BatchResult:
    """Store a batch of runs in one transaction; re-sent runs and events count as duplicates."""
    body = await read_body(request, settings.max_request_bytes)
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"body is not JSON: {exc}", field="body") from None
    records = to_records(parse_batch(data))

    def write() -> BatchResult:
        with db.write() as session:
            counts = write_runs(session, records)
        return BatchResult(
            runs=Counts(inserted=counts.runs_inserted, duplicate=counts.runs_duplicate),
            events=Counts(inserted=counts.events_inserted, duplicate=counts.events_duplicate),
            tool_calls=Counts(
                inserted=counts.tool_calls_inserted, duplicate=counts.tool_calls_duplicate
            ),
        )

    return await run_in_threadpool(write)


@router.get("/runs", response_model=RunsPageOut)
def list_runs(
    db: DatabaseDep,
    workflow_type: str | None = None,
    status: str | None = None,
    model: str | None = None,
    stability_min: float | None = None,
    stability_max: float | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    q: Annotated[str | None, Query(description="run id prefix")] = None,
    sort: str = "created_at",
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> RunsPageOut:
    """Return one page of runs, filtered and sorted, with the cursor of the next page."""
    filters = RunFilters(
        workflow_type, status, model, stability_min, stability_max, since, until, q
    )
    with db.read() as session:
        page = runs_page(
            session, filters, sort=sort, descending=order == "desc", cursor=cursor, limit=limit
        )
        runs = [RunSummary.model_validate(run) for run in page.runs]
    return RunsPageOut(runs=runs, next_cursor=page.next_cursor)


@router.get("/runs/{run_id}", response_model=RunOut)
def get_run(run_id: str, db: DatabaseDep) -> RunOut:
    """Return one run with its events (in start order) and tool calls."""
    with db.read() as session:
        detail = run_detail(session, run_id)
        if detail is None:
            raise NotFound(f"no run with id {run_id!r}", field="run_id")
        return RunOut.model_validate(
            {
                **RunSummary.model_validate(detail.run).model_dump(),
                "ended_at": detail.run.ended_at,
                "trace_id": detail.run.trace_id,
                "error": detail.run.error,
                "inputs": detail.run.inputs,
                "output": detail.run.output,
                "metrics": detail.run.metrics,
                "events": detail.events,
                "tool_calls": detail.tool_calls,
            }
        )
