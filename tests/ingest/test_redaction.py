"""Redaction: the fast paths mask exactly what the plain regex passes mask."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from keel.core import redaction
from keel.core.redaction import REDACTED, is_secret_key, redact, redact_json, redact_text


def reference_redact_text(text: str) -> str:
    """The four regex passes with no shortcuts: what redact_text must equal."""
    text = redaction._CARD.sub(redaction._mask_card, text)
    text = redaction._LONG_DIGITS.sub(lambda m: "****" + m.group(0)[-4:], text)
    text = redaction._BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    return redaction._API_KEY.sub(REDACTED, text)


PIECES = st.sampled_from(
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1112",
        "12345678",
        "1234567",
        "Bearer abcdefgh12",
        "bearer x",
        "BEARER abcdefghijk",
        "sk-abcdefghijklmnop",
        "pk-short",
        "٤١١١١١١١١١",
        " ",
        "card",
        "token",
        "\n",
        "é",
        "0",
        "-",
        "7",
    ]
)
TEXTS = st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_redact_text_matches_the_plain_regex_passes(text: str) -> None:
    assert redact_text(text) == reference_redact_text(text)


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), TEXTS),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["role", "content", "password", "api_key", "n"]), inner, max_size=4
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_redact_json_equals_parse_then_redact(value: Any) -> None:
    text = json.dumps(value)
    assert redact_json(text) == redact(json.loads(text))


def test_redact_json_keeps_text_that_is_not_json() -> None:
    assert redact_json("{not json, card 4111 1111 1111 1111") == ("{not json, card [CARD ****1111]")


def test_secret_key_names() -> None:
    secret = [
        "password",
        "api_key",
        "Authorization",
        "access_token",
        "token",
        "card_number",
        "cvv",
        "iban",
        "private-key",
        "pin",
    ]
    plain = [
        "max_tokens",
        "gen_ai.usage.input_tokens",
        "llm.token_count.prompt",
        "tokenizer",
        "spinner",
        "role",
        "content",
    ]
    assert [key for key in secret if not is_secret_key(key)] == []
    assert [key for key in plain if is_secret_key(key)] == []
    assert re.fullmatch(r"\[REDACTED\]", redact({"password": "x"})["password"])
