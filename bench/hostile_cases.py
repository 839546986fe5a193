"""The hostile-input table of bench/hostile.py: each case a request a hostile or careless client
sends, with the good data sent alongside it that keel must not lose.

A case is (name, method, path, headers, body, companion, resend): `companion` is what must be
stored afterwards — a run id (native batch) or a span id (OTLP) sent in the same request — or
None for requests that carry nothing to keep (queries, refused bodies). Native batches are
refused whole when one run is bad (docs/security.md); when the error names the bad run
(`runs[0]`), the bench sends `resend`, the batch without it, as keel's SDK does, and the
companion must then be stored.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
JSON_TYPE = {"content-type": "application/json"}
PROTOBUF_TYPE = {"content-type": "application/x-protobuf"}


@dataclass(frozen=True)
class Case:
    """One hostile request, and the good run or span sent with it (None: nothing to keep)."""

    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    companion: str | None = None
    resend: bytes | None = None


def _good_run(run_id: str) -> dict[str, Any]:
    return {"run_id": run_id, "workflow_type": "hostile", "output": {"answer": "fine"}}


def _batch(name: str, bad: dict[str, Any], raw: str | None = None) -> Case:
    companion = f"good-{name}"
    runs = [{"run_id": f"bad-{name}", "workflow_type": "hostile", **bad}, _good_run(companion)]
    body = raw.encode() if raw is not None else json.dumps({"runs": runs}).encode()
    return Case(name, "POST", "/api/v1/runs:batch", JSON_TYPE, body, companion, _resend(companion))


def _resend(companion: str) -> bytes:
    return json.dumps({"runs": [_good_run(companion)]}).encode()


def _raw_batch(name: str, field_json: str) -> Case:
    """A batch whose first run has `field_json` spliced in verbatim (escapes, deep nesting)."""
    companion = f"good-{name}"
    raw = (
        f'{{"runs": [{{"run_id": "bad-{name}", "workflow_type": "hostile", {field_json}}}, '
        f"{json.dumps(_good_run(companion))}]}}"
    )
    return Case(
        name, "POST", "/api/v1/runs:batch", JSON_TYPE, raw.encode(), companion, _resend(companion)
    )


def _span(span_id: str, attributes: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {
        "traceId": TRACE,
        "spanId": span_id,
        "name": fields.pop("name", f"span {span_id}"),
        "startTimeUnixNano": fields.pop("start", "1790000000000000000"),
        "endTimeUnixNano": fields.pop("end", "1790000001000000000"),
        "attributes": attributes,
        **fields,
    }


def _otlp(name: str, index: int, bad: dict[str, Any]) -> Case:
    good_id = f"{index:08x}00000001"
    spans = [bad, _span(good_id, [{"key": "note", "value": {"stringValue": "fine"}}])]
    body = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}).encode()
    return Case(name, "POST", "/v1/traces", JSON_TYPE, body, good_id)


def _attr(key: str, value: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": key, "value": value}]


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


BAD_TEXT = {"nul": "a\x00b", "surrogate": "\ud800x", "low-surrogate": "\udfff", "bom": "\ufeff"}
BAD_TEXT |= {"rtl": "\u202e gnp.exe", "zero-width": "a\u200bb", "emoji": "💸" * 50}
TEXT_FIELDS = ["error", "model", "inputs", "output", "metrics", "workflow_type"]


def _text_field(field: str, text: str) -> dict[str, Any]:
    if field in ("inputs", "output", "metrics"):
        return {field: {"note": text, text: 1}}
    return {field: text}


def native_cases() -> Iterator[Case]:
    """Cases against POST /api/v1/runs:batch."""
    for label, text in BAD_TEXT.items():
        for field in TEXT_FIELDS:
            yield _batch(f"text-{label}-{field}", _text_field(field, text))
        yield _batch(
            f"text-{label}-event",
            {"events": [{"seq": 0, "event_type": "llm", "name": text, "payload": {"p": text}}]},
        )
        yield _batch(
            f"text-{label}-tool",
            {"tool_calls": [{"seq": 0, "tool_name": "t", "args": {"a": text}, "error": text}]},
        )
    for depth in (65, 100, 900, 5000, 100_000):
        yield _raw_batch(f"depth-{depth}", f'"inputs": {{"x": {"[" * depth}{"]" * depth}}}')
    for label, number in {
        "2p63": 2**63,
        "2p64": 2**64,
        "minus-2p63-1": -(2**63) - 1,
        "10p30": 10**30,
    }.items():
        yield _batch(f"int-{label}-metrics", {"metrics": {"n": number}})
        yield _batch(
            f"int-{label}-tokens",
            {"events": [{"seq": 0, "event_type": "llm", "input_tokens": number}]},
        )
    yield _batch("int-seq", {"events": [{"seq": 2**40, "event_type": "llm"}]})
    yield _batch("int-loop-depth", {"loop_depth": 2**40})
    for label, moment in {
        "year-0": "0000-01-01T00:00:00",
        "year-10000": "10000-01-01T00:00:00",
        "year-1-east": "0001-01-01T00:00:00+01:00",
        "year-9999-west": "9999-12-31T23:30:00-02:00",
        "month-13": "2024-13-01",
        "not-a-date": "yesterday",
    }.items():
        yield _batch(f"date-{label}-created", {"created_at": moment})
        yield _batch(
            f"date-{label}-event",
            {"events": [{"seq": 0, "event_type": "llm", "started_at": moment}]},
        )
    for label, literal in {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}.items():
        yield _raw_batch(
            f"float-{label}-cost",
            f'"events": [{{"seq": 0, "event_type": "llm", "cost_usd": {literal}}}]',
        )
        yield _raw_batch(f"float-{label}-payload", f'"metrics": {{"x": {literal}}}')
    yield _raw_batch("escaped-surrogate-pair-half", '"error": "\\ud83d"')
    yield _raw_batch("escaped-nul", '"error": "\\u0000\\u0000"')
    yield _batch("long-text", {"output": {"answer": "x" * 2_000_000}})
    yield _batch(
        "dup-seq", {"events": [{"seq": 0, "event_type": "llm"}, {"seq": 0, "event_type": "llm"}]}
    )
    yield _batch("extra-field", {"surprise": True})
    yield _batch("long-workflow", {"workflow_type": "w" * 500})
    yield _batch("bad-status", {"status": "EXPLODED"})
    yield _batch("bad-parent", {"parent_run_id": "no spaces allowed"})
    for label, kind in {
        "text-plain": "text/plain",
        "form": "application/x-www-form-urlencoded",
        "multipart": "multipart/form-data; boundary=x",
        "xml": "application/xml",
        "missing": "",
    }.items():
        body = json.dumps({"runs": [_good_run("never")]}).encode()
        yield Case(f"type-{label}", "POST", "/api/v1/runs:batch", {"content-type": kind}, body)
    for label, body in {
        "not-utf8": b"\xff\xfe",
        "truncated": b'{"runs": [',
        "null": b"null",
        "list": b"[]",
        "runs-number": b'{"runs": 1}',
        "runs-empty": b'{"runs": []}',
        "dup-keys": b'{"runs": [], "runs": 5}',
    }.items():
        yield Case(f"body-{label}", "POST", "/api/v1/runs:batch", JSON_TYPE, body)
    yield Case("oversize", "POST", "/api/v1/runs:batch", JSON_TYPE, b" " * (6 * 1024 * 1024))
    bomb = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)
    yield Case(
        "gzip-bomb", "POST", "/api/v1/runs:batch", JSON_TYPE | {"content-encoding": "gzip"}, bomb
    )
    yield Case(
        "bad-gzip", "POST", "/api/v1/runs:batch", JSON_TYPE | {"content-encoding": "gzip"}, b"nope"
    )
    yield Case(
        "brotli", "POST", "/api/v1/runs:batch", JSON_TYPE | {"content-encoding": "br"}, b"{}"
    )


def otlp_cases() -> Iterator[Case]:
    """Cases against POST /v1/traces: one bad span next to a good one."""
    index = 0

    def case(name: str, bad: dict[str, Any]) -> Case:
        nonlocal index
        index += 1
        return _otlp(name, index, bad)

    for label, text in BAD_TEXT.items():
        yield case(
            f"otlp-{label}-attribute",
            _span("b0000000000000a1", _attr("note", {"stringValue": text})),
        )
        yield case(
            f"otlp-{label}-key", _span("b0000000000000a2", _attr(text, {"stringValue": "v"}))
        )
        yield case(f"otlp-{label}-name", _span("b0000000000000a3", [], name=text))
        yield case(
            f"otlp-{label}-status",
            _span("b0000000000000a4", [], status={"code": 2, "message": text}),
        )
    for label, value in {
        "tokens-2p64": {"stringValue": str(2**64)},
        "tokens-10p13": {"intValue": str(10**13)},
        "tokens-inf": {"doubleValue": "Infinity"},
        "tokens-nan": {"doubleValue": "NaN"},
        "tokens-negative": {"intValue": "-5"},
        "tokens-text": {"stringValue": "lots"},
    }.items():
        yield case(
            f"otlp-{label}", _span("b0000000000000b1", _attr("gen_ai.usage.input_tokens", value))
        )
    yield case(
        "otlp-cost-inf",
        _span("b0000000000000b2", _attr("llm.cost.total", {"doubleValue": "Infinity"})),
    )
    yield case("otlp-int-beyond-64", _span("b0000000000000b3", _attr("n", {"intValue": "1" * 30})))
    yield case("otlp-bad-enum", _span("b0000000000000b4", [], kind="SIDEWAYS"))
    yield case("otlp-short-trace", {**_span("b0000000000000b5", []), "traceId": "abcd"})
    yield case("otlp-zero-span", _span("0000000000000000", []))
    yield case("otlp-hex-garbage", _span("zzzzzzzzzzzzzzzz", []))
    yield case(
        "otlp-end-before-start", _span("b0000000000000b6", [], start="1790000001000000000", end="1")
    )
    yield case("otlp-max-time", _span("b0000000000000b7", [], start="18446744073709551615"))
    yield case("otlp-time-text", _span("b0000000000000b8", [], start="soon"))
    deep = {"kvlistValue": {"values": [{"key": "k", "value": {"stringValue": "v"}}]}}
    for _ in range(60):
        deep = {"kvlistValue": {"values": [{"key": "k", "value": deep}]}}
    yield case("otlp-deep-kvlist", _span("b0000000000000b9", _attr("deep", deep)))
    deep_json = "[" * 5000 + "]" * 5000
    yield case(
        "otlp-deep-json-args",
        _span(
            "b0000000000000c1",
            [
                {"key": "gen_ai.operation.name", "value": {"stringValue": "execute_tool"}},
                {"key": "gen_ai.tool.call.arguments", "value": {"stringValue": deep_json}},
            ],
        ),
    )
    yield case(
        "otlp-long-attribute",
        _span("b0000000000000c2", _attr("big", {"stringValue": "y" * 2_000_000})),
    )
    yield case("otlp-span-not-object", 42)  # type: ignore[arg-type]
    for label, body, headers in (
        ("otlp-protobuf-garbage", b"\x0a\xff\xff\xff", PROTOBUF_TYPE),
        ("otlp-json-not-object", b"[1, 2]", JSON_TYPE),
        ("otlp-json-deep", b"[" * 100_000 + b"]" * 100_000, JSON_TYPE),
        ("otlp-text-plain", b"{}", {"content-type": "text/plain"}),
        ("otlp-resource-spans-number", b'{"resourceSpans": 7}', JSON_TYPE),
    ):
        yield Case(label, "POST", "/v1/traces", headers, body)


def query_cases() -> Iterator[Case]:
    """Cases against the read endpoints' parameters and paths."""
    for path in ("/api/v1/runs", "/api/v1/audit", "/api/v1/review", "/"):
        for query in (
            "since=0001-01-01T00:00:00%2B01:00",
            "until=9999-12-31",
            "until=10000-01-01",
            "since=not-a-date",
            "limit=0",
            f"limit={10**30}",
            "cursor=%00%ff",
        ):
            yield Case(f"query-{path}-{query[:12]}", "GET", f"{path}?{query}", {}, None)
    for run_id in ("x" * 5000, "%00", "%F0%9F%92%B8", "..%2F..%2Fetc%2Fpasswd"):
        yield Case(f"path-run-{run_id[:8]}", "GET", f"/api/v1/runs/{run_id}", {}, None)
        yield Case(
            f"page-run-{run_id[:8]}", "GET", f"/runs/{run_id}", {"accept": "text/html"}, None
        )


def all_cases() -> list[Case]:
    """Return every case of the table."""
    return [*native_cases(), *otlp_cases(), *query_cases()]
