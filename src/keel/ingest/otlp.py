"""OTLP/HTTP traces on the wire: decode protobuf or OTLP/JSON requests, encode the responses.

OTLP/JSON is the proto3 JSON mapping with two twists (opentelemetry-proto, "JSON Protobuf
Encoding"): trace and span ids are hex strings rather than base64, and enums may be integers.
We turn the hex ids into base64 and let protobuf's JSON parser do the rest, so both encodings
yield the same `ExportTraceServiceRequest` and one mapping serves both.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.rpc import status_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from keel.core.errors import InvalidInput, UnsupportedMediaType
from keel.core.limits import DEFAULT_MAX_JSON_DEPTH, check_json, refuse_constant

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
_PROTOBUF_TYPES = {PROTOBUF, "application/protobuf"}
_ID_FIELDS = ("traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id")
_ZERO_TRACE = bytes(16)
_ZERO_SPAN = bytes(8)
#: Deepest OTLP/JSON body read: a kvlist attribute takes four levels per level of its own, and
#: a span too deep for protobuf (100 levels) is rejected alone by the span-by-span parse.
MAX_OTLP_JSON_DEPTH = 512


@dataclass(slots=True)
class SpanData:
    """One span as plain data: hex ids, unix-nano times, attributes as a dict."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    start_ns: int
    end_ns: int
    status_code: int
    status_message: str
    attributes: dict[str, Any]
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    service_name: str | None = None


@dataclass
class DecodedSpans:
    """The spans keel can take from a request, and why it rejected the others."""

    spans: list[SpanData]
    rejected: list[str]


