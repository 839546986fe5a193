"""`POST /v1/traces` fed by the real OpenTelemetry SDK and exporter (over a real server), and by
hand-made and recorded payloads (in process)."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from google.protobuf import json_format
from google.rpc.status_pb2 import Status as RpcStatus
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode
from pydantic import SecretStr
from sqlalchemy import func, select

from keel.core.settings import Settings
from keel.store.engine import Database
from keel.store.models import Event, Run, ToolCall
from tests.conftest import OTLP_FIXTURES as FIXTURES
from tests.conftest import ApiClient, LiveServer, api_client

T0 = 1_790_000_000_000_000_000  # ns; every span of the test trace is placed relative to it
MS = 1_000_000


def record_agent_trace() -> list[ReadableSpan]:
    """Run a GenAI agent through the real SDK: invoke_agent > chat, 2 tools (1 fails), chat."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "support-svc"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("keel-tests")
    root = tracer.start_span(
        "invoke_agent support",
        start_time=T0,
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "support"},
    )
    context = trace.set_span_in_context(root)

    def child(name: str, start_ms: int, end_ms: int, error: str | None = None, **attrs: Any):
        span = tracer.start_span(name, context=context, start_time=T0 + start_ms * MS)
        span.set_attributes(attrs)
        if error:
            span.record_exception(TimeoutError(error))
            span.set_status(Status(StatusCode.ERROR, error))
        span.end(end_time=T0 + end_ms * MS)

    chat = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini"}
    child(
        "chat gpt-4o-mini",
        1,
        40,
        **chat,
        **{
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "gen_ai.usage.input_tokens": 100,
            "gen_ai.usage.output_tokens": 20,
            "gen_ai.input.messages": json.dumps(
                [
                    {
                        "role": "user",
                        "parts": [
                            {
                                "type": "text",
                                "content": "Move 50 EUR, my card is 4111 1111 1111 1111",
                            }
                        ],
                    }
                ]
            ),
        },
    )
    child(
        "execute_tool lookup_account",
        41,
        45,
        **{
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "lookup_account",
            "gen_ai.tool.call.id": "call_1",
            "gen_ai.tool.call.arguments": '{"customer": "c-9"}',
            "gen_ai.tool.call.result": '{"balance": 120}',
        },
    )
    child(
        "execute_tool transfer_funds",
        46,
        60,
        error="bank API timed out",
        **{
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "transfer_funds",
            "gen_ai.tool.call.id": "call_2",
            "gen_ai.tool.call.arguments": '{"amount": 50, "password": "hunter2"}',
        },
    )
    child(
        "chat gpt-4o-mini",
        61,
        90,
        **chat,
        **{
            "gen_ai.usage.input_tokens": 150,
            "gen_ai.usage.output_tokens": 30,
        },
    )
    root.end(end_time=T0 + 95 * MS)
    provider.shutdown()
    spans = list(memory.get_finished_spans())
    assert len(spans) == 5
    return spans


def trace_id_of(spans: Sequence[ReadableSpan]) -> str:
    context = spans[0].get_span_context()
    assert context is not None
    return format(context.trace_id, "032x")


