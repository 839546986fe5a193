"""Runs from real exporters' payloads (tests/data/otlp/README.md) are complete and right: tool
calls made inside chat spans keep their arguments and results, whichever convention sent them."""

from __future__ import annotations

import json

import pytest

from keel.core.pricing import load_prices
from keel.core.redaction import args_digest
from keel.ingest.otlp import PROTOBUF, decode_request, spans_of
from keel.ingest.traces import store_export
from keel.store.engine import Database
from keel.store.flags import flags_of_run
from keel.store.runs import RunDetail, run_detail
from tests.conftest import OTLP_FIXTURES

ARGUMENTS = {"query": "early withdrawal fee 1099"}
RESULT = "POL-017: early withdrawal penalties are reported on 1099-INT box 2"
#: fixture -> the workflow its run is stored under
FIXTURES = {
    "openllmetry-openai-agent.pb": "support",
    "openinference-openai-agent.pb": "support",
    "openllmetry-0.33-openai-agent.pb": "support-agent",  # no agent span: the service's name
    "openinference-langgraph-agent.pb": "support",  # the graph's name, not its `agent` node
}


def stored_run(database: Database, fixture: str) -> RunDetail:
    body = (OTLP_FIXTURES / fixture).read_bytes()
    export = store_export(database, body, PROTOBUF, load_prices())
    assert export.rejected == [] and export.counts.runs_inserted == 1
    (run_id,) = {span.trace_id for span in spans_of(decode_request(body, PROTOBUF)).spans}
    with database.read() as session:
        detail = run_detail(session, run_id)
    assert detail is not None
    return detail


@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_exported_run_keeps_tool_arguments_and_results(database: Database, fixture: str) -> None:
    detail = stored_run(database, fixture)
    assert detail.run.workflow_type == FIXTURES[fixture]
    assert detail.run.model == "gpt-4o-mini"
    assert (detail.run.input_tokens, detail.run.output_tokens) == (114, 36)
    assert [e.event_type for e in detail.events].count("llm") == 2
    (call,) = detail.tool_calls
    assert (call.tool_name, call.call_id) == ("knowledge_search", "call_1")
    assert call.args_digest == args_digest(ARGUMENTS)
    assert json.loads(call.args_preview) == ARGUMENTS
    assert RESULT in call.result_meta["preview"]


@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_exported_messages_are_stored_in_the_genai_parts_shape(
    database: Database, fixture: str
) -> None:
    detail = stored_run(database, fixture)
    chats = [e for e in detail.events if e.event_type == "llm"]
    asked = chats[0].payload["output_messages"][0]["parts"]
    assert asked == [
        {"type": "tool_call", "id": "call_1", "name": "knowledge_search", "arguments": ARGUMENTS}
    ]
    roles = [m["role"] for m in chats[1].payload["input_messages"]]
    assert roles == ["user", "assistant", "tool"]
    answered = chats[1].payload["input_messages"][2]["parts"][0]
    assert answered == {"type": "tool_call_response", "id": "call_1", "response": RESULT}


def test_older_openllmetry_chat_spans_are_llm_calls(database: Database) -> None:
    detail = stored_run(database, "openllmetry-0.33-openai-agent.pb")
    chats = [e for e in detail.events if e.name == "openai.chat"]
    assert [e.event_type for e in chats] == ["llm", "llm"]
    assert detail.run.loop_depth == 1


def test_an_imported_support_run_is_not_flagged_for_openai_tool_spellings(
    database: Database,
) -> None:
    detail = stored_run(database, "openllmetry-openai-agent.pb")
    assert detail.tool_calls[0].tool_name == "knowledge_search"  # stored as the exporter sent it
    with database.read() as session:
        rules = {flag.rule_id for flag in flags_of_run(session, detail.run.run_id)}
    assert "tool.not_allowed" not in rules


def test_a_failed_tool_span_counts_once_in_error_count(database: Database) -> None:
    detail = stored_run(database, "openinference-openai-agent.pb")
    assert detail.run.error_count == 0
