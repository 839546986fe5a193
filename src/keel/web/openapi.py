"""keel's OpenAPI document: FastAPI's, completed with what the routes cannot say themselves.

- the request bodies of the two ingest endpoints, which routes read raw (to cap their size and
  to take protobuf): `runs:batch` takes `RunBatch`, `/v1/traces` an OTLP export request;
- every status a route answers: the access guard's 401 and 403, 404 on routes with a path
  parameter, 422 for bad parameters or bodies, and the ingest endpoints' 400, 413 and 415,
  each with keel's error shape (OTLP's: a google.rpc.Status in the request's encoding).
A test runs schemathesis against the live app to keep the document and the answers in step.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from keel.ingest.native import RunBatch

PROTOBUF = "application/x-protobuf"
_DESCRIPTIONS = {
    400: "The body cannot be decoded as its Content-Type says (OTLP: any invalid data).",
    401: "No key, or an unknown or revoked key, where one is needed.",
    403: "The key's scope does not allow this (or a missing CSRF token).",
    404: "Nothing with that id.",
    409: "The request conflicts with the state of the run (e.g. it cannot be replayed).",
    413: "The body is larger than KEEL_MAX_REQUEST_BYTES.",
    415: "The Content-Type is not one this endpoint takes.",
    422: "A parameter or a field of the body is invalid; `field` names it.",
}
_PUBLIC = frozenset({"/healthz"})
#: Statuses beyond the common ones, per operation.
_EXTRA: dict[tuple[str, str], tuple[int, ...]] = {
    ("post", "/api/v1/runs:batch"): (413, 415),
    ("post", "/v1/traces"): (400, 413, 415),
    ("post", "/api/v1/policies"): (409, 413),
    ("post", "/api/v1/runs/{run_id}/replays"): (409,),
    ("post", "/api/v1/keys"): (409,),
    ("get", "/api/v1/overview"): (404,),
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    """keel's error body: `{"error": {"code", "message", "field"}}`."""

    error: ErrorDetail


_STATUS_SCHEMA = {
    "type": "object",
    "description": "google.rpc.Status, as OTLP/HTTP answers failures.",
    "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
}
_ANY_VALUE: dict[str, Any] = {"type": "object", "description": "An OTLP AnyValue."}
_KEY_VALUES = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"key": {"type": "string"}, "value": _ANY_VALUE},
        "required": ["key"],
    },
}
_HEX = {"type": "string", "pattern": "^[0-9a-fA-F]*$"}
_NANOS = {"type": "string", "pattern": "^[0-9]{1,20}$"}
_SPAN = {
    "type": "object",
    "properties": {
        "traceId": _HEX,
        "spanId": _HEX,
        "parentSpanId": _HEX,
        "name": {"type": "string"},
        "kind": {"type": "integer", "minimum": 0, "maximum": 5},
        "startTimeUnixNano": _NANOS,
        "endTimeUnixNano": _NANOS,
        "attributes": _KEY_VALUES,
        "events": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "timeUnixNano": _NANOS,
                    "attributes": _KEY_VALUES,
                },
            },
        },
        "status": {
            "type": "object",
            "properties": {
                "code": {"type": "integer", "minimum": 0, "maximum": 2},
                "message": {"type": "string"},
            },
        },
    },
}
EXPORT_REQUEST_SCHEMA = {
    "type": "object",
    "description": "ExportTraceServiceRequest in OTLP/JSON (hex ids; see docs/otlp.md).",
    "properties": {
        "resourceSpans": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "resource": {"type": "object", "properties": {"attributes": _KEY_VALUES}},
                    "scopeSpans": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "scope": {"type": "object"},
                                "spans": {"type": "array", "items": _SPAN},
                            },
                        },
                    },
                },
            },
        }
    },
}
EXPORT_RESPONSE_SCHEMA = {
    "type": "object",
    "description": "ExportTraceServiceResponse; partialSuccess names the spans keel rejected.",
    "properties": {
        "partialSuccess": {
            "type": "object",
            "properties": {
                "rejectedSpans": {"type": ["string", "integer"]},
                "errorMessage": {"type": "string"},
            },
        }
    },
}


def _error_response(status: int, otlp: bool) -> dict[str, Any]:
    if otlp:
        content = {
            "application/json": {"schema": _STATUS_SCHEMA},
            PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
        }
    else:
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    return {"description": _DESCRIPTIONS[status], "content": content}


def _statuses(method: str, path: str) -> set[int]:
    statuses = {422} if path != "/v1/traces" else set()
    if path not in _PUBLIC:
        statuses |= {401, 403}
    if "{" in path:
        statuses.add(404)
    return statuses | set(_EXTRA.get((method, path), ()))


def _complete(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    batch = RunBatch.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(batch.pop("$defs", {}))
    components["RunBatch"] = batch
    components["ErrorOut"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(components["ErrorOut"].pop("$defs", {}))
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            statuses = _statuses(method, path) | ({400} if "requestBody" in operation else set())
            for status in sorted(statuses):
                responses[str(status)] = _error_response(status, path == "/v1/traces")
    batch_op = schema["paths"]["/api/v1/runs:batch"]["post"]
    batch_op["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunBatch"}}},
    }
    policies = schema["paths"]["/api/v1/policies"]["post"]["responses"]
    policies["201"] = {"description": "A new policy version was loaded.", **policies["200"]}
    policies["200"] = {**policies["200"], "description": "That version was already loaded."}
    traces = schema["paths"]["/v1/traces"]["post"]
    traces["requestBody"] = {
        "required": True,
        "content": {
            PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
            "application/json": {"schema": EXPORT_REQUEST_SCHEMA},
        },
    }
    traces["responses"]["200"] = {
        "description": "The accepted spans are committed; partialSuccess lists the others.",
        "content": {
            "application/json": {"schema": EXPORT_RESPONSE_SCHEMA},
            PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
        },
    }
    return schema


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _complete(
                get_openapi(title=app.title, version=app.version, routes=app.routes)
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