def otlp_json(spans: Sequence[ReadableSpan]) -> bytes:
    """Encode spans as OTLP/JSON: hex ids, integer enums, int64 as strings (the spec's rules)."""
    data = json_format.MessageToDict(encode_spans(spans), use_integers_for_enums=True)

    def hexify(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                hexify(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in ("traceId", "spanId", "parentSpanId"):
                    node[key] = base64.b64decode(value).hex()
                else:
                    hexify(value)

    hexify(data)
    return json.dumps(data).encode()


def export(server: LiveServer, spans: Sequence[ReadableSpan], **options: Any) -> None:
    exporter = OTLPSpanExporter(endpoint=f"{server.url}/v1/traces", timeout=10, **options)
    try:
        assert exporter.export(spans) is SpanExportResult.SUCCESS
    finally:
        exporter.shutdown()


def fetch_run(client: httpx.Client, run_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/runs/{run_id}")
    assert response.status_code == 200, response.text
    return response.json()


def assert_agent_run(run: dict[str, Any]) -> None:
    """What the stored run of `record_agent_trace` must look like, however it arrived."""
    assert run["workflow_type"] == "support"
    assert run["status"] == "COMPLETED"
    assert run["model"] == "gpt-4o-mini-2024-07-18"
    assert [e["event_type"] for e in run["events"]] == ["agent", "llm", "tool", "tool", "llm"]
    assert (run["input_tokens"], run["output_tokens"], run["total_tokens"]) == (250, 50, 300)
    # gpt-4o-mini: 0.15 USD per 1M input tokens, 0.60 per 1M output tokens.
    assert run["cost_usd"] == pytest.approx((250 * 0.15 + 50 * 0.60) / 1e6)
    assert run["error_count"] == 1
    assert run["tool_count"] == 2
    assert run["loop_depth"] == 1
    assert run["latency_ms"] == pytest.approx(95.0)
    lookup, transfer = run["tool_calls"]
    assert (lookup["tool_name"], lookup["call_id"], lookup["error"]) == (
        "lookup_account",
        "call_1",
        None,
    )
    assert lookup["result_meta"]["size"] == len('{"balance": 120}')
    assert lookup["latency_ms"] == pytest.approx(4.0)
    assert transfer["tool_name"] == "transfer_funds"
    assert transfer["error"] == "bank API timed out"
    assert "hunter2" not in transfer["args_preview"]
    failing = run["events"][3]
    assert failing["status"] == "ERROR"
    assert failing["payload"]["exception"]["type"] == "TimeoutError"
    assert run["events"][0]["payload"]["agent_name"] == "support"
    first_chat = run["events"][1]
    message = first_chat["payload"]["input_messages"][0]["parts"][0]["content"]
    assert "4111 1111 1111 1111" not in message and "****1111" in message
    assert run["events"][0]["payload"]["service_name"] == "support-svc"


def test_real_exporter_trace_becomes_a_run(live_server: LiveServer, database: Database) -> None:
    spans = record_agent_trace()
    export(live_server, spans)
    assert_agent_run(fetch_run(live_server.client, trace_id_of(spans)))


def test_gzipped_otlp_json_trace_becomes_the_same_run(api: ApiClient, database: Database) -> None:
    spans = record_agent_trace()
    response = api.post(
        "/v1/traces",
        content=gzip.compress(otlp_json(spans)),
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {}
    assert_agent_run(fetch_run(api, trace_id_of(spans)))


def test_trace_split_over_requests_out_of_order_assembles(
    live_server: LiveServer, database: Database
) -> None:
    spans = record_agent_trace()
    root = [span for span in spans if span.parent is None]
    children = [span for span in spans if span.parent is not None]
    run_id = trace_id_of(spans)
    export(live_server, list(reversed(children)), compression=Compression.Gzip)
    partial = fetch_run(live_server.client, run_id)
    assert partial["status"] == "RUNNING"
    assert partial["tool_count"] == 2
    export(live_server, root)
    assert_agent_run(fetch_run(live_server.client, run_id))


def test_resending_a_request_stores_nothing_twice(
    live_server: LiveServer, database: Database
) -> None:
    spans = record_agent_trace()
    export(live_server, spans)
    export(live_server, spans)
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Run)) == 1
        assert session.scalar(select(func.count()).select_from(Event)) == 5
        assert session.scalar(select(func.count()).select_from(ToolCall)) == 2
    assert_agent_run(fetch_run(live_server.client, trace_id_of(spans)))


@pytest.mark.parametrize(
    "fixture", ["openllmetry-openai-agent.pb", "openinference-openai-agent.pb"]
)
def test_real_instrumentation_payloads_become_one_run_each(
    api: ApiClient, database: Database, fixture: str
) -> None:
    body = (FIXTURES / fixture).read_bytes()
    response = api.post(
        "/v1/traces",
        content=body,
        headers={"content-type": "application/x-protobuf"},
    )
    assert response.status_code == 200
    assert (
        ExportTraceServiceResponse.FromString(response.content).partial_success.rejected_spans == 0
    )
    runs = api.get("/api/v1/runs").json()["runs"]
    assert len(runs) == 1
    run = fetch_run(api, runs[0]["run_id"])
    assert run["model"] == "gpt-4o-mini"
    assert (run["input_tokens"], run["output_tokens"]) == (114, 36)
    assert [e["event_type"] for e in run["events"]].count("llm") == 2
    assert [call["tool_name"] for call in run["tool_calls"]] == ["knowledge_search"]
    assert run["workflow_type"] == "support"
    assert run["status"] == "COMPLETED"
    assert run["cost_usd"] == pytest.approx((114 * 0.15 + 36 * 0.60) / 1e6)
    chats = [e for e in run["events"] if e["event_type"] == "llm"]
    # The conversation is kept, so a later replay can re-issue the calls.
    assert chats[1]["payload"]["input_messages"][0]["role"] == "user"
    assert len(chats[1]["payload"]["input_messages"]) == 3


def _span_json(trace_id: str, span_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "traceId": trace_id,
        "spanId": span_id,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(T0),
        "endTimeUnixNano": str(T0 + 5 * MS),
        **extra,
    }


def _request_json(*spans: dict[str, Any]) -> dict[str, Any]:
    return {"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": list(spans)}]}]}


def test_unknown_span_kinds_are_kept_as_generic_events(api: ApiClient, database: Database) -> None:
    trace_id = "5b8efff798038103d269b633813fc60c"
    attrs = [
        {"key": "db.system", "value": {"stringValue": "postgresql"}},
        {"key": "retries", "value": {"intValue": "3"}},
    ]
    body = _request_json(
        _span_json(trace_id, "eee19b7ec3c1b174", "SELECT accounts", attributes=attrs)
    )
    response = api.post("/v1/traces", json=body)
    assert response.status_code == 200, response.text
    run = fetch_run(api, trace_id)
    (event,) = run["events"]
    assert event["event_type"] == "span"
    assert event["name"] == "SELECT accounts"
    assert event["payload"]["attributes"] == {"db.system": "postgresql", "retries": 3}
    assert run["workflow_type"] == "otel"
    assert run["status"] == "COMPLETED"


