"""The one redactor: digests, and masks for every secret a stored string or JSON value holds.

`Redactor.value` walks a JSON value: a key that names a secret (`password`, `api_key`,
`authorization`, ...) has its whole value masked, every string passes the text detectors of
`keel.core.detectors`, and an integer that is a card number becomes its mask. Masking works on
parsed values, so a JSON document stays valid JSON (a string stays a string; a masked number or
secret-keyed value becomes a mask string). Timestamps, token counts and other plain numbers are
never touched.

The process's redactor is the built-in one plus the user's extra patterns
(`KEEL_REDACT_PATTERNS`, `KEEL_REDACT_PATTERNS_FILE`), installed once by the entry point that
read the settings (`install`). `keel.core.sanitize` applies it to every record on its way into
the store.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Any

from keel.core.detectors import REDACTED, card_integer, mask_text

__all__ = [
    "REDACTED",
    "Redactor",
    "active",
    "args_digest",
    "args_preview",
    "canonical_json",
    "install",
    "is_secret_key",
    "key_mask",
    "redact",
    "redact_json",
    "redact_text",
    "secret_keys",
]

#: The shortest string a detector can hit (`pwd=x`); shorter ones are returned at once.
_MIN_CHARS = 5
_KEY_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "passcode",
        "secret",
        "token",
        "apikey",
        "authorization",
        "cookie",
        "credential",
        "credentials",
        "cvv",
        "cvv2",
        "cvc",
        "ssn",
        "iban",
        "otp",
    }
)
_SECRET_PAIRS = frozenset(
    {
        ("api", "key"),
        ("access", "key"),
        ("private", "key"),
        ("secret", "key"),
        ("card", "number"),
        ("account", "number"),
        ("pin", "code"),
        ("pin", "number"),
    }
)
_EXACT_SECRET_KEYS = frozenset({"pass", "pin"})
#: "token" next to these is a count or a setting, not a credential (max_tokens, token_count).
_TOKEN_NEIGHBOURS = frozenset(
    {"count", "counts", "usage", "type", "limit", "limits", "ids", "max", "input", "output"}
    | {"prompt", "completion", "total", "num", "reasoning", "cached", "budget", "logprobs"}
)
#: Secret-keyed values a reviewer tells apart by their last four characters.
_LAST_FOUR = frozenset({"iban", "ssn", ("card", "number"), ("account", "number")})


def canonical_json(value: Any) -> str:
    """Return `value` as canonical JSON: sorted keys, no whitespace, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def args_digest(args: Any) -> str:
    """Return the SHA-256 hex digest of the canonical JSON of `args`.

    Lone surrogates (which only a hostile client sends) are digested as their code points.
    """
    return hashlib.sha256(canonical_json(args).encode("utf-8", "surrogatepass")).hexdigest()


def _key_parts(key: str) -> list[str]:
    return [part.lower() for part in _KEY_PARTS.findall(key)]


@lru_cache(maxsize=16384)
def _secret_kind(key: str) -> str | None:
    """Return "last4" or "whole" when a field named `key` holds a secret, else None."""
    parts = _key_parts(key)
    if not parts:
        return None
    if len(parts) == 1 and parts[0] in _EXACT_SECRET_KEYS:
        return "whole"
    pairs = set(pairwise(parts))
    for index, part in enumerate(parts):
        if part not in _SECRET_WORDS:
            continue
        neighbours = set(parts[max(0, index - 1) : index] + parts[index + 1 : index + 2])
        if part == "token" and neighbours & _TOKEN_NEIGHBOURS:
            continue
        return "last4" if part in _LAST_FOUR else "whole"
    if pairs & _SECRET_PAIRS:
        return "last4" if pairs & _LAST_FOUR else "whole"
    return None


def is_secret_key(key: str) -> bool:
    """Whether a field named `key` holds a secret (password, token, card number, ...)."""
    return _secret_kind(key) is not None


def key_mask(kind: str, value: Any) -> str:
    """Return the mask of a secret-keyed value: kind "last4" keeps its last four characters."""
    if kind == "last4" and isinstance(value, str | int) and not isinstance(value, bool):
        compact = "".join(char for char in str(value) if char.isalnum())
        if len(compact) >= 8:
            return f"[REDACTED ****{compact[-4:]}]"
    return REDACTED


