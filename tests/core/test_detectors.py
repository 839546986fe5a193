"""The detectors' pre-scans: a gate that says "no secret here" must never be wrong."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from keel.core import detectors

#: Pieces that put text near every gate's edge: digit groups, separators, capitals, keywords.
PIECES = st.sampled_from(
    [
        "4111",
        "1111",
        "412",
        "73",
        "9051",
        "DE89",
        "3704",
        "GB",
        "FR14",
        "1099",
        " ",
        "-",
        ".",
        "/",
        "_",
        "\u00a0",
        "\u2009",
        "\u0664",
        "\u00e9",
        "x",
        "A",
        "Z",
        "sk-",
        "sk_live_",
        "ghp_",
        "xoxb-",
        "eyJ",
        "AKIA",
        "A3T",
        "Bearer ",
        "PASSWORD=",
        "api-Key: ",
        "tok",
        "en",
        "K",
        "ab12cd34",
    ]
)
TEXTS = st.lists(st.one_of(PIECES, st.text(max_size=4)), max_size=14).map("".join)


@settings(max_examples=1500, deadline=None)
@given(TEXTS)
@example("card 4111 1111 1111 1111 and ssn 412-73-9051")
@example("IBAN DE89 3704 0044 0532 0130 00")
@example("ssn 412-73-9051")
def test_a_gate_that_says_no_is_never_wrong(text: str) -> None:
    # No card, IBAN (13+ digits) or SSN has fewer than 9 digits.
    nine_digits = len(re.findall(r"\d", text)) >= 9
    if nine_digits and (detectors._IBAN_GATE.search(text) or detectors._digit_runs(text)):
        assert detectors._numbers_gate(text)
    if detectors._KEYS.search(text):
        assert detectors._word_gate(text)


def test_text_with_ordinary_digits_passes_the_number_gate_untouched() -> None:
    text = "I was charged a fee on an early withdrawal, will it show on my 1099? " * 6
    assert not detectors._numbers_gate(text)
    assert detectors.mask_text(text) == text
