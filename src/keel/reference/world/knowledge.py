"""The knowledge base: articles in SQLite with an FTS5 index ranked by bm25.

The world's own database (not keel's run store): one file, KEEL_HOME/world/knowledge.db, read
by the MCP tools and written by `keel world build` and `keel kb load`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from keel.core.errors import InvalidInput
from keel.reference.world.articles import Article
from keel.reference.world.search_query import fts_match_expression

MAX_K = 50
SNIPPET_TOKENS = 24
# bm25 column weights for (title, body, steps, tags): a title match says most about a document.
_BM25 = "bm25(articles_fts, 4.0, 1.0, 0.8, 2.0)"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    steps TEXT NOT NULL,
    tags TEXT NOT NULL,
    topic TEXT NOT NULL,
    source TEXT NOT NULL,
    visibility TEXT NOT NULL DEFAULT 'public'
);
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
    title, body, steps, tags, content='articles', content_rowid='pk',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS articles_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, body, steps, tags)
    VALUES (new.pk, new.title, new.body, new.steps, new.tags);
END;
CREATE TRIGGER IF NOT EXISTS articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body, steps, tags)
    VALUES ('delete', old.pk, old.title, old.body, old.steps, old.tags);
END;
CREATE TRIGGER IF NOT EXISTS articles_au AFTER UPDATE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body, steps, tags)
    VALUES ('delete', old.pk, old.title, old.body, old.steps, old.tags);
    INSERT INTO articles_fts(rowid, title, body, steps, tags)
    VALUES (new.pk, new.title, new.body, new.steps, new.tags);
END;
"""


@dataclass(frozen=True)
class SearchHit:
    """One ranked search result; `score` is the negated bm25, so higher is better."""

    id: str
    title: str
    snippet: str
    score: float


@dataclass(frozen=True)
class LoadCounts:
    """What a load changed: new ids, changed ids, identical ids, and ids removed by --replace."""

    inserted: int
    updated: int
    unchanged: int
    removed: int
    total: int


def _row_to_article(row: sqlite3.Row) -> Article:
    columns = row.keys()  # `in row` would search the values of a sqlite3.Row
    return Article(
        id=row["id"],
        title=row["title"],
        body=row["body"],
        steps=json.loads(row["steps"]),
        topic=row["topic"],
        tags=json.loads(row["tags"]),
        source=row["source"],
        # a knowledge.db built before documents had a visibility holds public ones only
        visibility=row["visibility"] if "visibility" in columns else "public",
    )


def _article_row(article: Article) -> tuple[str, ...]:
    return (
        article.id,
        article.title,
        article.body,
        json.dumps(article.steps, ensure_ascii=False),
        json.dumps(article.tags, ensure_ascii=False),
        article.topic,
        article.source,
        article.visibility,
    )


class KnowledgeBase:
    """Search and read articles in one knowledge.db; each call opens its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        # A connection per call: safe from any thread, and readers never see a half-built file.
        uri = self.path.resolve().as_uri() + ("?mode=rwc" if write else "?mode=ro")
        with closing(sqlite3.connect(uri, uri=True, timeout=30)) as connection:
            connection.row_factory = sqlite3.Row
            yield connection

    def create(self, articles: Sequence[Article]) -> None:
        """Create the schema and store `articles` (used when the world is built)."""
        with self._connect(write=True) as connection, connection:
            connection.execute("PRAGMA journal_mode=MEMORY")  # built in staging, then renamed
            connection.executescript(_SCHEMA)
            connection.executemany(
                "INSERT INTO articles (id, title, body, steps, tags, topic, source, visibility)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [_article_row(article) for article in articles],
            )

    def search(self, query: str, k: int = 5) -> list[SearchHit]:
        """Return up to `k` articles matching `query`, best first; [] when nothing matches."""
        if k < 1:
            raise InvalidInput("k must be at least 1", field="k")
        expression = fts_match_expression(query if isinstance(query, str) else str(query))
        if expression is None:
            return []
        sql = (
            f"SELECT a.id, a.title, {_BM25} AS rank,"
            f" snippet(articles_fts, 1, '', '', '…', {SNIPPET_TOKENS}) AS snippet"
            " FROM articles_fts JOIN articles a ON a.pk = articles_fts.rowid"
            f" WHERE articles_fts MATCH ? ORDER BY rank, a.id LIMIT ?"
        )
        with self._connect() as connection:
            rows = connection.execute(sql, (expression, min(k, MAX_K))).fetchall()
        return [
            SearchHit(r["id"], r["title"], r["snippet"], score=round(-r["rank"], 4)) for r in rows
        ]

    def ranked_ids(self, query: str, limit: int) -> list[str]:
        """Return the ids of the `limit` best bm25 matches of `query` (no snippets: cheap)."""
        expression = fts_match_expression(query if isinstance(query, str) else str(query))
        if expression is None:
            return []
        sql = (
            f"SELECT a.id, {_BM25} AS rank FROM articles_fts"
            " JOIN articles a ON a.pk = articles_fts.rowid"
            " WHERE articles_fts MATCH ? ORDER BY rank, a.id LIMIT ?"
        )
        with self._connect() as connection:
            return [row["id"] for row in connection.execute(sql, (expression, limit))]

    def get(self, article_id: str) -> Article | None:
        """Return the article with `article_id`, or None."""
        with self._connect() as connection:
            row = connection.execute(
                "SELECT * FROM articles WHERE id = ?", (article_id,)
            ).fetchone()
        return None if row is None else _row_to_article(row)

    def all(self) -> list[Article]:
        """Return every article, ordered by id."""
        with self._connect() as connection:
            rows = connection.execute("SELECT * FROM articles ORDER BY id").fetchall()
        return [_row_to_article(row) for row in rows]

    def count(self) -> int:
        """Return how many articles the knowledge base holds."""
        with self._connect() as connection:
            return int(connection.execute("SELECT count(*) FROM articles").fetchone()[0])

    def upsert(self, articles: Sequence[Article], *, replace: bool = False) -> LoadCounts:
        """Insert or update `articles` by id in one transaction; `replace` drops all others."""
        with self._connect(write=True) as connection, connection:
            connection.execute("BEGIN IMMEDIATE")
            existing = {
                row["id"]: _article_row(_row_to_article(row))
                for row in connection.execute("SELECT * FROM articles")
            }
            incoming = {article.id: _article_row(article) for article in articles}
            removed = [key for key in existing if key not in incoming] if replace else []
            connection.executemany("DELETE FROM articles WHERE id = ?", [(k,) for k in removed])
            changed = [row for key, row in incoming.items() if existing.get(key) != row]
            connection.executemany(
                "INSERT INTO articles (id, title, body, steps, tags, topic, source, visibility)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
                " title = excluded.title, body = excluded.body, steps = excluded.steps,"
                " tags = excluded.tags, topic = excluded.topic, source = excluded.source,"
                " visibility = excluded.visibility",
                changed,
            )
            total = connection.execute("SELECT count(*) FROM articles").fetchone()[0]
        inserted = sum(1 for key in incoming if key not in existing)
        return LoadCounts(
            inserted=inserted,
            updated=len(changed) - inserted,
            unchanged=len(incoming) - len(changed),
            removed=len(removed),
            total=int(total),
        )
