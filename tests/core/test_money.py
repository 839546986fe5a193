"""Money as people read it: no `$0.0000` for a real fraction of a cent."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from keel.core.money import format_usd


def test_costs_keep_significant_digits_below_a_cent() -> None:
    assert format_usd(0.000123456) == "$0.000123"
    assert format_usd(0.00412) == "$0.00412"
    assert format_usd(3.2e-7) == "$3.20e-07"
    assert format_usd(12.5) == "$12.50" and format_usd(1234.5) == "$1,234.50"
    assert format_usd(0.0) == "$0" and format_usd(None) == "—"


@given(st.floats(min_value=1e-9, max_value=0.0099))
def test_no_real_cost_below_a_cent_prints_as_zero(value: float) -> None:
    shown = format_usd(value)
    assert shown != "$0" and any(digit in shown for digit in "123456789")
