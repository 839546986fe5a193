"""The SQL agent end to end: a real MCP server over stdio, runs stored on both databases."""

from __future__ import annotations

import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import pytest

from keel.core.settings import Settings
from keel.reference.agents.sql_analysis import SqlAnswer, SqlInputs, run_sql
from keel.store.engine import Database
from keel.store.flags import flags_of_run
from keel.store.runs import run_detail

SERVER = (sys.executable, str(Path(__file__).with_name("tiny_bank_server.py")))


@pytest.fixture
def bank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small bank: 3 customers, 4 accounts, 6 transactions."""
    path = tmp_path / "bank.db"
    with closing(sqlite3.connect(path)) as db, db:
        db.executescript("""
            CREATE TABLE customers (customer_id TEXT PRIMARY KEY, state TEXT, segment TEXT);
            CREATE TABLE accounts (account_id TEXT PRIMARY KEY, customer_id TEXT,
                                   product TEXT, balance_usd REAL);
            CREATE TABLE transactions (txn_id TEXT PRIMARY KEY, account_id TEXT,
                                       customer_id TEXT, kind TEXT, amount_usd REAL);
            INSERT INTO customers VALUES ('C1','VT','retail'),('C2','NY','retail'),
                                         ('C3','VT','business');
            INSERT INTO accounts VALUES ('A1','C1','checking',120.5),('A2','C1','savings',900.0),
                                        ('A3','C2','checking',42.0),('A4','C3','checking',5000.0);
            INSERT INTO transactions VALUES ('T1','A1','C1','fee',-12.0),
              ('T2','A1','C1','atm_withdrawal',-60.0),('T3','A3','C2','deposit',400.0),
              ('T4','A4','C3','wire_out',-2500.0),('T5','A4','C3','fee',-35.0),
              ('T6','A2','C1','deposit',100.0);
        """)
    monkeypatch.setenv("TINY_BANK_DB", str(path))
    return path


def test_a_question_becomes_guarded_sql_run_through_db_query_and_is_stored(
    settings: Settings, database: Database, bank: Path
) -> None:
    inputs = SqlInputs(question="How many transactions are there for each kind?", temperature=0)
    run = run_sql([inputs], settings, database, server_command=SERVER)[0]
    assert run.status == "COMPLETED", run.error
    answer = SqlAnswer.model_validate(run.output)
    assert answer.sql.upper().startswith("SELECT") and answer.row_count == len(answer.rows) > 0
    with database.read() as session:
        detail = run_detail(session, run.run_id)
        assert detail is not None and detail.run.workflow_type == "sql"
        names = [e.name for e in detail.events]
        assert names == ["schema", "sql", "sql check", "summary", "final"]
        calls = [c for c in detail.tool_calls if c.tool_name == "db.query"]
        assert len(calls) == 4  # one schema read per table, then the answer's query
        assert detail.run.inputs["question"] == inputs.question
        # keel's own agent keeps within its built-in tool-usage policy.
        flags = flags_of_run(session, run.run_id)
        assert [f.rule_id for f in flags if f.source == "tool_policy"] == []


def test_a_refused_query_is_recorded_and_the_run_fails_with_the_reason(
    settings: Settings, database: Database, bank: Path
) -> None:
    inputs = SqlInputs(question="How many customers?", tables=["sqlite_master"], temperature=0)
    run = run_sql([inputs], settings, database, server_command=SERVER)[0]
    assert run.status == "FAILED" and run.error
    assert run.tool_calls and all(c.error for c in run.tool_calls)


def test_a_given_schema_skips_discovery_and_same_seed_repeats(
    settings: Settings, database: Database, bank: Path
) -> None:
    schema = {
        "accounts": [{"name": "product", "type": "TEXT"}, {"name": "balance_usd", "type": "REAL"}]
    }
    inputs = SqlInputs.model_validate(
        {"question": "What is the total balance by product?", "schema": schema, "seed": 3}
    )
    first, again = run_sql([inputs, inputs], settings, database, server_command=SERVER)
    assert first.status == "COMPLETED", first.error
    assert first.output == again.output and len(first.tool_calls) == 1
    assert "accounts" in first.output["sql"]
