"""Show an amount of money as a person reads it: cents above a cent, significant digits below.

LLM calls cost fractions of a cent, so four fixed decimals print `$0.0000` for a real cost;
three significant digits keep $0.000123 readable and a true zero is `$0`.
"""

from __future__ import annotations

MISSING = "—"


def format_usd(value: float | None) -> str:
    """Return `value` in dollars: `$12.50`, `$0.00412`, `$0` (a dash when unknown)."""
    if value is None:
        return MISSING
    if value == 0:
        return "$0"
    if abs(value) >= 0.01:
        return f"${value:,.2f}"
    return f"${value:.3g}" if abs(value) >= 1e-4 else f"${value:.2e}"
