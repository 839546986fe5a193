"""`db.query` refuses hostile SQL with a reason, at the guard and again inside SQLite."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keel.core.errors import InvalidInput, KeelError, TimedOut
from keel.reference.fintech_mcp.readonly_db import run_query
from keel.reference.fintech_mcp.sql_guard import check_select, nesting_depth
from keel.reference.fintech_mcp.tools import QUERY_TABLES, ToolLimits, query_bank

LIMITS = ToolLimits(query_row_limit=50, query_timeout_s=0.3)
ONLY_SELECT = "only SELECT statements are allowed"
CLAUSE = "; only reading is allowed"
STATEMENTS = "statements"

# (hostile SQL, a fragment of the reason it must be refused with)
HOSTILE = [
    # writes
    ("INSERT INTO customers (customer_id) VALUES ('CUS-9999')", ONLY_SELECT),
    ("UPDATE accounts SET balance_usd = 1e9", ONLY_SELECT),
    ("DELETE FROM transactions", ONLY_SELECT),
    ("REPLACE INTO customers (customer_id) VALUES ('CUS-0001')", ONLY_SELECT),
    ("INSERT OR REPLACE INTO customers (customer_id) VALUES ('CUS-0001')", ONLY_SELECT),
    # writes via RETURNING
    ("INSERT INTO customers SELECT * FROM customers RETURNING *", ONLY_SELECT),
    ("DELETE FROM customers RETURNING customer_id", ONLY_SELECT),
    ("UPDATE customers SET full_name = 'x' RETURNING *", ONLY_SELECT),
    # DDL
    ("DROP TABLE customers", ONLY_SELECT),
    ("CREATE TABLE stolen (a TEXT)", ONLY_SELECT),
    ("CREATE TEMP TABLE stolen AS SELECT * FROM customers", ONLY_SELECT),
    ("ALTER TABLE customers ADD COLUMN pwned TEXT", ONLY_SELECT),
    ("CREATE INDEX ix_pwn ON customers (full_name)", ONLY_SELECT),
    ("CREATE VIEW v AS SELECT * FROM customers", ONLY_SELECT),
    ("CREATE TRIGGER t AFTER INSERT ON customers BEGIN DELETE FROM accounts; END", STATEMENTS),
    ("DROP VIEW IF EXISTS v", ONLY_SELECT),
    # the engine, the connection, transactions
    ("ATTACH DATABASE '/tmp/evil.db' AS evil", ONLY_SELECT),
    ("DETACH DATABASE main", ONLY_SELECT),
    ("PRAGMA writable_schema = ON", ONLY_SELECT),
    ("PRAGMA table_info(customers)", ONLY_SELECT),
    ("VACUUM", ONLY_SELECT),
    ("VACUUM INTO '/tmp/copy.db'", ONLY_SELECT),
    ("ANALYZE", ONLY_SELECT),
    ("REINDEX", "not REINDEX"),
    ("BEGIN IMMEDIATE", ONLY_SELECT),
    ("SAVEPOINT s1", "not SAVEPOINT"),
    ("COMMIT", ONLY_SELECT),
    # several statements, also hidden behind comments
    ("SELECT 1; DELETE FROM customers", STATEMENTS),
    ("SELECT * FROM customers; SELECT * FROM accounts", STATEMENTS),
    ("SELECT 1 -- just a comment\n; DROP TABLE customers", STATEMENTS),
    ("SELECT 1 /* hidden */; /* */ DROP TABLE customers", "2 statements (SELECT, DROP)"),
    ("SELECT 1;\nATTACH 'x.db' AS x", STATEMENTS),
    # CTEs that change data
    ("WITH gone AS (DELETE FROM customers RETURNING *) SELECT * FROM gone", "contains DELETE"),
    (
        "WITH x AS (INSERT INTO customers (customer_id) VALUES ('X') RETURNING *) SELECT * FROM x",
        CLAUSE,
    ),
    ("WITH u AS (UPDATE accounts SET balance_usd = 0 RETURNING *) SELECT count(*) FROM u", CLAUSE),
    # dangerous functions
    ("SELECT load_extension('/tmp/evil.so')", "function load_extension() is not allowed"),
    ("SELECT readfile('/etc/passwd')", "function readfile() is not allowed"),
    ("SELECT writefile('/tmp/x', 'y')", "function writefile() is not allowed"),
    ("SELECT fts3_tokenizer('simple')", "function fts3_tokenizer() is not allowed"),
    ("SELECT zeroblob(1000000000)", "function zeroblob() is not allowed"),
    ("SELECT randomblob(1000000000)", "function randomblob() is not allowed"),
    ("SELECT sqlite_compileoption_get(0)", "function sqlite_compileoption_get() is not allowed"),
    ("SELECT printf('%.*c', 2000000000, 'x')", "function printf() is not allowed"),
    # tables outside the allow-list
    ("SELECT * FROM sqlite_master", "table sqlite_master is not allowed"),
    ("SELECT name FROM sqlite_schema", "table sqlite_schema is not allowed"),
    ("SELECT * FROM pragma_table_info('customers')", "table-valued function"),
    ("SELECT * FROM json_each('[1, 2]')", "table-valued function"),
    ("SELECT * FROM main.customers", "schema-qualified table"),
    ("SELECT * FROM temp.sqlite_temp_master", "schema-qualified table"),
    ("SELECT * FROM api_keys", "table api_keys is not allowed"),
    (
        "SELECT * FROM customers WHERE customer_id IN (SELECT name FROM sqlite_master)",
        "table sqlite_master is not allowed",
    ),
    (
        "SELECT full_name FROM customers UNION SELECT sql FROM sqlite_master",
        "table sqlite_master is not allowed",
    ),
    # queries that would run forever
    ("SELECT count(*) FROM transactions a, transactions b, transactions c", "ran past the 0.3 s"),
    (
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT max(n) FROM r",
        "ran past the 0.3 s",
    ),
    (
        "SELECT a.txn_id FROM transactions a CROSS JOIN transactions b CROSS JOIN accounts c "
        "ORDER BY a.description || b.description LIMIT 1",
        "ran past the 0.3 s",
    ),
    # not a query at all
    ("", "empty"),
    ("  ;  ", "no statement"),
    ("SELEC * FROM customers", "not valid SQLite SQL"),
    ("SELECT 'unterminated", "not valid SQLite SQL"),
    ("SELECT 1 " + "-" * 10_000, "longer than 10000 characters"),
    ("VALUES (1), (2)", ONLY_SELECT),
]

LEGIT = [
    "SELECT customer_id, full_name FROM customers ORDER BY customer_id LIMIT 5",
    "SELECT c.segment, count(*) AS n, round(avg(a.balance_usd), 2) AS avg_balance "
    "FROM customers c JOIN accounts a ON a.customer_id = c.customer_id "
    "GROUP BY c.segment ORDER BY n DESC",
    "WITH big AS (SELECT account_id FROM transactions WHERE amount_usd < -100) "
    "SELECT count(*) FROM big",
    "SELECT strftime('%Y-%m', posted_at) AS month, sum(amount_usd) FROM transactions "
    "GROUP BY month",
    "SELECT kind, count(*) FROM transactions GROUP BY kind HAVING count(*) > 1 "
    "UNION ALL SELECT 'total', count(*) FROM transactions",
    "SELECT txn_id FROM transactions WHERE description LIKE '%ATM%' -- only ATM ones\n",
    "SELECT txn_id, row_number() OVER (PARTITION BY account_id ORDER BY posted_at) AS n "
    "FROM transactions LIMIT 3;",
    "SELECT coalesce(category, 'none'), ifnull(counterparty_mask, '-') FROM transactions LIMIT 2",
    "SELECT 'DELETE FROM customers; DROP TABLE accounts; --' AS looks_bad_but_is_a_string",
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT i FROM n",
    "SELECT * FROM (SELECT customer_id FROM accounts GROUP BY customer_id) AS owners",
    'SELECT "customers"."full_name" FROM "customers" WHERE "customers".segment = \'premier\'',
]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_corpus_is_large_enough() -> None:
    assert len(HOSTILE) >= 40
    assert len({sql for sql, _ in HOSTILE}) == len(HOSTILE)


@pytest.mark.parametrize(("sql", "reason"), HOSTILE, ids=[str(i) for i in range(len(HOSTILE))])
def test_hostile_sql_is_refused_with_its_reason(bank_db: Path, sql: str, reason: str) -> None:
    before = _digest(bank_db)
    with pytest.raises(KeelError) as refused:
        query_bank(bank_db, sql, LIMITS)
    assert isinstance(refused.value, InvalidInput | TimedOut)
    assert refused.value.field == "sql"
    assert refused.value.message.startswith(("query refused: ", "query stopped: "))
    assert reason in refused.value.message
    assert _digest(bank_db) == before


@pytest.mark.parametrize("sql", LEGIT)
def test_legit_selects_pass_and_return_rows(bank_db: Path, sql: str) -> None:
    result = query_bank(bank_db, sql, LIMITS)
    assert result.columns and result.row_count == len(result.rows) >= 1


def test_rows_past_the_limit_are_cut_off_and_flagged(bank_db: Path) -> None:
    result = query_bank(bank_db, "SELECT txn_id FROM transactions ORDER BY txn_id", LIMITS)
    assert result.row_count == 50 and result.truncated
    assert result.rows[0] == ["TXN-000000"]


def test_the_guard_names_the_tables_a_query_reads() -> None:
    checked = check_select(
        "WITH t AS (SELECT * FROM transactions) SELECT * FROM t JOIN Accounts USING (account_id)",
        QUERY_TABLES,
    )
    assert checked.tables == ("accounts", "transactions")


SQLITE_REFUSES = [
    ("DELETE FROM customers", "not allowed"),
    ("INSERT INTO customers (customer_id) VALUES ('X')", "not allowed"),
    ("ATTACH DATABASE ':memory:' AS other", "not allowed"),
    ("PRAGMA writable_schema = ON", "not allowed"),
    ("SELECT load_extension('/tmp/evil.so')", "function load_extension() is not allowed"),
    ("SELECT * FROM sqlite_master", "reading table sqlite_master is not allowed"),
    ("SELECT 1; DELETE FROM customers", "one statement at a time"),
    ("SELECT * FROM customers INDEXED BY nonexistent", "query refused by SQLite"),
]


@pytest.mark.parametrize(("sql", "reason"), SQLITE_REFUSES)
def test_sqlite_itself_refuses_what_a_guard_bug_would_let_through(
    bank_db: Path, sql: str, reason: str
) -> None:
    before = _digest(bank_db)
    with pytest.raises(InvalidInput) as refused:
        run_query(bank_db, sql, allowed_tables=QUERY_TABLES, row_limit=5, timeout_s=1.0)
    assert reason in refused.value.message
    assert _digest(bank_db) == before


SQL_WORDS = [
    "SELECT",
    "*",
    "FROM",
    "customers",
    "accounts",
    "sqlite_master",
    "WHERE",
    "1",
    "=",
    "'x'",
    ";",
    "--",
    "/*",
    "*/",
    "DELETE",
    "INSERT",
    "INTO",
    "VALUES",
    "(",
    ")",
    "WITH",
    "AS",
    "RETURNING",
    "UNION",
    "ATTACH",
    "PRAGMA",
    "load_extension",
    ",",
    "JOIN",
    "ON",
    "\n",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(SQL_WORDS), max_size=14).map(" ".join) | st.text(max_size=120))
def test_the_guard_answers_any_text_with_a_verdict(sql: str) -> None:
    try:
        checked = check_select(sql, QUERY_TABLES)
    except InvalidInput as refused:
        assert refused.field == "sql" and refused.message.startswith("query refused: ")
    else:
        assert set(checked.tables) <= set(QUERY_TABLES)


def test_nesting_is_counted_outside_quotes_and_comments() -> None:
    assert nesting_depth("SELECT ((1)) FROM customers") == 2
    assert nesting_depth("SELECT '((((' , \"((\" FROM customers -- ((((\n") == 0
    assert nesting_depth("SELECT /* ((( */ (1) FROM customers") == 1


def test_deep_nesting_is_refused_before_sqlglot_parses_it() -> None:
    sql = "SELECT " + "(" * 2500 + "1" + ")" * 2500 + " FROM customers"
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match="nested deeper than 32"):
        check_select(sql, ["customers"])
    assert time.perf_counter() - started < 0.1
    check_select("SELECT " + "(" * 32 + "1" + ")" * 32 + " FROM customers", ["customers"])
