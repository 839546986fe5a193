"""Runs: native batch ingestion, the filtered list, and one run in full."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from keel.auth.scopes import Scope
from keel.core.errors import InvalidInput, NotFound
from keel.ingest.native import parse_batch, to_records
from keel.ingest.storing import store_runs
from keel.store.reviews import reviews_of_run
from keel.store.runs import run_detail, runs_page
from keel.web.body import read_body
from keel.web.deps import DatabaseDep, SettingsDep
from keel.web.runs_query import RunsQueryDep
from keel.web.schemas import BatchResult, RunCounts, RunOut, RunsPageOut, RunSummary
from keel.web.security import IngestAccess, require

router = APIRouter(prefix="/api/v1", tags=["runs"])


@router.post("/runs:batch", response_model=BatchResult)
async def ingest_batch(
    request: Request, db: DatabaseDep, settings: SettingsDep, principal: IngestAccess
) -> BatchResult:
    """Store a batch of runs in one transaction; re-sent runs and events count as duplicates."""
    body = await read_body(request, settings.max_request_bytes)
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"body is not JSON: {exc}", field="body") from None
    records = to_records(parse_batch(data))

    def write() -> BatchResult:
        with db.write() as session:
            counts = store_runs(session, records, principal.actor, "api")
        return BatchResult(
            runs=RunCounts(inserted=counts.runs_inserted, duplicate=counts.runs_duplicate),
            events=RunCounts(inserted=counts.events_inserted, duplicate=counts.events_duplicate),
            tool_calls=RunCounts(
                inserted=counts.tool_calls_inserted, duplicate=counts.tool_calls_duplicate
            ),
        )

    return await run_in_threadpool(write)


@router.get("/runs", response_model=RunsPageOut, dependencies=[require(Scope.READ)])
def list_runs(db: DatabaseDep, query: RunsQueryDep) -> RunsPageOut:
    """Return one page of runs, filtered and sorted, with the cursor of the next page."""
    with db.read() as session:
        page = runs_page(
            session,
            query.filters,
            sort=query.sort,
            descending=query.descending,
            cursor=query.cursor,
            limit=query.limit,
        )
        runs = [RunSummary.model_validate(run) for run in page.runs]
    return RunsPageOut(runs=runs, next_cursor=page.next_cursor)


@router.get("/runs/{run_id}", response_model=RunOut, dependencies=[require(Scope.READ)])
def get_run(run_id: str, db: DatabaseDep) -> RunOut:
    """Return one run with its events (in start order), tool calls, policy flags, links
    and review decisions."""
    with db.read() as session:
        detail = run_detail(session, run_id, related=True)
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
                "policy_flags": detail.flags,
                "links": detail.links,
                "reviews": reviews_of_run(session, run_id),
            }
        )
