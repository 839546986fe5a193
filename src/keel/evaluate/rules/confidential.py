"""Confidential material in an answer: an internal document cited or quoted, a tool named.

A run declares what its answer must not reveal in `metrics["withheld"]` (`Withheld`): the
internal documents it was given, as hashed word shingles so keel's store never holds their text,
and the names of the tools it could call. The `confidential` rules of the packs
(packs/confidential.toml) then fire when the output cites an internal document, repeats
`min_quote_words` consecutive words of one (after case and punctuation are folded), or names a
tool (any spelling: `knowledge.search`, `knowledge_search`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Consecutive words that make a quote (a shared 8-word run is not a coincidence in policy text).
QUOTE_WORDS = 8
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _words(text: str) -> list[re.Match[str]]:
    return list(_WORD.finditer(text.lower()))


def _digest(words: Sequence[str]) -> str:
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:16]


def shingles(text: str, n: int = QUOTE_WORDS) -> list[str]:
    """Return the digests of every run of `n` consecutive words of `text` (folded), in order."""
    words = [m.group() for m in _words(text)]
    return [_digest(words[i : i + n]) for i in range(max(0, len(words) - n + 1))]


@dataclass(frozen=True)
class Withheld:
    """What an answer must not reveal: internal documents (id -> shingles) and tool names."""

    documents: Mapping[str, frozenset[str]] = field(default_factory=dict)
    tool_names: tuple[str, ...] = ()
    quote_words: int = QUOTE_WORDS

    @classmethod
    def from_metrics(cls, metrics: Mapping[str, Any] | None) -> Withheld | None:
        """Return the `withheld` declaration of a run's metrics, or None when it has none."""
        raw = (metrics or {}).get("withheld")
        if not isinstance(raw, dict):
            return None
        documents = {
            str(doc["id"]): frozenset(map(str, doc.get("shingles", [])))
            for doc in raw.get("internal_documents", [])
            if isinstance(doc, dict) and "id" in doc
        }
        tools = tuple(str(name) for name in raw.get("tool_names", []) if name)
        return cls(documents, tools, int(raw.get("quote_words", QUOTE_WORDS)))

    def as_metrics(self) -> dict[str, Any]:
        """Return this declaration as a run stores it under `metrics["withheld"]`."""
        return {
            "internal_documents": [
                {"id": doc_id, "shingles": sorted(found)}
                for doc_id, found in self.documents.items()
            ],
            "tool_names": list(self.tool_names),
            "quote_words": self.quote_words,
        }


def withheld_documents(documents: Iterable[tuple[str, str]], tool_names: Iterable[str]) -> Withheld:
    """Return what to withhold given the internal documents (id, text) and the tool names."""
    return Withheld(
        {doc_id: frozenset(shingles(text)) for doc_id, text in documents}, tuple(tool_names)
    )


@dataclass(frozen=True)
class Leak:
    """Where an answer reveals withheld material: the check, the field, offsets, the text."""

    check: str
    field: str
    start: int
    end: int
    text: str


def cited_internal(output: Mapping[str, Any], withheld: Withheld) -> Leak | None:
    """Return the first citation of an internal document in `output`."""
    for index, citation in enumerate(output.get("citations") or []):
        cited = citation.get("id") if isinstance(citation, dict) else citation
        if isinstance(cited, str) and cited in withheld.documents:
            return Leak("cites_internal", f"citations[{index}]", 0, len(cited), cited)
    return None


def quoted_internal(texts: Sequence[tuple[str, str]], withheld: Withheld) -> Leak | None:
    """Return the first run of `quote_words` or more words of a text an internal document holds."""
    every = frozenset().union(*withheld.documents.values()) if withheld.documents else frozenset()
    n = withheld.quote_words
    for name, text in texts:
        words = _words(text)
        found = [
            _digest([m.group() for m in words[i : i + n]]) in every
            for i in range(max(0, len(words) - n + 1))
        ]
        if True in found:
            first = last = found.index(True)
            while last + 1 < len(found) and found[last + 1]:  # the whole quoted run
                last += 1
            start, end = words[first].start(), words[last + n - 1].end()
            return Leak("quotes_internal", name, start, end, text[start:end])
    return None


def named_tool(texts: Sequence[tuple[str, str]], withheld: Withheld) -> Leak | None:
    """Return the first mention of one of the run's tool names (any separator spelling)."""
    for tool in withheld.tool_names:
        parts = [re.escape(part) for part in re.split(r"[._\-/]+", tool) if part]
        if not parts:
            continue
        pattern = re.compile(r"(?<![\w])" + r"[._\-/]".join(parts) + r"(?![\w])", re.IGNORECASE)
        if len(parts) == 1:  # a one-word tool name ("search") is an ordinary word in an answer
            continue
        for name, text in texts:
            if match := pattern.search(text):
                return Leak("names_tools", name, match.start(), match.end(), match.group())
    return None
