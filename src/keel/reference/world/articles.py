"""Knowledge articles: the record type, and the bank's policy articles shipped as package data."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources


@dataclass(frozen=True)
class Article:
    """One knowledge-base document; `source` says where it came from ("world" or a loaded dir);
    an `internal` one may inform an answer but never be quoted or cited in it."""

    id: str
    title: str
    body: str
    steps: list[str] = field(default_factory=list)
    topic: str = "general"
    tags: list[str] = field(default_factory=list)
    source: str = "world"
    visibility: str = "public"


def _article_files() -> list[resources.abc.Traversable]:
    folder = resources.files("keel.reference.world") / "data" / "articles"
    return sorted(
        (item for item in folder.iterdir() if item.name.endswith(".json")),
        key=lambda item: item.name,
    )


def world_articles() -> list[Article]:
    """Return the synthetic bank's policy articles, in file then listing order."""
    articles: list[Article] = []
    for item in _article_files():
        for raw in json.loads(item.read_text(encoding="utf-8")):
            articles.append(
                Article(
                    id=raw["id"],
                    title=raw["title"],
                    body=raw["body"],
                    steps=list(raw.get("steps", [])),
                    topic=raw["topic"],
                    tags=list(raw.get("tags", [])),
                )
            )
    return articles


def articles_fingerprint() -> str:
    """Return a SHA-256 over the article data files, so a changed corpus rebuilds the world."""
    digest = hashlib.sha256()
    for item in _article_files():
        digest.update(item.name.encode())
        digest.update(item.read_bytes())
    return digest.hexdigest()
