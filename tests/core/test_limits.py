"""Input limits: JSON depth and 64-bit integers checked without recursion, dates within 1-9999."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from keel.core.errors import InvalidInput
from keel.core.limits import check_json, in_utc_range, truncate


def nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def test_depth_is_refused_past_the_limit_even_far_past_the_recursion_limit() -> None:
    check_json(nested(64), 64)
    with pytest.raises(InvalidInput, match="deeper than 64"):
        check_json(nested(65), 64)
    with pytest.raises(InvalidInput):
        check_json(nested(100_000), 64)


def test_integers_beyond_64_bits_are_refused() -> None:
    check_json({"n": 2**63 - 1, "m": -(2**63)}, 8)
    with pytest.raises(InvalidInput, match="64-bit"):
        check_json({"n": [2**64]}, 8)


def test_a_moment_that_leaves_years_1_to_9999_in_utc_is_refused() -> None:
    ahead = timezone(timedelta(hours=5))
    assert in_utc_range(datetime(2024, 1, 1, 5, tzinfo=ahead), "t") == datetime(
        2024, 1, 1, tzinfo=UTC
    )
    with pytest.raises(InvalidInput, match="years 1-9999"):
        in_utc_range(datetime(1, 1, 1, tzinfo=ahead), "since")
    with pytest.raises(InvalidInput):
        in_utc_range(datetime(9999, 12, 31, 23, tzinfo=timezone(-timedelta(hours=2))), "until")


def test_truncation_keeps_the_head_and_says_how_much_was_cut() -> None:
    assert truncate("abc", 5) == "abc"
    assert truncate("abcdefgh", 3) == "abc… [truncated 5 characters]"
