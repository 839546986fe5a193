"""Runs: native batch ingestion, the filtered list, and one run in full."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from keel.auth.scopes import Scope
from keel.core.pricing import load_prices
from keel.ingest.native import parse_body, to_records
from keel.ingest.storing import seal_runs, store_runs
from keel.reports.run_detail import RunOut, run_detail_data, run_out
from keel.reports.runs import RunsPageOut, runs_data
from keel.web.body import read_body, require_json
from keel.web.deps import DatabaseDep, SettingsDep
from keel.web.runs_query import RunsQueryDep
from keel.web.schemas import BatchResult, RunCounts
from keel.web.security import IngestAccess, require

router = APIRouter(prefix="/api/v1", tags=["runs"])


@router.post("/runs:batch", response_model=BatchResult)
async def ingest_batch(
    request: Request, db: DatabaseDep, settings: SettingsDep, principal: IngestAccess
) -> BatchResult:
    """Store a batch of runs in one transaction; re-sent runs and events count as duplicates.

    The batch is validated whole first: one bad value refuses it all (422, naming the run and
    the field) and nothing is written.
    """
    require_json(request)
    body = await read_body(request, settings.max_request_bytes)

    def write() -> BatchResult:
        batch = parse_body(body, settings.max_json_depth)
        records = seal_runs(to_records(batch, load_prices(settings.prices_file)))
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
        return runs_data(
            session,
            query.filters,
            sort=query.sort,
            descending=query.descending,
            cursor=query.cursor,
            limit=query.limit,
        )


@router.get("/runs/{run_id}", response_model=RunOut, dependencies=[require(Scope.READ)])
def get_run(run_id: str, db: DatabaseDep) -> RunOut:
    """Return one run with its events (in start order), tool calls, policy flags, links,
    review decisions and replay sets."""
    with db.read() as session:
        return run_out(run_detail_data(session, run_id))
