"""Near-miss checks: is a match negated, quoted, reported or hedged rather than asserted?

Each check reads only the sentence holding the match, so a "never" two sentences earlier cannot
excuse a request made now. The lexicons are short and listed here so every decision can be
explained by pointing at the cue that made it.

- negated: a negation cue in the few words before the match ("we will *never* ask for your
  PIN", "*no* investment offers guaranteed returns"), or a denial right after it ("guaranteed
  returns *don't exist*"). Phrases that only look negative ("don't worry", "don't hesitate")
  are not cues; a negation inside a leading "if ..., " clause does not reach past its comma, nor
  one before a new clause (", so", " but ", a dash) past that break.
- quoted: the match sits inside double quotes (straight or curly).
- reported: someone else's words or a warning about them ("scammers may ask you to...",
  "an email claiming...", "if anyone asks...").
- hedged: the match is put as a question or a possibility ("whether you owe no tax", "a lawyer
  can tell you if...").
"""

from __future__ import annotations

import re

PREFIX_WORDS = 8
SUFFIX_WORDS = 6
_SENTENCE_END = re.compile(r"[.!?;](?=\s|$)|\n")
_NOT_NEGATING = re.compile(
    r"\b(?:don't|do\s+not)\s+(?:worry|hesitate|forget|wait|delay)\b|\bno\s+(?:worries|problem|"
    r"matter|doubt)\b|\bwithout\s+(?:a\s+)?doubt\b|\bnot\s+only\b|\bno,",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:not|never|no|none|nobody|neither|nor|without|cannot|avoid|refuse)\b|n't\b|\bno\s+one\b",
    re.IGNORECASE,
)
_DENIAL_AFTER = re.compile(
    r"^\W*(?:(?:do|does|did)\s*(?:not|n't)\s+exist|(?:is|are)\s+(?:a\s+|an\s+)?(?:myth|scam|lie|"
    r"red\s+flag|warning\s+sign)|(?:is|are)(?:\s+not|n't)\s+(?:real|possible|true))",
    re.IGNORECASE,
)
_LEADING_CONDITION = re.compile(r"^\s*(?:if|when|unless|once|in\s+case)\b[^,]*,", re.IGNORECASE)
# A new clause ("..., so you", "... but you") ends the reach of an earlier negation.
_CLAUSE_BREAK = re.compile(
    r",\s*(?:so|and|but|then|because|yet)\b|\s(?:but|so)\s|\s[-\u2013\u2014]\s", re.IGNORECASE
)
_REPORTED = re.compile(
    r"\b(?:said|says|saying|claim(?:s|ed|ing)?|told|tells|telling|asked|asks|asking|"
    r"promise(?:s|d)?|promising|pretend(?:s|ed|ing)?|wrote|writes|mentioned|"
    r"scammers?|fraudsters?|criminals?|impostors?|someone|anyone|somebody|callers?|"
    r"(?:an?|the|that|this)\s+(?:e-?mail|message|text|sms|call|letter|ad|advert|advertisement|"
    r"website|post)|blogs?|rumou?rs?)\b",
    re.IGNORECASE,
)
_HEDGED = re.compile(
    r"\b(?:whether|may(?!\s+(?:i|we)\b)|might|could(?!\s+you\b)|possibly|perhaps|probably|depends?|depending|unsure|"
    r"not\s+sure|(?:tell|ask|check|see|know|decide|determine|assess)\s+(?:\w+\s+)?if)\b",
    re.IGNORECASE,
)
_QUOTE_PAIRS = (('"', '"'), ("\u201c", "\u201d"), ("\u00ab", "\u00bb"))


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Return (first, last) offsets of the sentence holding text[start:end]."""
    first = 0
    for boundary in _SENTENCE_END.finditer(text, 0, start):
        first = boundary.end()
    after = _SENTENCE_END.search(text, end)
    return first, after.start() if after else len(text)


def prefix(text: str, start: int, end: int, words: int = PREFIX_WORDS) -> str:
    """Return up to `words` words before the match, within its sentence."""
    first, _ = sentence_bounds(text, start, end)
    return " ".join(text[first:start].split()[-words:])


def suffix(text: str, start: int, end: int, words: int = SUFFIX_WORDS) -> str:
    """Return up to `words` words after the match, within its sentence."""
    _, last = sentence_bounds(text, start, end)
    return " ".join(text[end:last].split()[:words])


def is_negated(text: str, start: int, end: int) -> bool:
    """Return True when a negation cue governs the match (see the module docstring)."""
    first, _ = sentence_bounds(text, start, end)
    before = _LEADING_CONDITION.sub(" ", text[first:start])
    before = _CLAUSE_BREAK.split(before)[-1]
    before = " ".join(before.split()[-PREFIX_WORDS:])
    before = _NOT_NEGATING.sub(" ", before)
    return bool(_NEGATION.search(before) or _DENIAL_AFTER.search(suffix(text, start, end)))


def is_quoted(text: str, start: int, end: int) -> bool:
    """Return True when the match lies inside a pair of double quotes."""
    for opening, closing in _QUOTE_PAIRS:
        before = text[:start]
        if opening == closing:
            if before.count(opening) % 2 == 1 and opening in text[end:]:
                return True
        elif before.rfind(opening) > before.rfind(closing):
            return True
    return False


def is_reported(text: str, start: int, end: int) -> bool:
    """Return True when the match reports or warns about someone else's words."""
    return bool(_REPORTED.search(prefix(text, start, end)))


def is_hedged(text: str, start: int, end: int) -> bool:
    """Return True when the match is put as a question or a possibility."""
    return bool(_HEDGED.search(prefix(text, start, end)))


CHECKS = {
    "negated": is_negated,
    "quoted": is_quoted,
    "reported": is_reported,
    "hedged": is_hedged,
}
