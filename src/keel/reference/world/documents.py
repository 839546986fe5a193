"""Read a directory of your own documents (Markdown, JSON or JSON Lines) as articles.

Markdown: optional YAML front matter (id, title, topic, tags, steps, visibility); otherwise the
first `# heading` is the title and the file stem the id. A section headed "Steps" whose items
are a list becomes the article's steps. JSON: one object or a list of objects with id (or _id),
title, content (or text) and optionally steps, topic, tags, visibility, and a `metadata` object
that may hold topic, category or visibility; JSON Lines (`.jsonl`, BEIR's corpus.jsonl): one
such object per line. A document's topic is its own (`topic`, `category`, or in `metadata`),
else the folder it sits in under DIR, else "general". An id is any text the user's files use
(`KB (v2)+`), up to 256 characters without control characters.

Every file is validated before anything is stored; `DocumentsRefused` lists every refused file
with the field at fault and why, not only the first.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from keel.core.errors import InvalidInput
from keel.reference.world.articles import Article


class Refusal(BaseModel):
    """One refused file (or document in it): where, the field at fault, and why."""

    file: str
    field: str
    error: str


class DocumentsRefused(InvalidInput):
    """Some files cannot be loaded; `refused` says which and why (nothing was stored)."""

    def __init__(self, refused: list[Refusal]) -> None:
        first = refused[0]
        more = f" (and {len(refused) - 1} more refused)" if len(refused) > 1 else ""
        super().__init__(f"{first.field}: {first.error}{more}", field=first.field)
        self.refused = refused


MARKDOWN_SUFFIXES = (".md", ".markdown")
SUPPORTED_SUFFIXES = (*MARKDOWN_SUFFIXES, ".json", ".jsonl")
MAX_FILE_BYTES = 64 * 1024 * 1024
LOADED_SOURCE = "loaded"
ID_PATTERN = r"^[^\x00-\x1f\x7f]{1,256}$"
VISIBILITIES = ("public", "internal")

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+(.+)$")

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class DocumentIn(BaseModel):
    """One document as a user writes it; becomes an Article once validated."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=ID_PATTERN)]
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    content: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    steps: list[NonEmpty] = Field(default_factory=list, max_length=100)
    topic: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] = (
        "general"
    )
    tags: list[NonEmpty] = Field(default_factory=list, max_length=50)
    visibility: Literal["public", "internal"] = "public"

    def article(self) -> Article:
        """Return this document as a knowledge-base article."""
        return Article(
            self.id,
            self.title,
            self.content,
            list(self.steps),
            self.topic,
            list(self.tags),
            LOADED_SOURCE,
            self.visibility,
        )


def slug(stem: str) -> str:
    """Return `stem` as an id: lower case, runs of other characters turned into one hyphen."""
    return re.sub(r"[^a-z0-9._:]+", "-", stem.lower()).strip("-.")


def _with_metadata(raw: dict[str, Any], folder_topic: str | None) -> dict[str, Any]:
    """Return `raw` with content, topic and visibility taken from where users put them."""
    found_metadata = raw.get("metadata")
    metadata: dict[str, Any] = found_metadata if isinstance(found_metadata, dict) else {}
    merged = dict(raw)
    if "content" not in merged and "text" in merged:  # BEIR-style corpora: {_id, title, text}
        merged["content"] = merged["text"]
    if "id" not in merged and "_id" in merged:
        merged["id"] = merged["_id"]
    for key in ("topic", "visibility"):
        if key not in merged:
            found = metadata.get(key, merged.get("category") if key == "topic" else None)
            if key == "topic" and found is None:
                found = metadata.get("category", folder_topic)
            if found is not None:
                merged[key] = found
    return merged


def _validated(raw: Any, where: str, folder_topic: str | None) -> Article:
    if not isinstance(raw, dict):
        raise InvalidInput(f"{where}: expected a JSON object with id, title, content", field=where)
    try:
        return DocumentIn.model_validate(_with_metadata(raw, folder_topic)).article()
    except ValidationError as exc:
        error = exc.errors()[0]
        path = ".".join(str(part) for part in error["loc"])
        raise InvalidInput(f"{where}.{path}: {error['msg']}", field=f"{where}.{path}") from None


