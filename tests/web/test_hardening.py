"""Issue 17 as a hostile new user tried it, over real HTTP on both databases: every finding
reproduced, and each answer now a 2xx that kept the good data or a 4xx that names the field."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from keel.cli.app import app
from keel.cli.serve import is_loopback
from keel.core.settings import Settings
from keel.store.engine import Database
from keel.store.runs import run_detail
from keel.web.headers import SECURITY_HEADERS
from tests.conftest import LiveServer

TRACE = "5b8efff798038103d269b633813fc60c"


def batch(*runs: dict) -> dict:
    return {"runs": list(runs)}


def run(run_id: str, **fields: object) -> dict:
    return {"run_id": run_id, "workflow_type": "support", **fields}


def span(span_id: str, **attributes: object) -> dict:
    return {
        "traceId": TRACE,
        "spanId": span_id,
        "name": f"span {span_id}",
        "startTimeUnixNano": "1790000000000000000",
        "endTimeUnixNano": "1790000001000000000",
        "attributes": [
            {"key": key, "value": value if isinstance(value, dict) else {"stringValue": value}}
            for key, value in attributes.items()
        ],
    }


def export(*spans: dict) -> dict:
    return {"resourceSpans": [{"scopeSpans": [{"spans": list(spans)}]}]}


def test_a_text_plain_batch_is_refused_with_415_and_stores_nothing(
    live_server: LiveServer, database: Database
) -> None:
    body = json.dumps(batch(run("cross-site")))
    answer = httpx.post(
        f"{live_server.url}/api/v1/runs:batch", content=body, headers={"content-type": "text/plain"}
    )
    assert answer.status_code == 415
    with database.read() as session:
        assert run_detail(session, "cross-site") is None


@pytest.mark.parametrize("path", ["/", "/api/v1/runs", "/healthz", "/static/keel.css", "/nope"])
def test_every_response_carries_the_browser_hardening_headers(
    live_server: LiveServer, path: str
) -> None:
    headers = httpx.get(f"{live_server.url}{path}").headers
    for name, value in SECURITY_HEADERS:
        assert headers[name.decode()] == value.decode()
    assert "unsafe-inline" not in headers["content-security-policy"].split("script-src")[1][:30]


def test_once_a_key_is_configured_reads_need_one_too(
    settings: Settings, database: Database
) -> None:
    locked = settings.model_copy(update={"api_key": SecretStr("keel-admin-key")})
    with LiveServer(locked, database) as server:
        for path in ("/api/v1/runs", "/api/v1/runs/r1", "/api/v1/audit", "/api/v1/review"):
            assert httpx.get(f"{server.url}{path}").status_code == 401, path
        page = httpx.get(f"{server.url}/", headers={"accept": "text/html"})
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        admin = {"Authorization": "Bearer keel-admin-key"}
        assert httpx.get(f"{server.url}/api/v1/runs", headers=admin).status_code == 200


def test_nul_and_lone_surrogates_are_replaced_and_marked_never_a_500(
    live_server: LiveServer, database: Database
) -> None:
    raw = (
        '{"runs": [{"run_id": "bad-chars", "workflow_type": "support", "error": "a\\u0000b",'
        ' "inputs": {"text": "lone \\ud800 surrogate", "k\\u0000": 1},'
        ' "events": [{"seq": 0, "event_type": "llm", "payload": {"p": "\\udfff"}}]},'
        ' {"run_id": "good-run", "workflow_type": "support"}]}'
    )
    answer = httpx.post(
        f"{live_server.url}/api/v1/runs:batch",
        content=raw,
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    detail = httpx.get(f"{live_server.url}/api/v1/runs/bad-chars").json()
    assert detail["error"] == "a\ufffdb"
    assert detail["inputs"]["text"] == "lone \ufffd surrogate"
    assert detail["metrics"]["sanitized"]["replaced_characters"] == 4
    page = httpx.get(f"{live_server.url}/runs/bad-chars", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert httpx.get(f"{live_server.url}/api/v1/runs/good-run").status_code == 200


def test_an_otlp_export_keeps_every_good_span_and_rejects_only_the_bad_ones(
    live_server: LiveServer, database: Database
) -> None:
    body = export(
        span("00000000000000a1", **{"gen_ai.operation.name": "chat", "note": "nul \u0000 here"}),
        span("00000000000000a2", **{"gen_ai.usage.input_tokens": {"intValue": "99999999999999"}}),
        span("00000000000000a3", **{"gen_ai.usage.output_tokens": {"doubleValue": 1e300}}),
        span("00000000000000a4", **{"huge": {"intValue": "123456789012345678901234567890"}}),
        span("00000000000000a5", note="\ud800 lone"),
    )
    answer = httpx.post(
        f"{live_server.url}/v1/traces",
        content=json.dumps(body),  # \ud800 goes as an escape, as a JSON exporter would send it
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    partial = answer.json()["partialSuccess"]
    assert int(partial["rejectedSpans"]) == 3, partial
    assert "00000000000000a2" in partial["errorMessage"]
    assert "resource_spans[0].scope_spans[0].spans[3]" in partial["errorMessage"]
    with database.read() as session:
        detail = run_detail(session, TRACE)
    assert detail is not None
    kept = {event.span_id: event for event in detail.events}
    assert set(kept) == {"00000000000000a1", "00000000000000a5"}
    assert kept["00000000000000a1"].payload["attributes"]["note"] == "nul \ufffd here"
    assert kept["00000000000000a1"].payload["sanitized"]["replaced_characters"] == 1
    repaired = kept["00000000000000a5"].payload["attributes"]
    assert repaired["note"] == "\ufffd lone"
    assert repaired["keel.sanitized.replaced_characters"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (batch(run("deep", inputs={"x": json.loads("[" * 900 + "]" * 900)})), "runs[0].inputs.x"),
        (batch(run("big", metrics={"n": 2**64})), "runs[0].metrics.n"),
        (
            batch(run("tokens", events=[{"seq": 0, "event_type": "llm", "input_tokens": 10**13}])),
            "runs[0].events[0].input_tokens",
        ),
        (batch(run("old", created_at="0001-01-01T00:00:00+01:00")), "runs[0].created_at"),
        (batch(run("late", created_at="10000-01-01T00:00:00")), "runs[0].created_at"),
    ],
)
def test_out_of_range_values_are_a_422_naming_the_field(
    live_server: LiveServer, body: dict, field: str
) -> None:
    answer = httpx.post(f"{live_server.url}/api/v1/runs:batch", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"].startswith(field)


@pytest.mark.parametrize("path", ["/api/v1/runs", "/api/v1/audit", "/api/v1/review", "/"])
@pytest.mark.parametrize("query", ["since=0001-01-01T00:00:00%2B01:00", "until=10000-01-01"])
def test_dates_outside_years_1_to_9999_in_queries_are_a_422(
    live_server: LiveServer, path: str, query: str
) -> None:
    assert httpx.get(f"{live_server.url}{path}?{query}").status_code == 422


@pytest.mark.parametrize("path", ["/api/v1/runs", "/"])
def test_the_last_day_as_a_bare_until_date_is_a_422_not_an_overflow(
    live_server: LiveServer, path: str
) -> None:
    assert httpx.get(f"{live_server.url}{path}?until=9999-12-31").status_code == 422


def test_keel_serve_beyond_loopback_without_a_key_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEEL_HOME", str(tmp_path))
    monkeypatch.delenv("KEEL_API_KEY", raising=False)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "refusing to serve on 0.0.0.0 without a key" in result.output
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1")
