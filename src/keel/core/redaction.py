"""Digests and redacted previews, so secrets and card / account numbers never reach the store."""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from typing import Any

import orjson

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
_ASCII_DIGITS = b"0123456789"


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


def _enough_digits(text: str) -> bool:
    """Whether `text` may hold a card or account number (8+ digits); C-speed for ASCII."""
    if not text.isascii():  # \d also matches non-ASCII digits: let the regexes decide
        return True
    raw = text.encode()
    return len(raw) - len(raw.translate(None, _ASCII_DIGITS)) >= 8


def redact_text(text: str) -> str:
    """Return `text` with card numbers, long account-like numbers and bearer keys masked."""
    # Every pattern needs 8+ characters, and cheap substring tests rule most text out before
    # a regex scans it: ingestion redacts every string of every span, so this is hot.
    if len(text) < 8:
        return text
    if _enough_digits(text):
        text = _CARD.sub(_mask_card, text)
        text = _LONG_DIGITS.sub(lambda m: "****" + m.group(0)[-4:], text)
    if "bearer" in text.lower():
        text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    if "k-" in text:
        text = _API_KEY.sub(REDACTED, text)
    return text


@lru_cache(maxsize=8192)
def is_secret_key(key: str) -> bool:
    """Whether a field named `key` holds a secret (password, token, card number, ...)."""
    return _SECRET_KEY.search(key) is not None


#: Keys already seen not to name a secret: one set comparison then clears a whole dict.
_PLAIN_KEYS: set[Any] = set()
_PLAIN_KEYS_MAX = 65536  # keys come from clients; keep the memo bounded


def _secret_keys(node: dict[Any, Any]) -> list[Any]:
    """Return the keys of `node` that name secrets (usually none, answered from the memo)."""
    if node.keys() <= _PLAIN_KEYS:
        return []
    found = []
    for key in node:
        if is_secret_key(key if type(key) is str else str(key)):
            found.append(key)
        elif len(_PLAIN_KEYS) < _PLAIN_KEYS_MAX:
            _PLAIN_KEYS.add(key)
    return found


def redact(value: Any) -> Any:
    """Return a copy of `value` with secret-named keys and sensitive strings masked."""
    kind = type(value)  # exact-type dispatch first: this walks every node of every payload
    if kind is str:
        return value if len(value) < 8 else redact_text(value)
    if kind is dict:
        secret = _secret_keys(value)
        return {
            key: REDACTED if secret and key in secret else redact(item)
            for key, item in value.items()
        }
    if kind is list:
        return [redact(item) for item in value]
    if isinstance(value, dict):
        return redact(dict(value))
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def _mask_secret_keys(node: Any) -> None:
    """Mask, in place, the values of secret-named keys anywhere in parsed JSON."""
    if type(node) is dict:
        for key in _secret_keys(node):
            node[key] = REDACTED
        children: Any = node.values()
    elif type(node) is list:
        children = node
    else:
        return
    for item in children:
        if type(item) is dict or type(item) is list:
            _mask_secret_keys(item)


def redact_json(text: str) -> Any:
    """Return the JSON document `text` parsed, with secrets masked as `redact` would.

    Masking the text before parsing scans one string instead of every node. That is only
    equivalent without escapes (`\\nBearer` would hide the word boundary the patterns need), and
    when masking leaves invalid JSON (a long number outside quotes): otherwise parse first and
    walk. Text that is not JSON comes back as redacted text.
    """
    if "\\" not in text:
        try:
            parsed = orjson.loads(redact_text(text))
        except orjson.JSONDecodeError:
            pass
        else:
            _mask_secret_keys(parsed)
            return parsed
    try:
        # The standard library here: orjson reads integers past 64 bits as floats.
        return redact(json.loads(text))
    except json.JSONDecodeError:
        return redact_text(text)


def args_preview(args: Any, max_chars: int = 512) -> str:
    """Return a redacted, length-capped JSON preview of `args`."""
    text = canonical_json(redact(args))
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"