def _json_documents(text: str, name: str, folder_topic: str | None) -> list[tuple[str, Article]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{name}: not valid JSON ({exc})", field=name) from None
    if isinstance(data, list):
        if not data:
            raise InvalidInput(f"{name}: the list holds no documents", field=name)
        found, refused = [], []
        for index, item in enumerate(data):
            where = f"{name}[{index}]"
            try:
                found.append((where, _validated(item, where, folder_topic)))
            except InvalidInput as exc:
                refused.append(_refusal(name, exc))
        if refused:
            raise DocumentsRefused(refused)
        return found
    return [(name, _validated(data, name, folder_topic))]


def _front_matter(text: str, name: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{name}: front matter is not valid YAML ({exc})", field=name) from None
    if not isinstance(meta, dict):
        raise InvalidInput(f"{name}: front matter must be key: value pairs", field=name)
    return meta, text[match.end() :]


def _split_steps(body: str) -> tuple[str, list[str]]:
    """Return `body` without its "Steps" section, and that section's list items."""
    headings = list(_HEADING.finditer(body))
    for index, heading in enumerate(headings):
        if heading.group(2).strip().lower().rstrip(":") not in ("steps", "how to", "what to do"):
            continue
        level = len(heading.group(1))
        end = next(
            (h.start() for h in headings[index + 1 :] if len(h.group(1)) <= level), len(body)
        )
        items = [
            m.group(1).strip()
            for line in body[heading.end() : end].splitlines()
            if (m := _LIST_ITEM.match(line))
        ]
        if items:
            return (body[: heading.start()] + body[end:]).strip(), items
    return body, []


def _markdown_document(text: str, name: str, stem: str, folder_topic: str | None) -> Article:
    meta, body = _front_matter(text, name)
    if "title" not in meta:
        heading = _HEADING.search(body)
        if heading is None:
            raise InvalidInput(
                f"{name}: no title (add `title:` front matter or start with a `# heading`)",
                field=f"{name}.title",
            )
        meta["title"] = heading.group(2)
        body = body[heading.end() :]
    body, steps = _split_steps(body)
    meta.setdefault("id", slug(stem))
    if steps and "steps" not in meta:
        meta["steps"] = steps
    return _validated({**meta, "content": body.strip()}, name, folder_topic)


def _file_documents(path: Path, name: str) -> list[tuple[str, Article]]:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidInput(f"{name}: larger than {MAX_FILE_BYTES} bytes", field=name)
    try:
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise InvalidInput(f"{name}: not UTF-8 text", field=name) from None
    folders = Path(name).parts[:-1]
    folder_topic = folders[0] if folders else None
    if path.suffix.lower() == ".jsonl":  # one document per line (BEIR's corpus.jsonl)
        lines = [line for line in text.splitlines() if line.strip()]
        return _json_documents(f"[{','.join(lines)}]", name, folder_topic)
    if path.suffix.lower() == ".json":
        return _json_documents(text, name, folder_topic)
    return [(name, _markdown_document(text, name, path.stem, folder_topic))]


def _refusal(file: str, error: InvalidInput) -> Refusal:
    field = error.field or file
    prefix = f"{field}: "
    reason = error.message[len(prefix) :] if error.message.startswith(prefix) else error.message
    return Refusal(file=file, field=field, error=reason)


def read_documents(directory: Path) -> list[Article]:
    """Return every document under `directory`, validated, with ids unique across files.

    Raises `DocumentsRefused` listing every refused file when any is.
    """
    if not directory.is_dir():
        raise InvalidInput(f"{directory} is not a directory", field="DIR")
    files = sorted(
        p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
    )
    if not files:
        raise InvalidInput(f"no .md, .json or .jsonl documents under {directory}", field="DIR")
    articles: list[Article] = []
    refused: list[Refusal] = []
    seen: dict[str, str] = {}
    for path in files:
        name = path.relative_to(directory).as_posix()
        try:
            found = _file_documents(path, name)
        except DocumentsRefused as exc:
            refused += exc.refused
            continue
        except InvalidInput as exc:
            refused.append(_refusal(name, exc))
            continue
        for where, article in found:
            if article.id in seen:
                error = f"id {article.id!r} is already used by {seen[article.id]}"
                refused.append(Refusal(file=name, field=f"{where}.id", error=error))
                continue
            seen[article.id] = where
            articles.append(article)
    if refused:
        raise DocumentsRefused(refused)
    return articles
