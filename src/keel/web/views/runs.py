"""Page A, Runs (`/`): the filtered, sorted, cursor-paginated list of runs.

The table (headers, rows, pager) is the partial `_runs_table.html`; htmx requests get only that
partial, so sorting, filtering and paging swap the table without reloading the page. Every link
is also a plain link, so the page works without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from keel.auth.scopes import Scope
from keel.core.records import RunStatus
from keel.core.severity import Severity
from keel.evaluate.risk import RiskLevel
from keel.reports.runs import runs_data
from keel.store.runs import run_facets
from keel.web.deps import DatabaseDep, TemplatesDep
from keel.web.runs_query import RunsQuery, RunsQueryDep
from keel.web.security import ANON_CSRF_COOKIE, form_csrf_token, require, set_cookie

router = APIRouter(include_in_schema=False)

# Marks "the first page" in the `back` stack of earlier cursors (a cursor is never "0").
FIRST_PAGE = "0"
MAX_BACK = 100
OTLP_PATH = "/v1/traces"


@dataclass(frozen=True)
class RunsColumn:
    """A column of the runs table; `sort` is its key in keel.store.runs.SORTABLE ('' if none)."""

    sort: str
    label: str
    numeric: bool = False


COLUMNS = (
    RunsColumn("run_id", "Run ID"),
    RunsColumn("created_at", "Created"),
    RunsColumn("workflow_type", "Workflow Type"),
    RunsColumn("model", "Model"),
    RunsColumn("config", "Config"),
    RunsColumn("tool_count", "Tool Count", numeric=True),
    RunsColumn("total_tokens", "Tokens", numeric=True),
    RunsColumn("cost_usd", "Cost", numeric=True),
    RunsColumn("loop_depth", "Loop Depth", numeric=True),
    RunsColumn("stability", "Stability", numeric=True),
    RunsColumn("risk", "Risk", numeric=True),
    RunsColumn("", "Flags"),
    RunsColumn("status", "Status"),
)
_DESCENDING_FIRST = {column.sort for column in COLUMNS if column.numeric} | {"created_at"}


def is_partial(request: Request) -> bool:
    """Return whether htmx asked for the table only (not a history restore, which needs it all)."""
    headers = request.headers
    return headers.get("hx-request") == "true" and "hx-history-restore-request" not in headers


class RunsLinks:
    """Builds the page's links from its own query string, so filters survive sorting and paging."""

    def __init__(self, request: Request, query: RunsQuery, back: list[str]) -> None:
        self.params = {
            key: value
            for key, value in request.query_params.items()
            if key not in ("cursor", "back") and value.strip()
        }
        self.query = query
        self.back = back

    def url(self, **changes: str | None) -> str:
        """Return `/` with the current parameters updated by `changes` (None removes one)."""
        params = {**self.params, **changes}
        kept = {key: value for key, value in params.items() if value}
        return "/?" + urlencode(kept) if kept else "/"

    def sort(self, column: RunsColumn) -> str:
        """Return the link that sorts by `column`: toggles the order when already sorted by it."""
        if self.query.sort == column.sort:
            order = "asc" if self.query.descending else "desc"
        else:
            order = "desc" if column.sort in _DESCENDING_FIRST else "asc"
        return self.url(sort=column.sort, order=order)

    def next(self, next_cursor: str) -> str:
        """Return the link to the page after this one."""
        back = [*self.back, self.query.cursor or FIRST_PAGE][-MAX_BACK:]
        return self.url(cursor=next_cursor, back=",".join(back))

    def previous(self) -> str | None:
        """Return the link to the page before this one, or None on the first page."""
        if not self.query.cursor:
            return None
        if not self.back:
            return self.url()
        cursor = self.back[-1]
        return self.url(
            cursor=None if cursor == FIRST_PAGE else cursor, back=",".join(self.back[:-1])
        )


def _otlp_endpoint(request: Request) -> str | None:
    """Return the OTLP receiver's path when this server has one (the empty state offers it)."""
    paths = {getattr(route, "path", None) for route in request.app.routes}
    return OTLP_PATH if OTLP_PATH in paths else None


@router.get("/", response_class=HTMLResponse, dependencies=[require(Scope.READ)])
def runs_view(
    request: Request,
    db: DatabaseDep,
    templates: TemplatesDep,
    query: RunsQueryDep,
    back: str = Query("", description="Cursors of the earlier pages, comma-separated."),
) -> HTMLResponse:
    """Render the Runs page, or only its table for an htmx request."""
    with db.read() as session:
        page = runs_data(
            session,
            query.filters,
            sort=query.sort,
            descending=query.descending,
            cursor=query.cursor,
            limit=query.limit,
        )
        facets = None if is_partial(request) else run_facets(session)
    stack = [cursor for cursor in back.split(",") if cursor]
    token, new_token = form_csrf_token(request)  # the Replay buttons post with it
    context = {
        "csrf_token": token,
        "active": "runs",
        "page": page,
        "query": query,
        "facets": facets,
        "statuses": [status.value for status in RunStatus],
        "severities": [level.value for level in Severity],
        "risk_levels": [level.value for level in RiskLevel],
        "columns": COLUMNS,
        "links": RunsLinks(request, query, stack),
        "page_number": len(stack) + 1 if query.cursor else 1,
        "otlp_endpoint": _otlp_endpoint(request),
    }
    template = "_runs_table.html" if is_partial(request) else "runs.html"
    response = templates.TemplateResponse(request, template, context)
    response.headers["Vary"] = "HX-Request"
    if new_token:
        set_cookie(request, response, ANON_CSRF_COOKIE, token, 24 * 3600)
    return response
