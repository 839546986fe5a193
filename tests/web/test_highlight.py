"""Locating flag evidence in text and cutting the text around it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from keel.web.highlight import Segment, locate, segments

TEXT = "Fees are waived. You owe no tax on the fee. Ask an adviser."


def test_offsets_that_match_the_quote_win() -> None:
    start = TEXT.index("You owe")
    evidence = {"start": start, "end": start + 14, "text": "You owe no tax"}
    assert locate(TEXT, evidence) == (start, start + 14)


def test_stale_offsets_fall_back_to_the_quoted_text() -> None:
    assert locate(TEXT, {"start": 0, "end": 14, "text": "You owe no tax"}) == (17, 31)
    assert locate(TEXT, {"text": "Ask an adviser"}) == (44, 58)


def test_evidence_that_is_not_in_the_text_locates_nothing() -> None:
    assert locate(TEXT, {"text": "guaranteed returns"}) is None
    assert locate(TEXT, {"start": 50, "end": 500}) is None
    assert locate(TEXT, {"tool_call_seq": 2}) is None


def test_overlapping_flags_split_the_text_at_every_boundary() -> None:
    pieces = segments("abcdefgh", [(2, 6, 0), (4, 8, 1)])
    assert pieces == [
        Segment("ab"),
        Segment("cd", (0,)),
        Segment("ef", (0, 1)),
        Segment("gh", (1,)),
    ]


spans = st.tuples(st.integers(0, 60), st.integers(0, 60), st.integers(0, 5)).map(
    lambda t: (min(t[0], t[1]), max(t[0], t[1]), t[2])
)


@given(st.text(max_size=50), st.lists(spans, max_size=6))
def test_segments_always_join_back_into_the_text(
    text: str, marks: list[tuple[int, int, int]]
) -> None:
    pieces = segments(text, marks)
    assert "".join(piece.text for piece in pieces) == text
    assert all(piece.text for piece in pieces)