def media_type(content_type: str | None) -> str:
    """Return PROTOBUF or JSON for a Content-Type header, or raise 415 for anything else."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind in _PROTOBUF_TYPES:
        return PROTOBUF
    if kind == JSON:
        return JSON
    raise UnsupportedMediaType(
        f"Content-Type must be {PROTOBUF} or {JSON}, not {kind or 'missing'!r}",
        field="Content-Type",
    )


def decode_request(
    body: bytes, encoding: str, max_depth: int = DEFAULT_MAX_JSON_DEPTH
) -> ExportTraceServiceRequest:
    """Return the ExportTraceServiceRequest in `body`, or raise InvalidInput (400)."""
    request, rejected = _decode(body, encoding, max_depth)
    if rejected:
        raise InvalidInput(f"body is not an OTLP/JSON request: {rejected[0]}", field="body")
    return request


def decode_export(
    body: bytes, encoding: str, max_depth: int = DEFAULT_MAX_JSON_DEPTH
) -> DecodedSpans:
    """Return the spans of an export request; spans that cannot be read are rejected alone.

    A request that is not OTLP at all (not protobuf, not a JSON object) raises InvalidInput.
    """
    request, rejected = _decode(body, encoding, max_depth)
    decoded = spans_of(request)
    return DecodedSpans(decoded.spans, [*rejected, *decoded.rejected])


def _decode(
    body: bytes, encoding: str, max_depth: int
) -> tuple[ExportTraceServiceRequest, list[str]]:
    request = ExportTraceServiceRequest()
    if encoding == PROTOBUF:
        try:
            request.ParseFromString(body)
        except DecodeError as exc:
            raise InvalidInput(f"body is not an OTLP protobuf request: {exc}", "body") from None
        return request, []
    try:
        data = json.loads(body, parse_constant=refuse_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"body is not JSON: {exc}", field="body") from None
    except RecursionError:
        raise InvalidInput("body: JSON nested too deep to read", field="body") from None
    if not isinstance(data, dict):
        raise InvalidInput("body must be a JSON object", field="body")
    check_json(data, max(max_depth, MAX_OTLP_JSON_DEPTH))
    _hex_ids_to_base64(data)
    try:
        # Unknown fields are ignored, as the OTLP spec asks of receivers.
        json_format.ParseDict(data, request, ignore_unknown_fields=True)
    except json_format.ParseError:
        return _parse_span_by_span(data)
    return request, []


def _field(node: dict[str, Any], camel: str, snake: str) -> Any:
    return node.get(camel, node.get(snake))


def _parse_part(data: dict[str, Any], message: Any, skip: tuple[str, ...]) -> str | None:
    """Parse `data` but its `skip` keys into `message`; return why it failed, or None."""
    if not isinstance(data, dict):
        return "not a JSON object"
    try:
        part = {key: value for key, value in data.items() if key not in skip}
        json_format.ParseDict(part, message, ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        return str(exc).splitlines()[0][:300]
    return None


def _listed(node: Any, camel: str, snake: str, path: str) -> list[Any]:
    items = _field(node, camel, snake) if isinstance(node, dict) else None
    if items is None:
        return []
    if not isinstance(items, list):
        raise InvalidInput(
            f"body is not an OTLP/JSON request: {path}.{camel} is not a list", "body"
        )
    return items


_SURROGATE = re.compile("[\ud800-\udfff]")
REPAIRED_ATTRIBUTE = "keel.sanitized.replaced_characters"


def _repaired(node: Any) -> tuple[Any, int]:
    """Return a JSON value with lone surrogates replaced by U+FFFD (protobuf refuses them in
    strings), and how many were replaced."""
    if isinstance(node, str):
        return _SURROGATE.subn("\ufffd", node) if not node.isascii() else (node, 0)
    if isinstance(node, list):
        items = [_repaired(item) for item in node]
        return [item for item, _ in items], sum(count for _, count in items)
    if isinstance(node, dict):
        pairs = [(_repaired(key), _repaired(value)) for key, value in node.items()]
        count = sum(k[1] + v[1] for k, v in pairs)
        return {k[0]: v[0] for k, v in pairs}, count
    return node, 0


def _parse_span(span: Any, message: Any) -> str | None:
    """Parse one span into `message`; a span with lone surrogates is repaired and marked."""
    problem = _parse_part(span, message, ())
    if problem is None or not isinstance(span, dict):
        return problem
    fixed, count = _repaired(span)
    if not count:
        return problem
    marker = {"key": REPAIRED_ATTRIBUTE, "value": {"intValue": str(count)}}
    fixed["attributes"] = [*(fixed.get("attributes") or []), marker]
    message.Clear()
    return _parse_part(fixed, message, ())


def _parse_span_by_span(data: dict[str, Any]) -> tuple[ExportTraceServiceRequest, list[str]]:
    """Parse an export whose whole parse failed one span at a time, rejecting the bad ones."""
    request = ExportTraceServiceRequest()
    rejected: list[str] = []
    for r, resource in enumerate(_listed(data, "resourceSpans", "resource_spans", "body")):
        path = f"resource_spans[{r}]"
        scopes = _listed(resource, "scopeSpans", "scope_spans", path)
        out = request.resource_spans.add()
        problem = _parse_part(resource, out, ("scopeSpans", "scope_spans"))
        for s, scope in enumerate(scopes):
            scope_path = f"{path}.scope_spans[{s}]"
            spans = _listed(scope, "spans", "spans", scope_path)
            out_scope = out.scope_spans.add()
            scope_problem = problem or _parse_part(scope, out_scope, ("spans",))
            for i, span in enumerate(spans):
                reason = scope_problem or _parse_span(span, out_scope.spans.add())
                if reason is not None:
                    del out_scope.spans[-1:]
                    rejected.append(f"{scope_path}.spans[{i}]: {reason}")
    return request, rejected


def _hex_ids_to_base64(node: Any) -> None:
    """Rewrite OTLP/JSON hex ids in place as the base64 protobuf's JSON parser expects."""
    if isinstance(node, list):
        for item in node:
            _hex_ids_to_base64(item)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in _ID_FIELDS and isinstance(value, str):
            try:
                raw = bytes.fromhex(value)
            except ValueError:
                raw = b""  # an unreadable id becomes empty; the span is then rejected for it
            node[key] = base64.b64encode(raw).decode()
        elif isinstance(value, dict | list) and key != "attributes":
            _hex_ids_to_base64(value)


