"""Digests and redacted previews, so secrets and card / account numbers never reach the store."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

_SECRET_KEY = re.compile(
    # "token", but not token counts and limits (max_tokens, input_tokens, token_count).
    r"pass(word|wd)?|secret|token(?!s|[_.-]?(count|usage|type|limit)|izer)|api[_-]?key|"
    r"authori[sz]ation|\bpin\b|^pin$|cvv|cvc|ssn|"
    r"card[_-]?number|account[_-]?number|iban|private[_-]?key",
    re.IGNORECASE,
)
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_LONG_DIGITS = re.compile(r"(?<!\d)\d{8,}(?!\d)")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
_API_KEY = re.compile(r"\b(sk|pk|rk)-[A-Za-z0-9_-]{12,}\b")
REDACTED = "[REDACTED]"


def canonical_json(value: Any) -> str:
    """Return `value` as canonical JSON: sorted keys, no whitespace, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def args_digest(args: Any) -> str:
    """Return the SHA-256 hex digest of the canonical JSON of `args`."""
    return hashlib.sha256(canonical_json(args).encode()).hexdigest()


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if len(digits) < 13 or not _luhn_ok(digits):
        return match.group(0)
    return f"[CARD ****{digits[-4:]}]"


def redact_text(text: str) -> str:
    """Return `text` with card numbers, long account-like numbers and bearer keys masked."""
    text = _CARD.sub(_mask_card, text)
    text = _LONG_DIGITS.sub(lambda m: "****" + m.group(0)[-4:], text)
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    return _API_KEY.sub(REDACTED, text)


def redact(value: Any) -> Any:
    """Return a copy of `value` with secret-named keys and sensitive strings masked."""
    if isinstance(value, dict):
        return {
            key: REDACTED if _SECRET_KEY.search(str(key)) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def args_preview(args: Any, max_chars: int = 512) -> str:
    """Return a redacted, length-capped JSON preview of `args`."""
    text = canonical_json(redact(args))
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"
