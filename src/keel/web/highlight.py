"""Where policy flags point in a run's output: locate their evidence and split text around it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any


@dataclass(frozen=True)
class Segment:
    """A stretch of text and the flags (by index) whose evidence covers it."""

    text: str
    flags: tuple[int, ...] = ()


def locate(text: str, evidence: Mapping[str, Any]) -> tuple[int, int] | None:
    """Return the [start, end) span of `text` the evidence points at, or None if it is not there.

    Content rules give `start`/`end` offsets and the matched `text`; the offsets win when they
    still match, else the first occurrence of the quoted text does (e.g. after redaction moved
    the offsets). Evidence without either points at nothing in the text.
    """
    start, end, quote = evidence.get("start"), evidence.get("end"), evidence.get("text")
    if (
        isinstance(start, int)
        and isinstance(end, int)
        and 0 <= start < end <= len(text)
        and (not isinstance(quote, str) or text[start:end] == quote)
    ):
        return start, end
    if isinstance(quote, str) and quote:
        found = text.find(quote)
        if found >= 0:
            return found, found + len(quote)
    return None


def segments(text: str, spans: Sequence[tuple[int, int, int]]) -> list[Segment]:
    """Return `text` cut at every boundary of `spans` (start, end, flag), each piece naming the
    flags covering it; spans may overlap, and the pieces always join back into `text`."""
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    pieces = []
    for left, right in pairwise(cuts):
        if not 0 <= left < right <= len(text):
            continue
        covering = tuple(flag for start, end, flag in spans if start <= left and right <= end)
        pieces.append(Segment(text[left:right], covering))
    return pieces