def test_bad_span_is_rejected_while_the_good_ones_are_stored(
    api: ApiClient, database: Database
) -> None:
    good = "5b8efff798038103d269b633813fc60c"
    body = _request_json(
        _span_json(good, "eee19b7ec3c1b174", "good"),
        _span_json("not-hex", "eee19b7ec3c1b175", "bad trace id"),
        _span_json(good, "0000000000000000", "zero span id"),
    )
    response = api.post("/v1/traces", json=body)
    assert response.status_code == 200
    partial = response.json()["partialSuccess"]
    assert partial["rejectedSpans"] == "2"
    assert "bad trace id" in partial["errorMessage"]
    assert "span_id" in partial["errorMessage"]
    assert [e["name"] for e in fetch_run(api, good)["events"]] == ["good"]


def test_protobuf_rejections_come_back_as_protobuf(api: ApiClient, database: Database) -> None:
    spans = record_agent_trace()
    request = encode_spans(spans)
    request.resource_spans[0].scope_spans[0].spans[0].trace_id = b"\x01\x02"
    response = api.post(
        "/v1/traces",
        content=request.SerializeToString(),
        headers={"content-type": "application/x-protobuf"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-protobuf"
    partial = ExportTraceServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_spans == 1
    assert "trace_id" in partial.error_message
    assert len(fetch_run(api, trace_id_of(spans))["events"]) == 4


def test_unreadable_body_is_a_400_status(api: ApiClient, database: Database) -> None:
    response = api.post(
        "/v1/traces",
        content=b"\xff\xff not protobuf",
        headers={"content-type": "application/x-protobuf"},
    )
    assert response.status_code == 400
    assert "not an OTLP protobuf request" in RpcStatus.FromString(response.content).message
    response = api.post("/v1/traces", content=b"{", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "not JSON" in response.json()["message"]
    response = api.post("/v1/traces", content=b"x", headers={"content-type": "text/plain"})
    assert response.status_code == 415


def test_body_over_the_limit_is_413(settings: Settings, database: Database) -> None:
    small = settings.model_copy(update={"max_request_bytes": 1_000})
    with api_client(small, database) as api:
        body = encode_spans(record_agent_trace()).SerializeToString()
        assert len(body) > 1_000
        response = api.post(
            "/v1/traces",
            content=body,
            headers={"content-type": "application/x-protobuf"},
        )
        assert response.status_code == 413
        assert "KEEL_MAX_REQUEST_BYTES" in RpcStatus.FromString(response.content).message
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Run)) == 0


def test_traces_need_the_bearer_key_when_one_is_set(settings: Settings, database: Database) -> None:
    locked = settings.model_copy(update={"api_key": SecretStr("s3cret-key")})
    spans = record_agent_trace()
    with LiveServer(locked, database) as server:
        endpoint = f"{server.url}/v1/traces"
        refused = OTLPSpanExporter(endpoint=endpoint, timeout=5)
        assert refused.export(spans) is SpanExportResult.FAILURE
        refused.shutdown()
        response = httpx.post(
            endpoint, json=_request_json(), headers={"Authorization": "Bearer no"}
        )
        assert response.status_code == 401
        export(server, spans, headers={"Authorization": "Bearer s3cret-key"})
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 5


def test_a_mapping_worker_stores_what_the_server_would_and_rejects_the_same_spans(
    settings: Settings, database: Database
) -> None:
    """KEEL_INGEST_WORKERS=1: decoding, mapping and sealing in a worker process (off by default)."""
    good = "5b8efff798038103d269b633813fc60c"
    bad = _request_json(
        _span_json(good, "eee19b7ec3c1b174", "good"),
        _span_json("not-hex", "eee19b7ec3c1b175", "bad trace id"),
    )
    pb = (FIXTURES / "openinference-openai-agent.pb").read_bytes()
    with api_client(settings.model_copy(update={"ingest_workers": 1}), database) as api:
        for _ in range(2):  # the first export starts the worker; the second reaches it
            response = api.post(
                "/v1/traces", content=pb, headers={"content-type": "application/x-protobuf"}
            )
            assert response.status_code == 200
        partial = api.post("/v1/traces", json=bad).json()["partialSuccess"]
        runs = api.get("/api/v1/runs").json()["runs"]
    assert partial["rejectedSpans"] == "1" and "bad trace id" in partial["errorMessage"]
    assert len(runs) == 2  # the agent's trace once (resent, stored once) and the good span's
    with database.read() as session:
        assert (
            session.scalar(select(func.count()).select_from(Event).where(Event.name == "good")) == 1
        )
