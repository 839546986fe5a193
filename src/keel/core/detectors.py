"""What counts as a secret in free text, and the mask each kind becomes.

Every string keel stores passes `mask_text`. It must cost almost nothing on text without
secrets (ingestion redacts every string of every span), so cheap pre-scans run first and the
exact detectors only where one hits: the keywords and key prefixes (`bearer`, `password`,
`token`, `sk-`, `ghp_`, `AKIA`, `eyJ`, ...) as substrings of the lower-cased text; cards and
SSNs only inside runs of digits and separators holding 9+ digits; IBANs only where two capitals
precede two digits. For ASCII text the number gates read a copy of the text translated into
character classes (digit, separator, capital), so clean text costs a few C-speed passes.

Numbers are validated, not guessed: cards by the Luhn checksum and an issuer prefix (2-6, so
epoch timestamps and order numbers are left alone), IBANs by their ISO 13616 checksum and
country length, SSNs by the SSA's area/group/serial rules — all three with python-stdnum.
Key formats follow detect-secrets' plugins (AWS, GitHub, Slack, JWT, Stripe), widened where a
vendor's newer keys differ (OpenAI `sk-proj-`, Anthropic `sk-ant-`); tests check both agree on
the redaction corpus. Masks keep the kind of secret and, for numbers a reviewer must tell
apart, the last four digits: `[CARD ****1111]`, `[IBAN DE ****3000]`, `[SSN ****6789]`,
`[SECRET github-token]`, `password=[REDACTED]`. No mask matches a detector, so masking twice
changes nothing.
"""

from __future__ import annotations

import re

REDACTED = "[REDACTED]"

# Separators between digit groups: space, no-break and thin spaces, dot, dash, slash, underscore.
_SEP = r"[ \u00a0\u2009\u202f.\-/_]"
#: A stretch of digits and separators long enough for an SSN (11) or a card, digits at both
#: ends: the card and SSN detectors only look inside these.
_DIGIT_RUN = re.compile(r"\d[\d \u00a0\u2009\u202f.\-/_]{9,}\d")
_NINE_DIGITS = re.compile(r"(?:\D*\d){9}")
#: Two capitals and two digits open every IBAN.
_IBAN_GATE = re.compile(r"[A-Z]{2}\d\d")
# The keywords are looked for in the lower-cased text, the key prefixes as they are written,
# with substring tests (C speed; one regex alternation costs several times more per character).
# Each needle is a substring of everything the detector it stands for matches (`key` for
# `api_key`, `access-key`, ...), so the gate never misses what `_KEYS` would find.
_WORDS = ("token", "key", "passw", "pwd", "secret", "bearer", "xox")
_UNDERSCORE_WORDS = ("sk_", "rk_", "gh")  # sk_live_, rk_test_, gh[pousr]_, github_pat_
_AWS_PREFIXES = ("AKIA", "ASIA", "ABIA", "ACCA", "A3T")


def _word_gate(text: str) -> bool:
    lower = text.lower()
    for word in _WORDS:
        if word in lower:
            return True
    if "_" in lower:
        for word in _UNDERSCORE_WORDS:
            if word in lower:
                return True
    if "sk-" in lower or "eyJ" in text:
        return True
    if "A" in text:
        for prefix in _AWS_PREFIXES:
            if prefix in text:
                return True
    return False


#: ASCII text seen as character classes: digit "0", separator " ", capital "A", else "x".
_CLASSES = bytes(
    ord("0")
    if 0x30 <= byte <= 0x39
    else ord(" ")
    if chr(byte) in " ./-_"
    else ord("A")
    if "A" <= chr(byte) <= "Z"
    else ord("x")
    for byte in range(256)
)
_CLASS_RUN = re.compile(rb"0[0 ]{9,}0")  # _DIGIT_RUN on the classes


