"""Turn arbitrary user text into a safe SQLite FTS5 MATCH expression.

User text never reaches FTS5 syntax: it is split into word tokens, every token is wrapped in
double quotes (so AND, OR, NEAR, `*`, `^`, `:` and parentheses are plain words), and the terms are
joined with OR so that bm25 ranks documents by how many, and how rare, the matched terms are.
A hyphenated chunk such as "1099-INT" or "W-8BEN" becomes one phrase, as FTS5 indexes it.
"""

from __future__ import annotations

import re

MAX_QUERY_CHARS = 2000
#: The longest query `knowledge.search` takes (its published input schema): an agent bounds its
#: queries to this (`bounded_query`) rather than have the tool refuse them.
TOOL_QUERY_MAX_CHARS = 1000
MAX_TERMS = 32
_WORD = re.compile(r"[^\W_]+")  # letters and digits: what FTS5's unicode61 keeps

# General English function words: they carry no topic, and OR-ing them in would let every
# document match. Deliberately not domain words, so nothing here is tuned to one corpus.
_STOPWORD_TEXT = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing done down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me might more most must my myself no nor not now of off on once only or other
    our ours ourselves out over own please same shall she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself
    yourselves hi hello thanks thank dear regards im ive id dont cant wont didnt doesnt isnt don
    ll ve re
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _terms(text: str) -> list[str]:
    terms: list[str] = []
    for chunk in text[:MAX_QUERY_CHARS].lower().split():
        words = _WORD.findall(chunk)
        if len(words) > 1 and any(ch.isdigit() for ch in chunk):
            terms.append(" ".join(words))  # form names: "1099-int" -> phrase "1099 int"
            continue
        terms.extend(w for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit()))
    return terms


def fts_match_expression(text: str) -> str | None:
    """Return an FTS5 MATCH expression for `text`, or None when it has no searchable word."""
    unique = list(dict.fromkeys(term.replace('"', "") for term in _terms(text)))[:MAX_TERMS]
    unique = [term for term in unique if term.strip()]
    if not unique:
        return None
    return " OR ".join(f'"{term}"' for term in unique)


def bounded_query(text: str, max_chars: int = TOOL_QUERY_MAX_CHARS) -> str:
    """Return `text` cut to at most `max_chars`, at a word boundary when there is one."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ")
    return cut[:space] if space > max_chars // 2 else cut
