"""`keel run support|sql` as a user runs them, on both databases, against `keel mcp serve`.

The commands run in-process through Typer's runner, but the agents' tool client starts keel's
real MCP server (`python -m keel mcp serve`) as a subprocess over stdio, on the world in
KEEL_HOME; `keel runs show` then reads back what was stored.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner, Result

from keel.cli.app import app
from keel.reference.agents.sql_analysis import SqlAnswer, SqlInputs
from keel.reference.agents.sql_analysis.schema import DEFAULT_TABLES
from keel.reference.agents.support import SupportAnswer
from keel.reference.world import World
from keel.store.engine import Database
from tests.fake_openai import FakeOpenAI, completion

KEEL_SERVER = "keel-fintech"


def run_keel(home: Path, database_url: str, *args: str) -> Result:
    """Run `keel ARGS` in-process with KEEL_HOME=`home` on `database_url`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KEEL_HOME", str(home))
        patch.setenv("KEEL_DATABASE_URL", database_url)
        return CliRunner().invoke(app, list(args))


def _printed(result: Result) -> dict:
    """Return the one run `keel run ... --json` lists, with its id and status."""
    [printed] = json.loads(result.stdout)
    assert printed["status"] in ("COMPLETED", "FAILED"), printed
    return printed


def _shown(home: Path, database_url: str, run_id: str) -> dict:
    shown = run_keel(home, database_url, "runs", "show", run_id, "--json")
    assert shown.exit_code == 0, shown.output
    return json.loads(shown.stdout)


def test_a_tax_ticket_gives_schema_valid_output_and_shows_with_its_trace(
    world_home: Path, database_url: str, built_world: World
) -> None:
    ticket = next(t for t in built_world.tickets() if t.gold_category == "TAX")
    result = run_keel(
        world_home, database_url, "run", "support", "--ticket-id", ticket.ticket_id, "--json"
    )
    assert result.exit_code == 0, result.output
    printed = _printed(result)
    output = printed["output"]
    jsonschema.validate(output, SupportAnswer.model_json_schema())
    answer = SupportAnswer.model_validate(output)
    articles = {article.id for article in built_world.knowledge.all()}
    assert answer.citations and {c.id for c in answer.citations} <= articles

    run = _shown(world_home, database_url, printed["run_id"])
    assert run["status"] == "COMPLETED" and run["workflow_type"] == "support"
    assert run["output"] == output
    names = [event["name"] for event in run["events"]]
    assert names[0] == "planner" and "draft" in names and "critic" in names
    assert names[-1] == "final"
    calls = run["tool_calls"]
    assert calls and {call["server"] for call in calls} == {KEEL_SERVER}
    assert calls[0]["tool_name"] == "knowledge.search"
    assert ticket.customer_id is None or "account.lookup" in {c["tool_name"] for c in calls}
    assert all(len(call["args_digest"]) == 64 and call["error"] is None for call in calls)
    assert run["tool_count"] == len(calls)


def test_a_question_gives_structured_output_run_through_db_query_and_stored(
    world_home: Path, database_url: str
) -> None:
    question = "How many transactions are there for each kind?"
    result = run_keel(
        world_home,
        database_url,
        "run",
        "sql",
        "--question",
        question,
        "--temperature",
        "0",
        "--json",
    )
    assert result.exit_code == 0, result.output
    printed = _printed(result)
    answer = SqlAnswer.model_validate(printed["output"])
    assert answer.question == question and answer.sql.upper().startswith("SELECT")
    assert answer.row_count == len(answer.rows) > 0 and answer.summary

    run = _shown(world_home, database_url, printed["run_id"])
    assert run["status"] == "COMPLETED" and run["workflow_type"] == "sql"
    assert [e["name"] for e in run["events"]][-3:] == ["sql check", "summary", "final"]
    queries = [c for c in run["tool_calls"] if c["tool_name"] == "db.query"]
    assert queries and {c["server"] for c in queries} == {KEEL_SERVER}
    assert all(c["error"] is None for c in queries)


#: What the issue asks a script to be able to write, word for word, with `keel` on the PATH.
CHAIN = (
    "keel replay $(keel run support --text 'Where is my 1099-INT for last year?' --json"
    " | jq -r '.[0].run_id') --perturbations P2 --samples 1 --json"
)