def _numbers_gate(text: str) -> bool:
    """Whether `text` could hold a card, IBAN or SSN: 9 digits, and either two capitals before
    two digits or a run of digits and separators. Decided at C speed for ASCII text; other
    text goes to the scans (\\d also matches other scripts' digits)."""
    if not text.isascii():
        return True
    classes = text.encode("ascii").translate(_CLASSES)
    if classes.count(b"0") < 9:
        return False
    return b"AA00" in classes or _CLASS_RUN.search(classes) is not None


def _digit_runs(text: str) -> list[tuple[int, int]]:
    """Return the spans of `text` where a card or SSN could be (9+ digits in a run).

    Callers have checked `_numbers_gate(text)`."""
    return [m.span() for m in _DIGIT_RUN.finditer(text) if _NINE_DIGITS.match(m.group(0))]


def _iban_gate(text: str) -> bool:
    # The shortest IBAN (Norway's, 15 characters) has 13 digits; callers checked for 9.
    return _IBAN_GATE.search(text) is not None


def may_hold_secret(text: str) -> bool:
    """The pre-scan: whether any detector could hit `text` (false means it surely cannot)."""
    if _word_gate(text):
        return True
    return _numbers_gate(text) and (_iban_gate(text) or bool(_digit_runs(text)))


_CARD = (
    r"(?<![\w.\-])(?:\d{13,19}"
    rf"|\d{{4}}{_SEP}{{1,3}}\d{{4}}{_SEP}{{1,3}}\d{{4}}{_SEP}{{1,3}}\d{{1,4}}(?:{_SEP}{{1,3}}\d{{1,3}})?"
    rf"|\d{{4}}{_SEP}{{1,3}}\d{{6}}{_SEP}{{1,3}}\d{{4,5}})"
    r"(?![\w\-]|\.\d)"
)
_IBAN = r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?"
_SSN = r"(?<![\d\-])\d{3}(?P<ssn_sep>[- ])\d{2}(?P=ssn_sep)\d{4}(?![\d\-])"
#: Card, IBAN and SSN candidates in one scan; each is validated before it is masked.
_NUMBERS = re.compile(f"(?P<iban>{_IBAN})|(?P<card>{_CARD})|(?P<ssn>{_SSN})")
_CARDS_AND_SSNS = re.compile(f"(?P<card>{_CARD})|(?P<ssn>{_SSN})")
_KEY_FORMATS = {
    "api_key": r"sk-(?:proj-|ant-(?:api|admin)\d\d-|svcacct-|admin-)?[A-Za-z0-9_\-]{16,}",
    "stripe_key": r"(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}",
    "github_token": r"gh[pousr]_[A-Za-z0-9_]{30,}|github_pat_\w{22,}",
    "aws_key": r"(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}",
    "slack_token": r"xox[abposre]-[0-9A-Za-z\-]{10,}",
    "jwt": r"eyJ[A-Za-z0-9_\-]{6,}\.[A-Za-z0-9_\-]{6,}\.[A-Za-z0-9_\-]*",
}
_BEARER = r"(?i:(?P<bearer_word>bearer\s+)(?!\[)[A-Za-z0-9._~+/=\-]{8,})"
#: `password=...`, `api_key: ...`, `"token": "..."` inside free text (and JSON kept as text).
_KEY_VALUE = (
    r"(?i:(?P<kv_key>(?:[A-Za-z0-9]+[_.\-])*"
    r"(?:password|passwd|pwd|secret|token|api[_\-]?key|apikey|access[_\-]?key|private[_\-]?key)"
    r"(?:\\?[\"'])?[ \t]*[:=][ \t]*(?:\\?[\"'])?)"
    r"[^\s\"'\\,;&<>{}\[\]()]+)"
)
#: Key formats, bearer headers and key=value pairs in one scan.
_KEYS = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    + "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _KEY_FORMATS.items())
    + f"|(?P<bearer>{_BEARER})|(?P<kv>{_KEY_VALUE}))"
)
_ISSUERS = frozenset("23456")  # MII of payment cards; 1 (airlines) starts epoch timestamps


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def _luhn_ok(digits: str) -> bool:
    from stdnum import luhn  # loaded on the first candidate, not at `import keel`

    return luhn.is_valid(digits)


