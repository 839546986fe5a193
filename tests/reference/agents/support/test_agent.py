"""The support agent end to end: a real MCP server over stdio, runs stored on both databases."""

from __future__ import annotations

import sys
from pathlib import Path

from keel.core.settings import Settings
from keel.reference.agents.support import SupportAnswer, SupportInputs, run_support
from keel.reference.world.search_query import TOOL_QUERY_MAX_CHARS
from keel.store.engine import Database
from keel.store.flags import flags_of_run
from keel.store.runs import run_detail
from tests.conftest import api_client

TINY_SERVER = (sys.executable, str(Path(__file__).with_name("tiny_kb_server.py")))
TAX_TICKET = "Where do I find my Form 1099-INT for the interest I earned?"


def _run(
    settings: Settings, database: Database, command: tuple[str, ...] = TINY_SERVER, **fields: object
) -> object:
    inputs = SupportInputs.model_validate({"ticket_text": TAX_TICKET, **fields})
    return run_support([inputs], settings, database, server_command=command)[0]


def test_a_tax_ticket_is_answered_stored_and_traced(settings: Settings, database: Database) -> None:
    run = _run(settings, database)
    assert run.status == "COMPLETED", run.error
    answer = SupportAnswer.model_validate(run.output)
    assert answer.citations and {c.id for c in answer.citations} <= {"A-1", "A-2", "A-3", "A-4"}
    with database.read() as session:
        detail = run_detail(session, run.run_id)
        assert detail is not None
        names = [e.name for e in detail.events]
        tools = [c.tool_name for c in detail.tool_calls]
        assert names[0] == "planner" and "draft" in names and names[-1] == "final"
        assert tools[0] == "knowledge.search" and "knowledge.get" in tools
        assert detail.run.inputs["ticket_text"] == TAX_TICKET
        assert detail.run.inputs["seed"] == 0 and detail.run.model == "offline:grounded-sampler"
        assert detail.run.total_tokens > 0 and detail.run.cost_usd == 0.0
        flags = flags_of_run(session, run.run_id)
        assert [f.rule_id for f in flags if f.source == "tool_policy"] == []
        # each model step keeps what it was sent and what it answered, in the GenAI parts shape
        draft = next(e for e in detail.events if e.name == "draft")
        sent = draft.payload["input_messages"]
        assert [m["role"] for m in sent][:2] == ["system", "user"]
        assert any(TAX_TICKET[:40] in p.get("content", "") for m in sent for p in m["parts"])
        (answered,) = draft.payload["output_messages"]
        assert answered["role"] == "assistant" and answered["parts"][0]["type"] == "text"
    with api_client(settings, database) as api:
        page = api.get(f"/runs/{run.run_id}", headers={"accept": "text/html"}).text
    assert 'id="run-timeline"' in page and page.count('class="timeline-bar') == len(names) + len(
        tools
    )
    assert 'href="#call-0"' in page and "Messages · " in page and "message-system" in page


def test_same_inputs_replay_to_the_same_output(settings: Settings, database: Database) -> None:
    first, again = _run(settings, database, seed=4), _run(settings, database, seed=4)
    assert first.output == again.output and first.run_id != again.run_id


def test_an_unavailable_tool_is_never_called(settings: Settings, database: Database) -> None:
    run = _run(
        settings, database, tool_constraints=[{"kind": "unavailable", "tool": "knowledge.get"}]
    )
    assert {c.tool_name for c in run.tool_calls} == {"knowledge.search"}


def test_a_tool_timeout_is_recorded_and_the_run_finishes(
    settings: Settings, database: Database
) -> None:
    run = _run(
        settings, database, tool_constraints=[{"kind": "timeout", "tool": "knowledge.search"}]
    )
    assert run.tool_calls[0].error
    assert run.status in ("COMPLETED", "FAILED")


def test_injected_latency_spends_the_calls_deadline(settings: Settings, database: Database) -> None:
    run = _run(
        settings,
        database,
        tool_timeout_s=0.3,
        tool_constraints=[{"kind": "latency", "tool": "knowledge.search", "latency_ms": 500}],
    )
    assert run.tool_calls[0].tool_name == "knowledge.search" and run.tool_calls[0].error
    assert all(c.error is None for c in run.tool_calls[1:])


def test_a_timeout_constraint_times_out_every_call_of_its_tool(
    settings: Settings, database: Database
) -> None:
    for seed in range(3):
        run = _run(
            settings,
            database,
            seed=seed,
            tool_constraints=[{"kind": "timeout", "tool": "knowledge.get"}],
        )
        reads = [c for c in run.tool_calls if c.tool_name == "knowledge.get"]
        assert reads and all(c.error for c in reads), [c.error for c in reads]


def test_a_server_that_crashes_mid_call_is_recorded_in_the_trace(
    settings: Settings, database: Database
) -> None:
    run = _run(settings, database, command=(*TINY_SERVER, "--crash-on-get"))
    crashed = [c for c in run.tool_calls if c.tool_name == "knowledge.get"]
    assert crashed and all(c.error for c in crashed)
    assert run.status in ("COMPLETED", "FAILED")
    with database.read() as session:
        assert run_detail(session, run.run_id) is not None


def test_a_server_that_cannot_start_fails_the_run(settings: Settings, database: Database) -> None:
    run = _run(settings, database, command=(sys.executable, "-c", "raise SystemExit(1)"))
    assert run.status == "FAILED" and "tool server" in (run.error or "")


def test_truncated_reads_leave_the_agent_only_the_cut_text(
    settings: Settings, database: Database
) -> None:
    full = _run(settings, database)
    cut = _run(
        settings,
        database,
        tool_constraints=[{"kind": "truncate", "tool": "knowledge.get", "max_chars": 30}],
    )
    assert cut.status == "COMPLETED", cut.error
    assert full.output is not None and cut.output is not None
    assert cut.output["answer"] != full.output["answer"]
    assert cut.output["answer"].endswith("[truncated]") and len(cut.output["answer"]) < 50


def test_a_ticket_longer_than_the_search_limit_is_answered_with_a_bounded_query(
    settings: Settings, database: Database
) -> None:
    long_ticket = TAX_TICKET + " " + " ".join(["I have asked about this before."] * 100)
    assert len(long_ticket) > 3 * TOOL_QUERY_MAX_CHARS
    inputs = SupportInputs.model_validate({"ticket_text": long_ticket})
    (run,) = run_support([inputs], settings, database)  # keel's own fintech server
    assert run.status == "COMPLETED", run.error
    with database.read() as session:
        detail = run_detail(session, run.run_id)
    assert detail is not None and detail.run.error_count == 0
    searches = [c for c in detail.tool_calls if c.tool_name == "knowledge.search"]
    assert searches and all(c.error is None for c in searches)
    assert SupportAnswer.model_validate(run.output).answer
