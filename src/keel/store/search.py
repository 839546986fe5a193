"""Full-text search over runs' ticket text and answers: SQLite FTS5, PostgreSQL tsvector.

What is searched is `run_texts.body`, written with the run by `write_runs` from its sealed
(already redacted) record and re-masked by `keel redact` like every stored text, so search only
ever sees redacted words. The index is one per dialect, made by migration 0010 and kept in
step by the database itself: on SQLite an external-content FTS5 table (`run_texts_fts`,
porter-stemmed) that triggers on `run_texts` update; on PostgreSQL a generated column
`search_vector = to_tsvector('english', body)` (English stemming and stop words) with a GIN
index (`run_texts_fts_gin`).

A query is reduced to its words (letters and digits) and every word must match: no operators,
so no input can be a syntax error in either database's query language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, column, func, literal_column, select, table
from sqlalchemy.orm import Session

from keel.core.errors import InvalidInput
from keel.store.models import Run, RunText

#: Names of the per-dialect search objects the models cannot declare (migration 0010).
SEARCH_INDEX_PREFIX = "run_texts_fts"
SEARCH_VECTOR = "search_vector"
MAX_WORDS = 16
#: Words in one run in COMMON_SHARE or more are matched run by run (`_sqlite_match`,
#: `_postgres_match`); measured on SQLite at 100,000 runs, the two plans cost the same at about
#: one run in eight.
COMMON_SHARE = 8
#: On PostgreSQL, fewer matches than this are read before the runs (`_postgres_match`);
#: measured at 100,000 runs: a word in 1% of runs 73 → 29 ms median, common words unchanged.
RARE_MATCHES = 2_000
MAX_BODY_CHARS = 20_000
_WORD = re.compile(r"\w+")
_ENGLISH: ColumnElement[Any] = literal_column("'english'::regconfig")
_FTS = table(SEARCH_INDEX_PREFIX, column("rowid"))


def _strings(value: Any) -> Iterator[str]:
    """Yield the string leaves of a JSON value, in document order."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def search_body(inputs: Any, output: Any) -> str:
    """Return the searchable text of a run: its inputs' strings, then its output's."""
    body = "\n".join([*_strings(inputs), *_strings(output)])
    return body[:MAX_BODY_CHARS]


def search_words(query: str) -> tuple[str, ...]:
    """Return the words of a search query, lower-cased; InvalidInput when it has none."""
    words = tuple(_WORD.findall(query.lower()))
    if not words:
        raise InvalidInput("search: give at least one word (letters or digits)", field="search")
    if len(words) > MAX_WORDS:
        raise InvalidInput(f"search: at most {MAX_WORDS} words", field="search")
    return words


def matches_search(session: Session, words: Sequence[str]) -> ColumnElement[bool]:
    """Return the condition that a run's text contains every one of `words` (stemmed)."""
    if session.get_bind().dialect.name != "postgresql":
        return _sqlite_match(session, words)
    return _postgres_match(session, words)


def _postgres_match(session: Session, words: Sequence[str]) -> ColumnElement[bool]:
    """The tsvector match, with rare words' matches read first.

    Left to itself, PostgreSQL walks the runs in the page's order and probes each against the
    matches, hoping to fill the page early: right for a common word, slow for a rare one (the
    rarer, the more runs it walks). Counting at most RARE_MATCHES matches through the GIN index
    tells which; a rare word's matches are then read first, as a materialised CTE the planner
    cannot fold back into that walk.
    """
    vector: ColumnElement[Any] = literal_column(f"{RunText.__tablename__}.{SEARCH_VECTOR}")
    matching = vector.op("@@")(func.plainto_tsquery(_ENGLISH, " ".join(words)))
    found = select(RunText.run_id).where(matching)
    counted = select(func.count()).select_from(found.limit(RARE_MATCHES).subquery())
    if (session.scalar(counted) or 0) >= RARE_MATCHES:
        return Run.run_id.in_(found)
    first = found.cte("search_matches").prefix_with("MATERIALIZED")
    return Run.run_id.in_(select(first.c.run_id))


def _sqlite_match(session: Session, words: Sequence[str]) -> ColumnElement[bool]:
    """FTS5's match, planned by how common the words are (SQLite cannot weigh this itself).

    A rare word: the runs whose ids FTS5 lists (cost grows with the matches). A common one:
    walk the runs in the page's order and ask FTS5 about each (cost grows with the rows walked,
    about limit / share). Counting the matches first costs a read of the doclists only.
    """
    # Each word quoted: an FTS5 string, never an operator (AND, NEAR, a column filter).
    phrase = " ".join(f'"{word}"' for word in words)
    matching = literal_column(SEARCH_INDEX_PREFIX).op("MATCH")(phrase)
    matches = session.scalar(select(func.count()).select_from(_FTS).where(matching)) or 0
    texts = session.scalar(select(func.max(RunText.id))) or 0
    found = select(RunText.run_id).join(_FTS, _FTS.c.rowid == RunText.id).where(matching)
    if matches * COMMON_SHARE >= texts:
        return found.where(RunText.run_id == Run.run_id).exists()
    return Run.run_id.in_(found)


def is_search_index(name: str | None) -> bool:
    """Return whether a table, column or index name is one of the per-dialect search objects."""
    return bool(name and (name.startswith(SEARCH_INDEX_PREFIX) or name == SEARCH_VECTOR))