def encode_response(rejected: list[str], encoding: str) -> bytes:
    """Return an ExportTraceServiceResponse, with partial_success when spans were rejected."""
    response = ExportTraceServiceResponse()
    if rejected:
        response.partial_success.rejected_spans = len(rejected)
        shown = "; ".join(rejected[:5])
        more = f"; and {len(rejected) - 5} more" if len(rejected) > 5 else ""
        response.partial_success.error_message = f"rejected {len(rejected)} spans: {shown}{more}"
    if encoding == JSON:
        return json_format.MessageToJson(response, indent=None).encode()
    return response.SerializeToString()


def encode_status(code: int, message: str, encoding: str) -> bytes:
    """Return a google.rpc.Status, the body OTLP/HTTP gives every 4xx and 5xx response."""
    status = status_pb2.Status(code=code, message=message)
    if encoding == JSON:
        return json_format.MessageToJson(status, indent=None).encode()
    return status.SerializeToString()


def any_value(value: AnyValue) -> Any:
    """Return an OTLP AnyValue as a plain Python value."""
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return value.string_value
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    return getattr(value, kind)


def attributes(pairs: Any) -> dict[str, Any]:
    """Return repeated KeyValue as a dict."""
    result: dict[str, Any] = {}
    pair: KeyValue
    for pair in pairs:
        value = pair.value
        # Most attributes are non-empty strings: read one directly, dispatch only otherwise.
        text = value.string_value
        result[pair.key] = text if text else any_value(value)
    return result


def _id_problem(trace_id: bytes, span_id: bytes, parent: bytes) -> str | None:
    if len(trace_id) != 16 or trace_id == _ZERO_TRACE:
        return "trace_id must be 16 bytes, not all zero (32 hex digits in OTLP/JSON)"
    if len(span_id) != 8 or span_id == _ZERO_SPAN:
        return "span_id must be 8 bytes, not all zero (16 hex digits in OTLP/JSON)"
    if parent and len(parent) != 8:
        return "parent_span_id must be empty or 8 bytes (16 hex digits in OTLP/JSON)"
    return None


def _spans(request: ExportTraceServiceRequest) -> Iterator[tuple[str, Any, str | None]]:
    for r, resource_spans in enumerate(request.resource_spans):
        service = None
        for pair in resource_spans.resource.attributes:
            if pair.key == "service.name":
                service = pair.value.string_value or None
        for s, scope_spans in enumerate(resource_spans.scope_spans):
            for i, span in enumerate(scope_spans.spans):
                yield f"resource_spans[{r}].scope_spans[{s}].spans[{i}]", span, service


def spans_of(request: ExportTraceServiceRequest) -> DecodedSpans:
    """Return the request's spans as plain data; spans with unusable ids are rejected."""
    spans: list[SpanData] = []
    rejected: list[str] = []
    for path, span, service in _spans(request):
        trace_id, span_id, parent = span.trace_id, span.span_id, span.parent_span_id
        problem = _id_problem(trace_id, span_id, parent)
        if problem:
            rejected.append(f"{path} {span.name!r}: {problem}")
            continue
        status = span.status
        spans.append(
            SpanData(
                trace_id=trace_id.hex(),
                span_id=span_id.hex(),
                parent_span_id=parent.hex() if parent and parent != _ZERO_SPAN else None,
                name=span.name,
                start_ns=span.start_time_unix_nano,
                end_ns=span.end_time_unix_nano,
                status_code=status.code,
                status_message=status.message,
                attributes=attributes(span.attributes),
                events=[(event.name, attributes(event.attributes)) for event in span.events],
                service_name=service,
            )
        )
    return DecodedSpans(spans, rejected)
