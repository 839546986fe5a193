"""Tool-usage policies at work on both databases: runs are checked as they arrive (native
batches and OTLP traces alike), violations become flags with evidence and raise risk, and
policy versions load (audited) or are refused."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from keel.core.errors import Conflict, InvalidInput
from keel.core.redaction import args_digest
from keel.govern import audit, tool_policies
from keel.store.engine import Database
from keel.store.flags import flags_of_run
from keel.store.models import AuditEntry, Run
from tests.conftest import ApiClient

STRICT = """
workflow_type = "support"
version = "test-1"
allowed_tools = ["knowledge.search", "account.lookup"]

[tools."knowledge.search"]
max_calls = 2

[limits]
max_loop_depth = 2
"""


def support_run(run_id: str, tools: list[str], llm_steps: int = 2) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "workflow_type": "support",
        "created_at": "2026-11-01T10:00:00Z",
        "loop_depth": llm_steps - 1,
        "events": [{"seq": i, "event_type": "llm"} for i in range(llm_steps)],
        "tool_calls": [
            {"seq": i, "tool_name": tool, "args": {"q": f"call {i}"}}
            for i, tool in enumerate(tools)
        ],
    }


def post_runs(api: httpx.Client, *runs: dict[str, Any]) -> None:
    response = api.post("/api/v1/runs:batch", json={"runs": list(runs)})
    assert response.status_code == 200, response.text


def load(database: Database, text: str = STRICT) -> None:
    with database.write() as session:
        tool_policies.load_policy(session, text, "strict.toml", "test")


def rule_ids(database: Database, run_id: str) -> list[str]:
    with database.read() as session:
        return [flag.rule_id for flag in flags_of_run(session, run_id)]


def test_a_forbidden_tool_is_flagged_with_evidence_and_raises_risk(
    api: ApiClient, database: Database
) -> None:
    load(database)
    post_runs(
        api,
        support_run("ok", ["knowledge.search"]),
        support_run("bad", ["knowledge.search", "shell.exec"]),
    )
    assert rule_ids(database, "ok") == []
    detail = api.get("/api/v1/runs/bad").json()
    [flag] = detail["policy_flags"]
    assert (flag["source"], flag["rule_id"], flag["severity"]) == (
        "tool_policy",
        "tool.not_allowed",
        "high",
    )
    assert flag["rule_version"] == "test-1"
    assert flag["evidence"]["call_seq"] == 1
    assert flag["evidence"]["tool"] == "shell.exec"
    assert flag["evidence"]["args_digest"] == args_digest({"q": "call 1"})
    assert detail["risk"] == pytest.approx(80.0)  # one high flag alone (docs/metrics.md)
    with database.read() as session:
        actions = [(e.action, e.subject) for e in session.scalars(select(AuditEntry))]
        assert audit.verify(session).ok
    assert ("run.flagged", "run:bad") in actions and ("run.flagged", "run:ok") not in actions


def test_exceeding_loop_depth_and_call_limits_is_flagged(
    api: ApiClient, database: Database
) -> None:
    load(database)
    post_runs(api, support_run("deep", ["knowledge.search"] * 3, llm_steps=5))
    assert sorted(rule_ids(database, "deep")) == ["run.max_loop_depth", "tool.max_calls"]
    with database.read() as session:
        depth = next(f for f in flags_of_run(session, "deep") if f.rule_id == "run.max_loop_depth")
    assert (depth.evidence["limit"], depth.evidence["observed"]) == (2, 4)


def test_an_ingested_otlp_trace_is_checked_like_any_run(api: ApiClient, database: Database) -> None:
    load(database)
    trace_id = "5b8efff798038103d269b633813fc60c"

    def span(span_id: str, name: str, start: int, **attributes: Any) -> dict[str, Any]:
        return {
            "traceId": trace_id,
            "spanId": span_id,
            "name": name,
            "parentSpanId": "" if span_id == "a" * 16 else "a" * 16,
            "startTimeUnixNano": str(1_790_000_000_000_000_000 + start * 1_000_000),
            "endTimeUnixNano": str(1_790_000_000_000_000_000 + (start + 5) * 1_000_000),
            "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attributes.items()],
        }

    spans = [
        span(
            "a" * 16,
            "invoke_agent support",
            0,
            **{"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "support"},
        ),
        *[
            span(f"{i:016x}", "chat", 10 * i, **{"gen_ai.operation.name": "chat"})
            for i in range(1, 5)
        ],
        span(
            "e" * 16,
            "execute_tool",
            60,
            **{
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "wire.send",
                "gen_ai.tool.call.arguments": '{"amount": 9000}',
            },
        ),
    ]
    body = {"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}
    response = api.post(
        "/v1/traces",
        content=json.dumps(body),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200, response.text
    with database.read() as session:
        run = session.get(Run, trace_id)
        assert run is not None and run.workflow_type == "support" and run.loop_depth == 3
        flags = {flag.rule_id: flag.evidence for flag in flags_of_run(session, trace_id)}
    assert set(flags) == {"tool.not_allowed", "run.max_loop_depth"}
    assert flags["tool.not_allowed"]["tool"] == "wire.send"
    assert flags["tool.not_allowed"]["args_digest"] == args_digest({"amount": 9000})


def test_the_built_in_policy_applies_until_one_is_loaded(
    api: ApiClient, database: Database
) -> None:
    post_runs(api, support_run("r1", ["db.query"]))
    assert rule_ids(database, "r1") == ["tool.not_allowed"]
    with database.read() as session:
        assert tool_policies.effective_policies(session)["support"].origin == "built-in"


def test_loading_a_policy_is_audited_idempotent_and_versioned(database: Database) -> None:
    with database.write() as session:
        assert tool_policies.load_policy(session, STRICT, "a.toml", "test")[1] is True
        assert tool_policies.load_policy(session, STRICT, "a.toml", "test")[1] is False
    changed = STRICT.replace("max_loop_depth = 2", "max_loop_depth = 3")
    with pytest.raises(Conflict) as caught, database.write() as session:
        tool_policies.load_policy(session, changed, "b.toml", "test")
    assert caught.value.field == "version"
    with database.write() as session:
        tool_policies.load_policy(session, changed.replace("test-1", "test-2"), "b.toml", "test")
    with database.read() as session:
        loaded = tool_policies.effective_policies(session)["support"]
        subjects = [e.subject for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert (loaded.policy.version, loaded.origin) == ("test-2", "b.toml")
    assert subjects == ["policy:support@test-1", "policy:support@test-2"]


def test_a_bad_policy_file_loads_nothing(database: Database) -> None:
    with pytest.raises(InvalidInput) as caught, database.write() as session:
        tool_policies.load_policy(session, STRICT.replace("= 2\n", "= -2\n", 1), "bad.toml", "test")
    assert caught.value.message.startswith("bad.toml:7: tools.knowledge.search.max_calls")
    with database.read() as session:
        assert "support" not in {
            name
            for name, lp in tool_policies.effective_policies(session).items()
            if lp.origin != "built-in"
        }
