"""`POST /v1/traces`: the OTLP/HTTP trace receiver (protobuf and JSON, gzip accepted).

Responses follow the OTLP/HTTP spec: 200 with an ExportTraceServiceResponse in the request's
encoding (partial_success names the spans keel could not take), and for failures a
google.rpc.Status body. 200 means the accepted spans are committed.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from keel.core.errors import KeelError
from keel.core.pricing import load_prices
from keel.core.settings import Settings
from keel.ingest.mapping_pool import MappingPool
from keel.ingest.otlp import PROTOBUF, encode_response, encode_status, media_type
from keel.ingest.traces import TraceExport, store_export, store_prepared
from keel.store.engine import Database
from keel.web.body import read_body
from keel.web.deps import DatabaseDep, SettingsDep
from keel.web.security import IngestAdmission

router = APIRouter(tags=["otlp"])


# Decoding, mapping and storing spans is CPU-bound Python: more requests at once in one process
# only take turns on the GIL. With a mapping pool (keel.ingest.mapping_pool) each worker process
# maps one export while the server stores another; without one, two at a time let one map
# while the other waits on the database.
def concurrent_exports(pool: MappingPool | None) -> int:
    """Return how many exports one server takes at a time: one per mapping worker, plus one
    being stored (two without workers)."""
    return 2 if pool is None else pool.workers + 1


def _export_slots(request: Request, pool: MappingPool | None) -> asyncio.Semaphore:
    """The app's semaphore for exports, made on first use inside the server's event loop."""
    slots = getattr(request.app.state, "otlp_export_slots", None)
    if slots is None:
        slots = asyncio.Semaphore(concurrent_exports(pool))
        request.app.state.otlp_export_slots = slots
    return slots


async def _store(
    request: Request, db: Database, settings: Settings, body: bytes, encoding: str, actor: str
) -> TraceExport:
    """Prepare the export in the mapping pool when there is one, then store it (committed)."""
    pool: MappingPool | None = getattr(request.app.state, "mapping_pool", None)
    async with _export_slots(request, pool):
        if pool is None or not pool.available():
            prices = load_prices(settings.prices_file)
            return await run_in_threadpool(
                store_export, db, body, encoding, prices, actor, settings.max_json_depth
            )
        future = pool.submit(body, encoding, settings.prices_file, settings.max_json_depth)
        prepared = await asyncio.wrap_future(future)
        return await run_in_threadpool(store_prepared, db, prepared, actor)


# google.rpc.Code values for the Status body.
_RPC_CODES = {400: 3, 401: 16, 403: 7, 413: 8, 415: 3}  # INVALID_ARGUMENT, UNAUTHENTICATED, ...


@router.post(
    "/v1/traces",
    response_class=Response,
    responses={200: {"content": {PROTOBUF: {}, "application/json": {}}}},
)
async def export_traces(
    request: Request, db: DatabaseDep, settings: SettingsDep, admission: IngestAdmission
) -> Response:
    """Store the spans of an OTLP ExportTraceServiceRequest; answer per the OTLP/HTTP spec."""
    encoding = PROTOBUF
    try:
        principal = admission.admitted()
        encoding = media_type(request.headers.get("content-type"))
        body = await read_body(request, settings.max_request_bytes)
        export = await _store(request, db, settings, body, encoding, principal.actor)
    except KeelError as exc:
        # OTLP/HTTP answers undecodable or invalid data with 400, where keel's API says 422.
        status = 400 if exc.status_code == 422 else exc.status_code
        content = encode_status(_RPC_CODES.get(status, 2), exc.message, encoding)
        return Response(content, status_code=status, media_type=encoding)
    return Response(encode_response(export.rejected, encoding), media_type=encoding)
