"""Check one run against a tool-usage policy: pure functions from plain facts to violations.

Rule ids: tool.not_allowed, tool.forbidden_args, tool.table_not_allowed, tool.args_unverifiable,
tool.max_calls, run.max_tool_calls, run.max_loop_depth, run.max_latency, run.max_cost. Each
violation carries the evidence a reviewer needs: which call (seq), which tool, which argument
digest, and the limit against what was observed.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from keel.core.tool_names import canonical_tool_name
from keel.govern.tool_policy_file import ToolPolicy, ToolRule

FLAG_CATEGORY = "tool_usage"
_PREVIEW_CHARS = 240


@dataclass(frozen=True)
class CallFacts:
    """What a policy can see of one tool call (arguments only as digest and redacted preview)."""

    seq: int
    tool_name: str
    args_digest: str
    args_preview: str


@dataclass(frozen=True)
class RunFacts:
    """What a policy can see of one run."""

    run_id: str
    workflow_type: str
    loop_depth: int
    latency_ms: float | None
    cost_usd: float
    calls: list[CallFacts] = field(default_factory=list)


@dataclass(frozen=True)
class Violation:
    """One broken rule, as stored in policy_flags."""

    rule_id: str
    severity: str
    message: str
    evidence: dict[str, Any]


def _call_evidence(call: CallFacts, **extra: Any) -> dict[str, Any]:
    preview = call.args_preview
    if len(preview) > _PREVIEW_CHARS:
        preview = preview[: _PREVIEW_CHARS - 1] + "…"
    return {
        "call_seq": call.seq,
        "tool": call.tool_name,
        "args_digest": call.args_digest,
        "args_preview": preview,
        **extra,
    }


def evaluate(policy: ToolPolicy, run: RunFacts) -> list[Violation]:
    """Return every violation of `policy` by `run`, calls in seq order, then run limits."""
    found: list[Violation] = []
    calls = sorted(run.calls, key=lambda call: call.seq)
    for call in calls:
        found += _call_violations(policy, call)
    found += _count_violations(policy, calls)
    found += _run_violations(policy, run, len(calls))
    return [
        Violation(v.rule_id, v.severity, v.message, {**v.evidence, "policy": _policy_ref(policy)})
        for v in found
    ]


def _policy_ref(policy: ToolPolicy) -> str:
    return f"{policy.workflow_type}@{policy.version}"


def _call_violations(policy: ToolPolicy, call: CallFacts) -> list[Violation]:
    severity = policy.severity
    if not policy.tool_allowed(call.tool_name):
        message = f"call {call.seq} used {call.tool_name}, which the policy does not allow"
        return [Violation("tool.not_allowed", severity.not_allowed, message, _call_evidence(call))]
    found = []
    for rule in policy.rules_for(call.tool_name):
        for pattern in rule.forbid_patterns:
            match = re.search(pattern, call.args_preview)
            if match:
                message = f"call {call.seq} to {call.tool_name} has forbidden arguments"
                evidence = _call_evidence(call, pattern=pattern, matched=match.group(0)[:120])
                found.append(
                    Violation("tool.forbidden_args", severity.forbidden_args, message, evidence)
                )
        if rule.allowed_tables is not None:
            found += _table_violations(policy, rule, call)
    return found


def _table_violations(policy: ToolPolicy, rule: ToolRule, call: CallFacts) -> list[Violation]:
    assert rule.allowed_tables is not None
    try:
        tables = tables_of(sql_argument(call.args_preview, rule.sql_arg))
    except ValueError as exc:
        message = f"call {call.seq} to {call.tool_name}: tables cannot be checked ({exc})"
        evidence = _call_evidence(call, reason=str(exc))
        return [
            Violation(
                "tool.args_unverifiable", policy.severity.args_unverifiable, message, evidence
            )
        ]
    allowed = {table.lower() for table in rule.allowed_tables}
    outside = sorted(table for table in tables if table.lower() not in allowed)
    if not outside:
        return []
    message = f"call {call.seq} to {call.tool_name} touches {', '.join(outside)} (not allowed)"
    evidence = _call_evidence(call, tables=outside, allowed_tables=sorted(allowed))
    return [
        Violation("tool.table_not_allowed", policy.severity.table_not_allowed, message, evidence)
    ]


def sql_argument(args_preview: str, name: str) -> str:
    """Return the SQL text in argument `name` of a call's JSON preview; ValueError if absent."""
    if args_preview.endswith("…"):
        raise ValueError("the stored argument preview is truncated")
    try:
        args = json.loads(args_preview)
    except json.JSONDecodeError:
        raise ValueError("the stored argument preview is not JSON") from None
    sql = args.get(name) if isinstance(args, dict) else None
    if not isinstance(sql, str):
        raise ValueError(f"no string argument {name!r}")
    return sql


