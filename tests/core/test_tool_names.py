"""Tool names as OpenAI, MCP clients and keel spell them compare as one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keel.core.tool_names import canonical_tool_name, tool_name_matches


@pytest.mark.parametrize(
    "spelling",
    [
        "knowledge.search",
        "knowledge_search",
        "Knowledge-Search",
        "keel-fintech__knowledge_search",
        "mcp__keel-fintech__knowledge_search",
    ],
)
def test_every_spelling_of_a_tool_has_one_canonical_name(spelling: str) -> None:
    assert canonical_tool_name(spelling) == "knowledge.search"


def test_globs_match_canonically_and_other_tools_do_not() -> None:
    assert tool_name_matches("knowledge_get", "knowledge.*")
    assert not tool_name_matches("transactions_list", "knowledge.*")
    assert not tool_name_matches("knowledge_searcher", "knowledge.search")


@given(st.text(min_size=1, max_size=40))
def test_canonical_names_are_idempotent_and_never_empty(name: str) -> None:
    once = canonical_tool_name(name)
    assert once and canonical_tool_name(once) == once
