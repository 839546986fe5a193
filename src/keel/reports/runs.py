"""The runs list (`/`, `GET /api/v1/runs`, `keel runs list`): one page of runs, filtered, sorted."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.orm import Session

from keel.reports.rows import RunSummary
from keel.store.runs import RunFilters, runs_page


class RunsPageOut(BaseModel):
    runs: list[RunSummary]
    next_cursor: str | None


def runs_data(
    session: Session,
    filters: RunFilters,
    *,
    sort: str = "created_at",
    descending: bool = True,
    cursor: str | None = None,
    limit: int = 50,
) -> RunsPageOut:
    """Return one page of runs matching `filters` and the cursor of the next page."""
    page = runs_page(session, filters, sort=sort, descending=descending, cursor=cursor, limit=limit)
    return RunsPageOut(
        runs=[RunSummary.model_validate(run) for run in page.runs], next_cursor=page.next_cursor
    )
