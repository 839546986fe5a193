"""Map every error to the JSON shape `{"error": {"code", "message", "field"}}`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from keel.errors import KeelError
from keel.ingest.native import error_path


def error_response(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    """Return the JSON error response keel uses everywhere."""
    body = {"error": {"code": code, "message": message, "field": field}}
    return JSONResponse(body, status_code=status)


async def _keel_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, KeelError)
    return error_response(exc.status_code, exc.code, exc.message, exc.field)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    loc = tuple(part for part in first["loc"] if part not in ("body", "query", "path"))
    field = error_path(loc) or None
    return error_response(422, "invalid_input", f"{field or 'request'}: {first['msg']}", field)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    response = error_response(exc.status_code, code, str(exc.detail))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into keel's JSON errors."""
    app.add_exception_handler(KeelError, _keel_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