def is_card_number(digits: str) -> bool:
    """Whether `digits` (digits only) is a payment card number: 13-19, issuer, Luhn."""
    return 13 <= len(digits) <= 19 and digits[0] in _ISSUERS and _luhn_ok(digits)


def _mask_card(text: str) -> str:
    digits = _digits(text)
    return f"[CARD ****{digits[-4:]}]" if is_card_number(digits) else text


def _mask_iban(text: str) -> str:
    from stdnum import iban

    # The pattern may run into the next word (`... 3000 IBAN`): try shorter prefixes too.
    groups = text.split(" ")
    for end in range(len(groups), 0, -1):
        candidate = " ".join(groups[:end])
        if len(candidate.replace(" ", "")) >= 15 and iban.is_valid(candidate):
            compact = candidate.replace(" ", "")
            return f"[IBAN {compact[:2]} ****{compact[-4:]}]" + text[len(candidate) :]
    # Not an IBAN after all; a card or SSN may still hide behind its first letters.
    return _CARDS_AND_SSNS.sub(_mask_number, text)


def _mask_ssn(text: str) -> str:
    area, group, serial = text[:3], text[4:6], text[7:]
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return text
    return f"[SSN ****{serial}]"


_NUMBER_MASKS = {"iban": _mask_iban, "card": _mask_card, "ssn": _mask_ssn}


def _mask_number(match: re.Match[str]) -> str:
    kind = match.lastgroup
    assert kind is not None
    return _NUMBER_MASKS[kind](match.group(0))


def _mask_key(match: re.Match[str]) -> str:
    kind = match.lastgroup
    if kind == "bearer":
        return match.group("bearer_word") + REDACTED
    if kind == "kv":
        key = match.group("kv_key")
        # `"pin": 1234` in JSON kept as text: a quoted key with a bare value gets a quoted mask.
        bare_in_json = key[-1] not in "\"'" and key.rstrip(" \t:=")[-1:] in ('"', "'")
        return key + (f'"{REDACTED}"' if bare_in_json else REDACTED)
    assert kind is not None
    return f"[SECRET {kind.replace('_', '-')}]"


def _mask_runs(text: str, runs: list[tuple[int, int]]) -> str:
    """Mask the cards and SSNs inside `runs` (the detectors see the text around them)."""
    pieces, last = [], 0
    for start, end in runs:
        # Two characters past the run: as far as the detectors' look-ahead reads.
        for match in _CARDS_AND_SSNS.finditer(text, start, end + 2):
            masked = _mask_number(match)
            if masked != match.group(0):
                pieces += [text[last : match.start()], masked]
                last = match.end()
    return "".join([*pieces, text[last:]]) if pieces else text


def mask_text(text: str, extra: re.Pattern[str] | None = None) -> str:
    """Return `text` with every secret the detectors (and `extra`, the user's) find masked."""
    # A mask can uncover a secret that its neighbour hid (`412 73 9051FR14 2004 ...`: the SSN's
    # mask frees the IBAN's left edge), so mask until nothing changes; clean text costs one pass.
    for _ in range(_MAX_PASSES):
        masked = _mask_once(text, extra)
        if masked == text:
            break
        text = masked
    return text


_MAX_PASSES = 4


def _mask_once(text: str, extra: re.Pattern[str] | None) -> str:
    if _numbers_gate(text):
        if _iban_gate(text):
            text = _NUMBERS.sub(_mask_number, text)
        elif runs := _digit_runs(text):
            text = _mask_runs(text, runs)
    if _word_gate(text):
        text = _KEYS.sub(_mask_key, text)
    if extra is not None and extra.search(text) is not None:
        text = extra.sub(REDACTED, text)
    return text


def card_integer(value: int) -> str | None:
    """Return the mask of a JSON integer that is a card number, else None."""
    if 10**12 <= value < 10**19:
        digits = str(value)
        if is_card_number(digits):
            return f"[CARD ****{digits[-4:]}]"
    return None
