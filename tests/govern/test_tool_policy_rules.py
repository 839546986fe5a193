"""Policy rules as pure functions: each rule fires with its evidence, and only when broken."""

from __future__ import annotations

from keel.core.redaction import args_digest, args_preview
from keel.govern.tool_policy_file import parse_policy
from keel.govern.tool_policy_rules import CallFacts, RunFacts, evaluate, tables_of

POLICY = parse_policy(
    """
workflow_type = "sql_analysis"
version = "7"
allowed_tools = ["db.query", "knowledge.*"]

[tools."db.query"]
max_calls = 2
allowed_tables = ["accounts", "transactions"]
forbid_patterns = ['(?i)("sql":"|;)\\s*(delete|drop)\\b']

[limits]
max_loop_depth = 3
max_latency_ms = 1000
max_cost_usd = 0.1
""",
    "test",
)


def call(seq: int, tool: str, args: object) -> CallFacts:
    return CallFacts(seq, tool, args_digest(args), args_preview(args))


def run(*calls: CallFacts, **fields: object) -> RunFacts:
    base = {"loop_depth": 1, "latency_ms": 500.0, "cost_usd": 0.01}
    base.update(fields)
    return RunFacts("r1", "sql_analysis", calls=list(calls), **base)  # type: ignore[arg-type]


def test_a_compliant_run_has_no_violations() -> None:
    clean = run(
        call(0, "knowledge.search", {"query": "fees"}),
        call(1, "db.query", {"sql": "SELECT a.id FROM accounts a JOIN transactions t ON 1=1"}),
    )
    assert evaluate(POLICY, clean) == []


def test_a_forbidden_tool_is_flagged_with_the_call() -> None:
    shell = call(3, "shell.exec", {"cmd": "ls"})
    [violation] = evaluate(POLICY, run(shell))
    assert violation.rule_id == "tool.not_allowed" and violation.severity == "high"
    assert violation.evidence["call_seq"] == 3
    assert violation.evidence["tool"] == "shell.exec"
    assert violation.evidence["args_digest"] == shell.args_digest
    assert violation.evidence["policy"] == "sql_analysis@7"


def test_a_table_outside_the_allow_list_is_flagged() -> None:
    sql = call(0, "db.query", {"sql": "WITH x AS (SELECT * FROM customers) SELECT * FROM x"})
    [violation] = evaluate(POLICY, run(sql))
    assert violation.rule_id == "tool.table_not_allowed"
    assert violation.evidence["tables"] == ["customers"]


def test_a_forbidden_argument_pattern_is_flagged_with_the_match() -> None:
    sql = call(0, "db.query", {"sql": "SELECT 1 FROM accounts; DELETE FROM accounts"})
    [violation] = evaluate(POLICY, run(sql))
    assert violation.rule_id == "tool.forbidden_args"
    assert "DELETE" in violation.evidence["matched"]


def test_a_truncated_preview_is_flagged_as_unverifiable_not_passed() -> None:
    long_sql = "SELECT * FROM accounts WHERE id IN (" + ",".join(["1"] * 400) + ")"
    [violation] = evaluate(POLICY, run(call(0, "db.query", {"sql": long_sql})))
    assert violation.rule_id == "tool.args_unverifiable"


def test_too_many_calls_names_the_first_call_over_the_limit() -> None:
    calls = [call(i, "db.query", {"sql": "SELECT 1 FROM accounts"}) for i in range(4)]
    [violation] = evaluate(POLICY, run(*calls))
    assert violation.rule_id == "tool.max_calls"
    assert violation.evidence["call_seq"] == 2
    assert (violation.evidence["limit"], violation.evidence["observed"]) == (2, 4)


def test_run_limits_fire_only_past_the_limit() -> None:
    at_limit = run(loop_depth=3, latency_ms=1000.0, cost_usd=0.1)
    assert evaluate(POLICY, at_limit) == []
    over = run(loop_depth=4, latency_ms=1000.5, cost_usd=0.2)
    rules = {v.rule_id: v.evidence for v in evaluate(POLICY, over)}
    assert rules == {
        "run.max_loop_depth": {"limit": 3, "observed": 4, "policy": "sql_analysis@7"},
        "run.max_latency": {"limit": 1000.0, "observed": 1000.5, "policy": "sql_analysis@7"},
        "run.max_cost": {"limit": 0.1, "observed": 0.2, "policy": "sql_analysis@7"},
    }


def test_tables_of_ignores_cte_names() -> None:
    assert tables_of("WITH x AS (SELECT * FROM a) SELECT * FROM x JOIN b ON 1=1") == {"a", "b"}


def test_openai_and_mcp_spellings_match_dotted_policy_names() -> None:
    spelled = run(
        call(0, "knowledge_search", {"query": "fees"}),
        call(1, "keel-fintech__db_query", {"sql": "SELECT id FROM accounts"}),
        call(2, "mcp__keel-fintech__db_query", {"sql": "SELECT id FROM accounts"}),
        call(3, "db.query", {"sql": "SELECT id FROM accounts"}),
    )
    [violation] = evaluate(POLICY, spelled)
    # three spellings of db.query count towards its one limit of two calls
    assert violation.rule_id == "tool.max_calls" and violation.evidence["observed"] == 3