@pytest.mark.slow
def test_run_json_feeds_keel_replay_through_jq_and_progress_stays_on_stderr(
    world_home: Path, database_url: str
) -> None:
    keel = f'keel() {{ {shlex.quote(sys.executable)} -m keel "$@"; }}'
    # Rich draws progress only on a terminal: say stderr is one, as a user's shell would be.
    env = {
        **os.environ,
        "KEEL_HOME": str(world_home),
        "KEEL_DATABASE_URL": database_url,
        "TTY_COMPATIBLE": "1",
        "TTY_INTERACTIVE": "1",
    }
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"{keel}\n{CHAIN}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    replayed = json.loads(done.stdout)  # stdout is the replay's JSON alone, no progress in it
    assert "\x1b" not in done.stdout
    assert replayed["generations"] == 3  # the run, one seed-only replay, one P2 replay
    run = _shown(world_home, database_url, replayed["run_id"])
    assert run["workflow_type"] == "support"
    assert run["stability"] == pytest.approx(replayed["stability"], abs=0.01)
    # Each command said on stderr what stage it was at.
    for stage in ("answering tickets", "planning the replays", "replaying", "scoring stability"):
        assert stage in done.stderr, stage


HOSTILE = [
    "DELETE FROM transactions",
    "SELECT 1; DROP TABLE customers",
    "ATTACH DATABASE '/tmp/x.db' AS x",
]


def test_hostile_sql_from_the_model_is_refused_with_a_reason_and_the_run_fails(
    world_home: Path, database_url: str
) -> None:
    # A model that only ever writes hostile SQL: every attempt is refused, none reaches the bank.
    with FakeOpenAI() as endpoint:
        for sql in HOSTILE:
            endpoint.reply(completion(content=json.dumps({"sql": sql, "explanation": "x"})))
        model = f"openai:gpt-4o-mini@{endpoint.base_url}"
        result = run_keel(
            world_home,
            database_url,
            "run",
            "sql",
            "--question",
            "Clean up the transactions table",
            "--model",
            model,
        )
    assert result.exit_code == 1, result.output
    assert "FAILED" in result.stdout

    runs = json.loads(run_keel(world_home, database_url, "runs", "list", "--json").stdout)["runs"]
    run = _shown(world_home, database_url, runs[0]["run_id"])
    assert run["status"] == "FAILED" and run["workflow_type"] == "sql"
    attempts = SqlInputs.model_fields["max_attempts"].default
    checks = [e for e in run["events"] if e["name"] == "sql check"]
    assert [e["payload"]["sql"] for e in checks] == HOSTILE[:attempts]
    assert all(e["status"] == "ERROR" and e["payload"]["refused"] for e in checks)
    # db.query only ever read the schema (one query per table); no hostile statement reached it.
    assert len(run["tool_calls"]) == len(DEFAULT_TABLES)


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ({"id": "T-1", "text": "Where is my 1099-INT?"}, "unknown key(s) id"),
        ({"ticket_id": "T-1", "body": "Where is my 1099-INT?"}, "unknown key(s) body"),
        ({"ticket_id": "T-1"}, "no ticket text"),
        ({"text": "Where is my 1099-INT?", "expected": "TAX"}, "expected is not a JSON object"),
    ],
)
def test_a_tickets_file_with_unknown_keys_is_refused_listing_the_expected_ones(
    tmp_path: Path, database_url: str, line: dict[str, str], named: str
) -> None:
    tickets = tmp_path / "tickets.jsonl"
    tickets.write_text(json.dumps(line) + "\n")
    result = run_keel(tmp_path, database_url, "run", "support", "--tickets", str(tickets))
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert named in message and "text (or ticket_text)" in message and "customer_id" in message


def test_a_tickets_files_expected_outcome_is_stored_with_the_run_and_judges_it(
    world_home: Path, database: Database
) -> None:
    database_url = database.url  # emptied first: the profile reads every support run stored
    tickets = world_home / "tickets.jsonl"
    expected = {"category": "TAX", "needs_human_review": False}
    tickets.write_text(
        json.dumps({"text": "Where is my 1099-INT for last year?", "expected": expected}) + "\n"
    )
    result = run_keel(world_home, database_url, "run", "support", "--tickets", str(tickets))
    assert result.exit_code == 0, result.output
    runs = json.loads(run_keel(world_home, database_url, "runs", "list", "--json").stdout)["runs"]
    run = _shown(world_home, database_url, runs[0]["run_id"])
    assert run["metrics"]["expected"] == expected
    profiled = run_keel(
        world_home, database_url, "profile", "--workflow", "support", "--sample", "0", "--json"
    )
    assert profiled.exit_code == 0, profiled.output
    accuracy = json.loads(profiled.stdout)["profiles"][0]["metrics"][0]
    assert accuracy["key"] == "accuracy" and accuracy["runs"] == 1
