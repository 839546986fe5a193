"""The support agent on a chat model: the model's plan decides the tool calls.

The model is the fake OpenAI endpoint (a real HTTP server speaking the wire format, refusing
the standard schema form as llama.cpp does); the tools are a real MCP server over stdio.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from keel.core.settings import Settings
from keel.reference.agents.support import SupportAnswer, SupportInputs, run_support
from keel.store.engine import Database
from tests.fake_openai import FakeOpenAI, completion

TINY_SERVER = (sys.executable, str(Path(__file__).with_name("tiny_kb_server.py")))
TICKET = "Where do I find my Form 1099-INT for the interest I earned?"
TAX = (
    "This is general information, not tax advice. Please consult a qualified tax "
    "professional about your situation."
)


def _plan(category: str | None, *calls: tuple[str, str]) -> dict:
    body: dict = {"calls": [{"tool": tool, "argument": arg} for tool, arg in calls]}
    if category:
        body = {"category": category, **body}
    return completion(content=json.dumps(body), prompt_tokens=150, completion_tokens=30)


def _answer(cited: list[str]) -> dict:
    answer = {
        "category": "TAX",
        "answer": "Form 1099-INT is in Documents under Tax forms by January 31.",
        "next_steps": ["Open Documents."],
        "disclaimer": TAX,
        "needs_human_review": False,
        "citations": [{"source": "knowledge.search", "id": i} for i in cited],
    }
    # llama.cpp's server names the model by its file's path; keel records the model's name
    return completion(
        content=json.dumps(answer),
        prompt_tokens=300,
        completion_tokens=90,
        model="/models/tiny.Q4_1.gguf",
    )


def _run(settings: Settings, database: Database, server: FakeOpenAI, **fields: object) -> object:
    inputs = SupportInputs.model_validate(
        {
            "ticket_text": TICKET,
            "model": f"openai:tiny.Q4_1@{server.base_url}",
            "retrieval_k": 3,
            **fields,
        }
    )
    return run_support([inputs], settings, database, server_command=TINY_SERVER)[0]


def test_the_model_chooses_the_calls_and_the_schemas_bound_its_choices(
    settings: Settings, database: Database
) -> None:
    with FakeOpenAI(refuse_json_schema=True) as server:
        server.reply(_plan("TAX", ("knowledge.search", "1099-INT interest form")))
        server.reply(_plan(None, ("knowledge.get", "A-2")))  # the last round (MAX_ROUNDS = 2)
        server.reply(_answer(["A-2"]))
        server.reply(completion(content='{"verdict": "ok", "problem": ""}'))
        run = _run(settings, database, server)
        sent = [r for r in server.requests if r["response_format"]["type"] == "json_object"]
    assert run.status == "COMPLETED", run.error
    assert SupportAnswer.model_validate(run.output).citations[0].id == "A-2"
    assert [c.tool_name for c in run.tool_calls] == ["knowledge.search", "knowledge.get"]
    plan_round_1, plan_round_2, draft, review = (r["response_format"]["schema"] for r in sent)
    # the first round offers only what can be called yet; the second, the articles found
    first_choices = plan_round_1["properties"]["calls"]["items"]["anyOf"]
    assert [c["properties"]["tool"]["const"] for c in first_choices] == ["knowledge.search"]
    second = {
        c["properties"]["tool"]["const"]: c["properties"]["argument"]
        for c in plan_round_2["properties"]["calls"]["items"]["anyOf"]
    }
    assert set(second["knowledge.get"]["enum"]) == {"A-1", "A-2", "A-3"}
    assert "category" not in plan_round_2["properties"]
    assert "1099-INT interest form" in sent[1]["messages"][1]["content"]  # results so far
    cited = draft["properties"]["citations"]["items"]["properties"]["id"]["enum"]
    assert set(cited) == {"A-1", "A-2", "A-3"}
    assert TAX in draft["properties"]["disclaimer"]["enum"]
    assert review["properties"]["verdict"]["enum"] == ["ok", "revise"]
    assert all(r.get("repeat_penalty") == 1.1 and r["max_tokens"] <= 320 for r in sent)
    events = [e.name for e in run.events]
    assert events == ["planner", "planner 2", "context", "draft", "review", "critic", "final"]
    draft_event = next(e for e in run.events if e.name == "draft")
    assert draft_event.payload["generation"]["quantization"] == "Q4_1"
    assert draft_event.model == "openai:tiny.Q4_1"


def test_another_plan_is_another_tool_path(settings: Settings, database: Database) -> None:
    with FakeOpenAI() as server:
        server.reply(_plan("TAX", ("knowledge.search", "tax form"), ("knowledge.search", "1099")))
        server.reply(_plan(None))
        server.reply(_answer(["A-2"]))
        server.reply(completion(content='{"verdict": "revise", "problem": "too short"}'))
        server.reply(_answer(["A-2"]))
        server.reply(completion(content='{"verdict": "ok", "problem": ""}'))
        run = _run(settings, database, server, max_revisions=1)
    assert run.status == "COMPLETED", run.error
    assert [c.tool_name for c in run.tool_calls] == ["knowledge.search", "knowledge.search"]
    # the model's review asked for one revision, which the draft then made
    assert [e.name for e in run.events].count("review") == 2
    assert run.loop_depth == 1 and run.output["needs_human_review"] is False


def test_an_unavailable_tool_is_not_offered_to_the_model(
    settings: Settings, database: Database
) -> None:
    with FakeOpenAI() as server:
        server.reply(_plan("TAX", ("knowledge.search", "1099")))
        server.reply(_plan(None))
        server.reply(_answer(["A-2"]))
        server.reply(completion(content='{"verdict": "ok", "problem": ""}'))
        run = _run(
            settings,
            database,
            server,
            tool_constraints=[{"kind": "unavailable", "tool": "knowledge.get"}],
        )
        round_2 = server.requests[1]["response_format"]["json_schema"]["schema"]
    offered = [
        c["properties"]["tool"]["const"] for c in round_2["properties"]["calls"]["items"]["anyOf"]
    ]
    assert offered == ["knowledge.search"]
    assert run.status == "COMPLETED", run.error
