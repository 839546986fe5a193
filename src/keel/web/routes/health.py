"""`GET /healthz`: the process is up and its database answers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import text

from keel.core.version import VERSION
from keel.web.deps import DatabaseDep
from keel.web.security import require

router = APIRouter(tags=["health"])


@router.get("/healthz", dependencies=[require(None)])
async def healthz(db: DatabaseDep) -> dict[str, str]:
    """Return ok with the version and database dialect once a query succeeds."""

    def ping() -> None:
        with db.read() as session:
            session.execute(text("SELECT 1"))

    await run_in_threadpool(ping)
    return {"status": "ok", "version": VERSION, "database": db.dialect}
