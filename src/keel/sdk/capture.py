"""Snapshots of what the host hands the SDK: tool arguments, results and errors, redacted."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keel.core.redaction import args_digest, args_preview, canonical_json, redact

if TYPE_CHECKING:
    from keel.core.pricing import PriceTable

RESULT_PREVIEW_CHARS = 512
# Run ids need uniqueness, not secrecy: a private generator seeded once from the OS (os.urandom
# per run costs ~1 ms on some sandboxed kernels) that a host's `random.seed(42)` cannot touch.
_run_ids = random.Random()
os.register_at_fork(after_in_child=_run_ids.seed)


def new_run_id() -> str:
    """Return a fresh 32-hex-digit run id."""
    return f"{_run_ids.getrandbits(128):032x}"


def utcnow() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return datetime.now(UTC)


def capture_args(args: Any) -> tuple[str, str]:
    """Return the SHA-256 digest of `args` and its redacted preview, taken now."""
    return args_digest(args), args_preview(args)


def summarise_result(result: Any) -> dict[str, Any]:
    """Return a tool result's metadata: its type, JSON size and a redacted, capped preview."""
    text = canonical_json(redact(result))
    preview = text if len(text) <= RESULT_PREVIEW_CHARS else text[: RESULT_PREVIEW_CHARS - 1] + "…"
    return {"type": type(result).__name__, "size_chars": len(text), "preview": preview}


def describe_error(error: BaseException | str) -> str:
    """Return an error as `Type: message` (strings are kept as given)."""
    if isinstance(error, str):
        return error
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def as_dict(value: Any, key: str) -> dict[str, Any]:
    """Return `value` if it is a dict, else `{key: value}` (runs keep inputs/outputs as objects)."""
    if isinstance(value, dict):
        return dict(value)
    return {key: value}


def price_table() -> PriceTable:
    """Return keel's price table, with the entries of KEEL_PRICES_FILE when it is set."""
    from keel.core.pricing import load_prices  # read on first priced call, not at `import keel`

    override = os.environ.get("KEEL_PRICES_FILE")  # same variable as Settings.prices_file
    return load_prices(Path(override) if override else None)


def priced_cost(model: str | None, input_tokens: int, output_tokens: int) -> float | None:
    """Return the cost of an LLM call from keel's price table, or None for an unknown model."""
    return price_table().cost_usd(model, input_tokens, output_tokens)
