"""P1: meaning-preserving rewrites of an instruction or a user message, rule-based and seeded.

Used when the configured model cannot paraphrase (the offline default). Each rule swaps a phrase
for an equivalent one (requests, intents, hedges, greetings, contractions); the rewrite applies
a random subset of the rules that match, so two seeds give two different, equally faithful texts.
Nothing here knows about tickets or categories: the rules are about how English asks for things.
"""

from __future__ import annotations

import random
import re

# Groups of interchangeable phrases; any member may replace any other.
_EQUIVALENTS: tuple[tuple[str, ...], ...] = (
    ("can you", "could you", "would you be able to", "are you able to"),
    ("i want to", "i would like to", "i'd like to", "i need to"),
    ("i want", "i would like", "i'd like"),
    ("please tell me", "please let me know", "can you tell me", "let me know"),
    ("how do i", "how can i", "what is the way to", "how should i"),
    ("what is", "what's"),
    ("i am", "i'm"),
    ("i have", "i've got"),
    ("do not", "don't"),
    ("does not", "doesn't"),
    ("did not", "didn't"),
    ("cannot", "can't", "am unable to"),
    ("is not", "isn't"),
    ("it is", "it's"),
    ("right now", "at the moment", "currently"),
    ("as soon as possible", "asap", "quickly"),
    ("a few days ago", "several days ago", "recently"),
    ("money", "funds"),
    ("help me", "assist me"),
    ("check", "look into", "verify"),
    ("explain", "clarify", "walk me through"),
    ("make sure", "ensure"),
    ("you are a", "act as a", "your role is a"),
    ("you are", "you're"),
    ("you must", "you have to", "you need to"),
    ("always", "in every case"),
    ("never", "under no circumstances"),
    ("answer", "reply"),
    ("customer", "client"),
    ("only", "solely"),
    ("include", "add"),
    ("brief", "concise", "short"),
)
_OPENERS = ("", "Hi, ", "Hello, ", "Hi there, ", "Good morning, ")
_CLOSERS = ("", " Thanks.", " Thank you!", " Thanks in advance.", " Appreciate the help.")
_OPENER_RE = re.compile(r"^(hi there|hello|hi|hey|good (morning|afternoon|evening))[,!.]?\s+", re.I)
_CLOSER_RE = re.compile(r"\s*(thanks( in advance)?|thank you|appreciate the help)[.!]*\s*$", re.I)


def _match_case(template: str, replacement: str) -> str:
    if template.isupper() and len(template) > 1:
        return replacement.upper()
    if template[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _swap_phrases(text: str, rng: random.Random, share: float) -> str:
    for group in _EQUIVALENTS:
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, group)) + r")\b", re.I)

        def swap(match: re.Match[str], group: tuple[str, ...] = group) -> str:
            if rng.random() > share:
                return match.group(0)
            current = match.group(0).lower()
            choices = [phrase for phrase in group if phrase != current]
            return _match_case(match.group(0), rng.choice(choices))

        text = pattern.sub(swap, text)
    return text


def _reframe(text: str, rng: random.Random, is_message: bool) -> str:
    if not is_message:
        return text
    body = _CLOSER_RE.sub("", _OPENER_RE.sub("", text.strip()))
    body = body[:1].upper() + body[1:]
    opener = rng.choice(_OPENERS)
    if opener:
        body = body[:1].lower() + body[1:] if not body[:2].isupper() else body
    return f"{opener}{body}{rng.choice(_CLOSERS)}"


def paraphrase(text: str, seed: int, *, is_message: bool = True, share: float = 0.6) -> str:
    """Return a seeded, meaning-preserving rewrite of `text` (differs from it when rules match).

    `is_message` also varies greetings and sign-offs (for user messages, not instructions);
    `share` is the chance that each matching phrase is swapped.
    """
    rng = random.Random(seed)
    for _attempt in range(8):
        rewritten = _reframe(_swap_phrases(text, rng, share), rng, is_message)
        if rewritten != text:
            return rewritten
    return text
