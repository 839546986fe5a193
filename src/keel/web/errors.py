"""Map every error to keel's shape: JSON for the API, an HTML error page for dashboard pages.

The JSON shape is `{"error": {"code", "message", "field"}}`; a browser (or htmx) asking for a
page under `/` gets the same status with a page that says what went wrong.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from keel.core.errors import KeelError, Unauthorized
from keel.ingest.native import error_path

_MACHINE_PREFIXES = ("/api/", "/v1/", "/healthz", "/static/", "/openapi.json")
_TITLES = {404: "Not found", 405: "Method not allowed", 422: "Invalid request"}


def error_response(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    """Return the JSON error response keel uses everywhere."""
    body = {"error": {"code": code, "message": message, "field": field}}
    return JSONResponse(body, status_code=status)


def wants_html(request: Request) -> bool:
    """Return whether the request is a browser's (or htmx's) request for a dashboard page."""
    if request.url.path.startswith(_MACHINE_PREFIXES):
        return False
    return request.headers.get("hx-request") == "true" or "text/html" in request.headers.get(
        "accept", ""
    )


def _error(request: Request, status: int, code: str, message: str, field: str | None) -> Response:
    if not wants_html(request):
        return error_response(status, code, message, field)
    hint = None
    if status == 404 and request.url.path.startswith("/runs/"):
        hint = "Run ids are exact; the Runs page finds runs by id prefix."
    context = {
        "status_code": status,
        "title": _TITLES.get(status, "Something went wrong"),
        "message": message,
        "hint": hint,
    }
    # htmx swaps only the fragment into the page; a full request gets the whole page.
    partial = request.headers.get("hx-request") == "true"
    template = "_error.html" if partial else "error.html"
    return request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status
    )


async def _keel_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, KeelError)
    if isinstance(exc, Unauthorized) and wants_html(request):
        # A browser without a (live) session goes to sign in, and comes back afterwards.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        next_path = target if request.method == "GET" else "/"
        return RedirectResponse(f"/login?{urlencode({'next': next_path})}", status_code=303)
    return _error(request, exc.status_code, exc.code, exc.message, exc.field)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    loc = tuple(part for part in first["loc"] if part not in ("body", "query", "path"))
    field = error_path(loc) or None
    return _error(request, 422, "invalid_input", f"{field or 'request'}: {first['msg']}", field)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    page_404 = exc.status_code == 404 and wants_html(request)
    message = "No page at this address." if page_404 else str(exc.detail)
    response = _error(request, exc.status_code, code, message, None)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _data_error(request: Request, exc: Exception) -> Response:
    # The last line of defence: a value the database refuses (ingestion sanitises its own
    # input, so this is another route's parameter) is the client's error, not a 500.
    assert isinstance(exc, DataError)
    return _error(request, 422, "invalid_input", "a value the database cannot store", None)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into keel's JSON errors or HTML pages."""
    app.add_exception_handler(KeelError, _keel_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
