"""Redaction: the corpus table (every secret masked, plain text kept), and properties of masks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from detect_secrets.core.scan import scan_line
from detect_secrets.settings import default_settings
from hypothesis import example, given, settings
from hypothesis import strategies as st

from keel.core.redaction import (
    REDACTED,
    Redactor,
    args_preview,
    is_secret_key,
    redact,
    redact_json,
    redact_text,
)

CORPUS = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "redaction_corpus.json").read_text()
)
SECRETS = CORPUS["secrets"]


@pytest.mark.parametrize("case", SECRETS, ids=[f"{c['kind']}-{i}" for i, c in enumerate(SECRETS)])
def test_each_secret_of_the_corpus_is_masked_with_its_kind(case: dict[str, Any]) -> None:
    masked = redact_text(case["text"])
    assert [needle for needle in case["needles"] if needle in masked] == []
    assert case["mask"] in masked


@pytest.mark.parametrize("text", CORPUS["plain"])
def test_timestamps_counts_dates_and_ids_are_left_alone(text: str) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize("case", CORPUS["keyed"], ids=lambda case: next(iter(case["value"])))
def test_secret_keyed_and_card_valued_json_is_masked(case: dict[str, Any]) -> None:
    stored = json.dumps(redact(case["value"]))
    assert [needle for needle in case["needles"] if needle in stored] == []


#: detect-secrets' own detectors (not its entropy heuristics, which flag ordinary words).
_NAMED_PLUGINS = {"GitHub Token", "AWS Access Key", "Slack Token", "JSON Web Token"}
_NAMED_PLUGINS |= {"Secret Keyword", "Stripe Access Key", "OpenAI Token"}


def test_every_secret_detect_secrets_finds_in_the_corpus_is_masked() -> None:
    flagged = 0
    with default_settings():
        for case in SECRETS:
            masked = redact_text(case["text"])
            for found in scan_line(case["text"]):
                if found.type in _NAMED_PLUGINS and found.secret_value:
                    flagged += 1
                    # GitHub's plugin reports only the prefix; the rest of the token must go too.
                    assert found.secret_value not in masked or found.secret_value in ("ghp", "gho")
    assert flagged >= 6


PIECES = st.sampled_from(
    [
        *(case["text"] for case in SECRETS),
        *CORPUS["plain"],
        "4111 1111 1111 1111",
        "Bearer abcdefgh12",
        "password=",
        "token: ",
        '"pin": ',
        "٤١١١١١١١١١",
        " ",
        "\n",
        "é",
        "0",
        "-",
        "[",
        "]",
    ]
)
TEXTS = st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=8).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
@example("ssn 412 73 9051FR14 2004 1010 0505 0001 3M02 606")  # the SSN's mask frees the IBAN
def test_masking_twice_changes_nothing(text: str) -> None:
    once = redact_text(text)
    assert redact_text(once) == once


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXTS),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["role", "content", "password", "api_key", "n", "card_number"]),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_masked_json_stays_json_and_masked_documents_equal_masked_values(value: Any) -> None:
    text = json.dumps(value)
    masked = redact(json.loads(text))
    assert json.loads(json.dumps(masked)) == masked
    if isinstance(value, dict | list):
        assert redact_json(text) == masked
    preview = args_preview(value, 4096)
    assert json.loads(preview) == json.loads(json.dumps(masked, sort_keys=True))


def test_a_json_preview_given_as_text_stays_json_when_masked() -> None:
    redactor = Redactor()
    preview = redactor.preview('{"account": 4532777777777774, "pin": 1234, "memo": "ok"}')
    assert json.loads(preview) == {"account": "[CARD ****7774]", "memo": "ok", "pin": REDACTED}


def test_redact_json_keeps_text_that_is_not_json() -> None:
    assert redact_json("{not json, card 4111 1111 1111 1111") == "{not json, card [CARD ****1111]"


def test_extra_patterns_from_the_settings_are_masked_too() -> None:
    redactor = Redactor([r"EMP-\d{6}"])
    assert redactor.text("employee EMP-123456 called") == f"employee {REDACTED} called"
    assert redactor.value({"note": "EMP-654321"}) == {"note": REDACTED}


def test_secret_key_names() -> None:
    secret = [
        "password",
        "api_key",
        "apiKey",
        "x-api-key",
        "Authorization",
        "access_token",
        "token",
        "card_number",
        "cvv",
        "iban",
        "private-key",
        "pin",
        "pwd",
        "client_secret",
        "http.request.header.cookie",
    ]
    plain = [
        "max_tokens",
        "gen_ai.usage.input_tokens",
        "llm.token_count.prompt",
        "token_type",
        "tokenizer",
        "spinner",
        "pin_category",
        "pass_rate",
        "role",
        "content",
    ]
    assert [key for key in secret if not is_secret_key(key)] == []
    assert [key for key in plain if is_secret_key(key)] == []
    assert redact({"account_number": "12345678"}) == {"account_number": "[REDACTED ****5678]"}
