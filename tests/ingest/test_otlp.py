"""OTLP wire decoding: protobuf and OTLP/JSON agree; bad ids are rejected span by span."""

from __future__ import annotations

import json

import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from keel.core.errors import InvalidInput, UnsupportedMediaType
from keel.ingest.otlp import (
    JSON,
    PROTOBUF,
    decode_request,
    encode_response,
    media_type,
    spans_of,
)

TRACE = "5b8efff798038103d269b633813fc60c"
OTLP_JSON = {
    "resourceSpans": [
        {
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "api"}}]},
            "scopeSpans": [
                {
                    "scope": {"name": "x"},
                    "spans": [
                        {
                            "traceId": TRACE,
                            "spanId": "eee19b7ec3c1b174",
                            "parentSpanId": "",
                            "name": "chat",
                            "kind": 3,
                            "startTimeUnixNano": "1790000000000000000",
                            "endTimeUnixNano": 1790000000500000000,
                            "status": {"code": 2, "message": "boom"},
                            "attributes": [
                                {"key": "n", "value": {"intValue": "42"}},
                                {"key": "f", "value": {"doubleValue": 0.5}},
                                {"key": "b", "value": {"boolValue": True}},
                                {
                                    "key": "l",
                                    "value": {"arrayValue": {"values": [{"stringValue": "a"}]}},
                                },
                                {
                                    "key": "m",
                                    "value": {
                                        "kvlistValue": {
                                            "values": [{"key": "k", "value": {"stringValue": "v"}}]
                                        }
                                    },
                                },
                                {"key": "unknownField", "value": {"stringValue": "s"}, "extra": 1},
                            ],
                            "events": [
                                {
                                    "name": "exception",
                                    "timeUnixNano": "1",
                                    "attributes": [
                                        {"key": "exception.type", "value": {"stringValue": "E"}}
                                    ],
                                }
                            ],
                        }
                    ],
                }
            ],
        }
    ]
}


def test_otlp_json_decodes_hex_ids_integer_enums_and_string_int64() -> None:
    decoded = spans_of(decode_request(json.dumps(OTLP_JSON).encode(), JSON))
    assert decoded.rejected == []
    (span,) = decoded.spans
    assert (span.trace_id, span.span_id, span.parent_span_id) == (TRACE, "eee19b7ec3c1b174", None)
    assert (span.start_ns, span.end_ns) == (1790000000000000000, 1790000000500000000)
    assert (span.status_code, span.status_message) == (2, "boom")
    assert span.attributes == {
        "n": 42,
        "f": 0.5,
        "b": True,
        "l": ["a"],
        "m": {"k": "v"},
        "unknownField": "s",
    }
    assert span.events == [("exception", {"exception.type": "E"})]
    assert span.service_name == "api"


def test_protobuf_and_json_give_the_same_spans() -> None:
    from_json = decode_request(json.dumps(OTLP_JSON).encode(), JSON)
    from_protobuf = decode_request(from_json.SerializeToString(), PROTOBUF)
    assert spans_of(from_protobuf) == spans_of(from_json)


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("traceId", "abc", "trace_id"),
        ("traceId", "0" * 32, "trace_id"),
        ("spanId", "zz" * 8, "span_id"),
        ("spanId", "", "span_id"),
        ("parentSpanId", "0102", "parent_span_id"),
    ],
)
def test_spans_with_unusable_ids_are_rejected_with_a_reason(
    field: str, value: str, problem: str
) -> None:
    data = json.loads(json.dumps(OTLP_JSON))
    spans = data["resourceSpans"][0]["scopeSpans"][0]["spans"]
    spans.append({**spans[0], field: value, "name": "bad"})
    decoded = spans_of(decode_request(json.dumps(data).encode(), JSON))
    assert len(decoded.spans) == 1
    (reason,) = decoded.rejected
    assert reason.startswith("resource_spans[0].scope_spans[0].spans[1] 'bad': " + problem)


def test_undecodable_bodies_are_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        decode_request(b"\xff\xff", PROTOBUF)
    with pytest.raises(InvalidInput):
        decode_request(b"[1]", JSON)
    with pytest.raises(InvalidInput):
        decode_request(b'{"resourceSpans": 3}', JSON)


def test_media_type_accepts_the_two_otlp_encodings() -> None:
    assert media_type("application/x-protobuf") == PROTOBUF
    assert media_type("application/json; charset=utf-8") == JSON
    with pytest.raises(UnsupportedMediaType):
        media_type("text/plain")


def test_response_reports_partial_success_in_the_request_encoding() -> None:
    assert json.loads(encode_response([], JSON)) == {}
    assert encode_response([], PROTOBUF) == b""
    reasons = [f"span {i}: bad" for i in range(7)]
    body = json.loads(encode_response(reasons, JSON))["partialSuccess"]
    assert body["rejectedSpans"] == "7"
    assert body["errorMessage"].endswith("and 2 more")
    parsed = ExportTraceServiceResponse.FromString(encode_response(reasons, PROTOBUF))
    assert parsed.partial_success.rejected_spans == 7


def test_empty_request_has_no_spans() -> None:
    request = ExportTraceServiceRequest()
    assert spans_of(request).spans == []
    assert json_format.MessageToDict(request) == {}
