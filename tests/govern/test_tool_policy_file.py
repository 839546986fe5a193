"""Policy files: valid ones parse; bad ones are refused naming file, line and field."""

from __future__ import annotations

import pytest

from keel.core.errors import InvalidInput
from keel.core.severity import Severity
from keel.govern.tool_policies import builtin_policies
from keel.govern.tool_policy_file import key_line, parse_policy

GOOD = """\
workflow_type = "sql_analysis"
version = "2"
allowed_tools = ["db.query", "knowledge.*"]

[tools."db.query"]
max_calls = 3
allowed_tables = ["accounts"]

[limits]
max_loop_depth = 2

[severity]
max_loop_depth = "high"
"""


def test_a_valid_policy_parses_with_defaults() -> None:
    policy = parse_policy(GOOD, "sql.toml")
    assert policy.tools["db.query"].max_calls == 3
    assert policy.severity.max_loop_depth is Severity.HIGH
    assert policy.severity.not_allowed is Severity.HIGH
    assert policy.tool_allowed("knowledge.search") and not policy.tool_allowed("shell.exec")


@pytest.mark.parametrize(
    ("bad", "line", "field"),
    [
        (GOOD.replace("max_calls = 3", "max_calls = -1"), 6, "tools.db.query.max_calls"),
        (GOOD.replace("max_loop_depth = 2", "max_loop_dept = 2"), 10, "limits.max_loop_dept"),
        (
            GOOD.replace('max_loop_depth = "high"', 'max_loop_depth = "severe"'),
            13,
            "severity.max_loop_depth",
        ),
        (GOOD.replace('version = "2"', 'version = "two words"'), 2, "version"),
        (GOOD.replace('[tools."db.query"]', '[tools."shell.exec"]'), 5, "tools.shell.exec"),
        (
            GOOD.replace('allowed_tables = ["accounts"]', "forbid_patterns = ['(unclosed']"),
            7,
            "tools.db.query.forbid_patterns",
        ),
        (GOOD.replace('workflow_type = "sql_analysis"\n', ""), 1, "workflow_type"),
    ],
)
def test_a_bad_policy_is_refused_with_file_line_and_field(bad: str, line: int, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_policy(bad, "policies/sql.toml")
    assert caught.value.field == field
    assert caught.value.message.startswith(f"policies/sql.toml:{line}: {field}:")


def test_broken_toml_is_refused_with_its_line() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_policy(GOOD.replace("max_calls = 3", "max_calls = = 3"), "p.toml")
    assert caught.value.message.startswith("p.toml:6: not valid TOML")


def test_key_line_follows_tables_and_quoted_dotted_keys() -> None:
    text = 'a = 1\n[tools."x.y"]\nmax_calls = 2\n[limits]\nmax_cost_usd = 1\n'
    assert key_line(text, ("tools", "x.y", "max_calls")) == 3
    assert key_line(text, ("limits", "max_cost_usd")) == 5
    assert key_line(text, ("nowhere",)) == 1


def test_the_built_in_policies_are_valid() -> None:
    assert {"support", "sql"} <= set(builtin_policies())