#: Keys already seen not to name a secret: one set comparison then clears a whole dict.
_PLAIN_KEYS: set[Any] = set()
_PLAIN_KEYS_MAX = 65536  # keys come from clients; keep the memo bounded


def secret_keys(node: dict[Any, Any]) -> dict[Any, str]:
    """Return the keys of `node` that name secrets, with their mask kind (usually none)."""
    if node.keys() <= _PLAIN_KEYS:
        return {}
    found = {}
    for key in node:
        kind = _secret_kind(key if type(key) is str else str(key))
        if kind is not None:
            found[key] = kind
        elif len(_PLAIN_KEYS) < _PLAIN_KEYS_MAX:
            _PLAIN_KEYS.add(key)
    return found


class Redactor:
    """Masks secrets in text and JSON values: the built-in detectors plus `extra_patterns`."""

    def __init__(self, extra_patterns: Sequence[str] = ()) -> None:
        self.extra_patterns = tuple(extra_patterns)
        self.extra = (
            re.compile("|".join(f"(?:{pattern})" for pattern in self.extra_patterns))
            if self.extra_patterns
            else None
        )

    def text(self, text: str) -> str:
        """Return `text` with every secret masked."""
        return text if len(text) < _MIN_CHARS else mask_text(text, self.extra)

    def value(self, value: Any) -> Any:
        """Return a copy of the JSON value `value` with secrets masked (see the module)."""
        kind = type(value)  # exact-type dispatch first: this walks every node of every payload
        if kind is str:
            return value if len(value) < _MIN_CHARS else mask_text(value, self.extra)
        if kind is dict:
            secret = secret_keys(value)
            if not secret:
                return {key: self.value(item) for key, item in value.items()}
            return {
                key: key_mask(secret[key], item) if key in secret else self.value(item)
                for key, item in value.items()
            }
        if kind is list:
            return [self.value(item) for item in value]
        if kind is int:
            return card_integer(value) or value if value >= 10**12 else value
        if isinstance(value, dict):
            return self.value(dict(value))
        if isinstance(value, list | tuple):
            return [self.value(item) for item in value]
        if isinstance(value, str):
            return self.text(str(value))
        return value

    def document(self, text: str) -> Any:
        """Return the JSON document `text` parsed and masked; text that is not JSON, masked."""
        if text[:1] in ("{", "["):
            try:
                return self.value(json.loads(text))
            except (json.JSONDecodeError, RecursionError):
                pass
        return self.text(text)

    def preview(self, text: str) -> str:
        """Return a JSON preview masked as parsed JSON when it parses (so it still parses)."""
        masked = self.document(text)
        return masked if isinstance(masked, str) else canonical_json(masked)


_active = [Redactor()]


def install(redactor: Redactor) -> None:
    """Make `redactor` the process's redactor (entry points do, from their settings)."""
    _active[0] = redactor


def active() -> Redactor:
    """Return the process's redactor."""
    return _active[0]


def redact_text(text: str) -> str:
    """Return `text` with every secret masked by the process's redactor."""
    return _active[0].text(text)


def redact(value: Any) -> Any:
    """Return a copy of the JSON value `value` with secrets masked by the process's redactor."""
    return _active[0].value(value)


def redact_json(text: str) -> Any:
    """Return the JSON document `text` parsed with secrets masked, or masked text."""
    return _active[0].document(text)


def args_preview(args: Any, max_chars: int = 512) -> str:
    """Return a redacted, length-capped JSON preview of `args`, valid JSON when it fits."""
    masked = redact(args)
    text = canonical_json(masked)
    if len(text) <= max_chars:
        return text
    # Long string values shortened first, so the preview stays JSON where it can.
    text = canonical_json(_shorten_strings(masked, 64))
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def _shorten_strings(value: Any, max_chars: int) -> Any:
    if isinstance(value, str):
        return value if len(value) <= max_chars else value[: max_chars - 1] + "…"
    if isinstance(value, dict):
        return {key: _shorten_strings(item, max_chars) for key, item in value.items()}
    if isinstance(value, list):
        return [_shorten_strings(item, max_chars) for item in value]
    return value