def tables_of(sql: str) -> set[str]:
    """Return the names of the tables `sql` reads or writes (CTE names excluded)."""
    try:
        statements = [s for s in sqlglot.parse(sql) if s is not None]
    except ParseError as exc:
        raise ValueError(f"SQL does not parse: {str(exc).splitlines()[0]}") from None
    tables: set[str] = set()
    for statement in statements:
        ctes = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}
        tables |= {t.name for t in statement.find_all(exp.Table) if t.name and t.name not in ctes}
    return tables


def _count_violations(policy: ToolPolicy, calls: list[CallFacts]) -> list[Violation]:
    by_tool: dict[str, list[CallFacts]] = defaultdict(list)
    for call in calls:
        by_tool[canonical_tool_name(call.tool_name)].append(call)
    found = []
    for tool_name, tool_calls in by_tool.items():
        rules = policy.rules_for(tool_name)
        limits = [rule.max_calls for rule in rules if rule.max_calls is not None]
        if not limits or len(tool_calls) <= min(limits):
            continue
        limit = min(limits)
        first_over = tool_calls[limit]
        message = f"{tool_name} was called {len(tool_calls)} times (at most {limit} allowed)"
        evidence = _call_evidence(
            first_over,
            limit=limit,
            observed=len(tool_calls),
            call_seqs=[call.seq for call in tool_calls],
        )
        found.append(Violation("tool.max_calls", policy.severity.max_calls, message, evidence))
    return found


def _run_violations(policy: ToolPolicy, run: RunFacts, n_calls: int) -> list[Violation]:
    limits, severity = policy.limits, policy.severity
    checks: list[tuple[str, str, float | None, float | None, str]] = [
        (
            "run.max_tool_calls",
            severity.max_tool_calls,
            limits.max_tool_calls,
            n_calls,
            "tool calls",
        ),
        (
            "run.max_loop_depth",
            severity.max_loop_depth,
            limits.max_loop_depth,
            run.loop_depth,
            "loop depth",
        ),
        (
            "run.max_latency",
            severity.max_latency,
            limits.max_latency_ms,
            run.latency_ms,
            "latency (ms)",
        ),
        ("run.max_cost", severity.max_cost, limits.max_cost_usd, run.cost_usd, "cost (USD)"),
    ]
    found = []
    for rule_id, rule_severity, limit, observed, what in checks:
        if limit is None or observed is None or observed <= limit:
            continue
        message = f"{what} {observed:g} exceeds the policy's {limit:g}"
        evidence = {"limit": limit, "observed": observed}
        found.append(Violation(rule_id, rule_severity, message, evidence))
    return found


def as_flags(policy: ToolPolicy, violations: list[Violation]) -> list[dict[str, Any]]:
    """Return `violations` as policy_flags rows (see keel.store.flags.replace_flags)."""
    return [
        {
            "rule_id": violation.rule_id,
            "rule_version": policy.version,
            "category": FLAG_CATEGORY,
            "severity": violation.severity,
            "message": violation.message,
            "evidence": violation.evidence,
        }
        for violation in violations
    ]
