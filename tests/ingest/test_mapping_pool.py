"""The OTLP mapping pool: worker processes prepare exports exactly as the server would."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from keel.core import redaction, sanitize
from keel.core.errors import InvalidInput
from keel.core.pricing import load_prices
from keel.core.redaction import Redactor
from keel.ingest.mapping_pool import MappingPool
from keel.ingest.otlp import PROTOBUF
from keel.ingest.traces import PreparedExport, prepare_export

PATTERN = r"ORDER-\d{6}"  # a user's own redaction pattern, which workers must apply too


def _body() -> bytes:
    request = ExportTraceServiceRequest()
    spans = request.resource_spans.add().scope_spans.add().spans
    for index, text in enumerate(["see ORDER-123456 for card 4111 1111 1111 1111", "plain text"]):
        spans.append(
            Span(
                trace_id=bytes(range(1, 17)),
                span_id=(index + 1).to_bytes(8, "big"),
                name="chat gpt-4o-mini",
                start_time_unix_nano=1_790_000_000_000_000_000 + index,
                end_time_unix_nano=1_790_000_000_100_000_000,
                attributes=[
                    KeyValue(key="gen_ai.operation.name", value=AnyValue(string_value="chat")),
                    KeyValue(key="input.value", value=AnyValue(string_value=text)),
                ],
            )
        )
    spans.append(Span(trace_id=bytes(16), span_id=b"\x01" * 8, name="zero trace id"))
    return request.SerializeToString()


@pytest.fixture
def pool() -> Iterator[MappingPool]:
    mapping = MappingPool(1, [PATTERN], sanitize.installed().max_field_chars)
    deadline = time.monotonic() + 120
    while not mapping.available():  # spawning imports keel in the worker
        assert time.monotonic() < deadline, "the mapping worker did not start"
        time.sleep(0.1)
    yield mapping
    mapping.close()


def _summary(prepared: PreparedExport) -> list[tuple[str, list[object]]]:
    return [(run.run_id, [event.payload for event in run.events]) for run in prepared.runs]


def test_a_worker_prepares_what_the_server_would_with_the_users_patterns(
    pool: MappingPool,
) -> None:
    in_worker = pool.submit(_body(), PROTOBUF, None, 64).result(timeout=60)
    previous, previous_redactor = sanitize.installed(), redaction.active()
    sanitize.install(sanitize.Sanitizer(Redactor([PATTERN]), previous.max_field_chars))
    try:
        in_server = prepare_export(_body(), PROTOBUF, load_prices(), 64)
    finally:
        sanitize.install(previous)
        redaction.install(previous_redactor)
    assert _summary(in_worker) == _summary(in_server)
    assert in_worker.rejected == in_server.rejected and len(in_worker.rejected) == 1
    text = in_worker.runs[0].events[0].payload["input"]
    assert "ORDER-123456" not in text and "4111 1111" not in text
    sanitize.check_sealed(in_worker.runs)  # the seal survives the trip between processes


def test_a_body_that_is_not_otlp_raises_invalid_input_with_its_field(pool: MappingPool) -> None:
    with pytest.raises(InvalidInput) as raised:
        pool.submit(b"\xff\x00 not protobuf", PROTOBUF, None, 64).result(timeout=60)
    assert raised.value.field == "body"
