"""User text becomes a safe FTS5 expression, and a query a tool will take."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from keel.reference.world.search_query import TOOL_QUERY_MAX_CHARS, bounded_query


@given(st.text(max_size=5000))
def test_a_bounded_query_fits_the_tool_and_is_a_prefix_of_the_words(text: str) -> None:
    query = bounded_query(text)
    assert len(query) <= TOOL_QUERY_MAX_CHARS
    assert " ".join(text.split()).startswith(query)


def test_a_long_ticket_is_cut_at_a_word_boundary() -> None:
    query = bounded_query("withdrawal " * 200)
    assert query.endswith("withdrawal") and len(query) <= TOOL_QUERY_MAX_CHARS
