"""Reading your own documents: Markdown and JSON in, validated articles out, bad files named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keel.core.errors import InvalidInput
from keel.reference.world.documents import DocumentsRefused, read_documents


def write(folder: Path, name: str, text: str) -> Path:
    """Write `text` to folder/name, creating sub-folders, and return the path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_markdown_with_front_matter_keeps_its_id_title_topic_tags_and_steps(tmp_path: Path) -> None:
    write(
        tmp_path,
        "refunds.md",
        (
            "---\nid: POL-7\ntitle: Refund policy\ntopic: billing\n"
            "tags: [refund, money back]\n---\n"
            "Refunds are issued within 14 days of a return.\n\n## Steps\n\n1. Open Orders.\n"
            "2. Choose Return item.\n\n## Exceptions\n\nGift cards cannot be refunded.\n"
        ),
    )
    [article] = read_documents(tmp_path)
    assert (article.id, article.title, article.topic) == ("POL-7", "Refund policy", "billing")
    assert article.tags == ["refund", "money back"]
    assert article.steps == ["Open Orders.", "Choose Return item."]
    assert "14 days" in article.body and "Gift cards" in article.body
    assert "Open Orders" not in article.body
    assert article.source == "loaded"


def test_markdown_without_front_matter_takes_heading_stem_and_folder(tmp_path: Path) -> None:
    write(tmp_path, "guides/Reset Your PIN.md", "# How to reset a PIN\n\nCall us or use the app.\n")
    [article] = read_documents(tmp_path)
    assert article.id == "reset-your-pin"
    assert article.title == "How to reset a PIN"
    assert article.body == "Call us or use the app."
    assert article.topic == "guides"  # the folder it sits in


def test_json_file_may_hold_one_document_or_a_list(tmp_path: Path) -> None:
    write(tmp_path, "one.json", json.dumps({"id": "a", "title": "A", "content": "Alpha."}))
    write(
        tmp_path,
        "many.json",
        json.dumps(
            [
                {
                    "id": "b",
                    "title": "B",
                    "content": "Beta.",
                    "steps": ["one", "two"],
                    "topic": "t",
                },
                {"id": "c", "title": "C", "content": "Gamma.", "url": "ignored extra field"},
            ]
        ),
    )
    articles = {a.id: a for a in read_documents(tmp_path)}
    assert sorted(articles) == ["a", "b", "c"]
    assert articles["b"].steps == ["one", "two"] and articles["b"].topic == "t"


@pytest.mark.parametrize(
    ("name", "text", "field"),
    [
        (
            "faq.json",
            '[{"id": "x", "title": "X", "content": "ok"}, {"id": "y", "title": ""}]',
            "faq.json[1].title",
        ),
        ("faq.json", '{"id": "x", "title": "X"}', "faq.json.content"),
        ("faq.json", '{"id": "bad\\u0001id", "title": "X", "content": "c"}', "faq.json.id"),
        (
            "faq.json",
            '{"id": "x", "title": "X", "content": "c", "steps": "not a list"}',
            "faq.json.steps",
        ),
        ("faq.json", "{not json", "faq.json"),
        ("faq.json", "[]", "faq.json"),
        ("faq.json", '["just a string"]', "faq.json[0]"),
        ("notes.md", "no heading, no front matter\n", "notes.md.title"),
        ("notes.md", "---\ntitle: [unclosed\n---\nbody\n", "notes.md"),
        ("notes.md", "---\n- a\n- b\n---\nbody\n", "notes.md"),
        ("notes.md", "# Title only\n", "notes.md.content"),
    ],
)
def test_a_bad_document_is_refused_naming_the_file_and_field(
    tmp_path: Path, name: str, text: str, field: str
) -> None:
    write(tmp_path, "good.md", "# Fine\n\nA fine document.\n")
    write(tmp_path, name, text)
    with pytest.raises(InvalidInput) as error:
        read_documents(tmp_path)
    assert error.value.field == field
    assert name in error.value.message


def test_the_same_id_in_two_files_is_refused_naming_both(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "---\nid: same\n---\n# A\n\nText.\n")
    write(tmp_path, "b.json", json.dumps({"id": "same", "title": "B", "content": "Text."}))
    with pytest.raises(InvalidInput) as error:
        read_documents(tmp_path)
    assert "a.md" in error.value.message and "b.json" in error.value.message


def test_a_directory_without_documents_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "readme.txt", "not a document")
    with pytest.raises(InvalidInput, match=r"no \.md, \.json or \.jsonl"):
        read_documents(tmp_path)
    with pytest.raises(InvalidInput, match="not a directory"):
        read_documents(tmp_path / "missing")


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "latin.md").write_bytes("# Caf\xe9\n\ntext".encode("latin-1"))
    with pytest.raises(InvalidInput, match="UTF-8") as error:
        read_documents(tmp_path)
    assert error.value.field == "latin.md"


def test_any_id_a_users_files_have_is_kept(tmp_path: Path) -> None:
    ids = ["Rebates (2024)+", "KB 7/a", "réglement+frais", "a" * 256]
    documents = [{"id": i, "title": "T", "content": "Body."} for i in ids]
    write(tmp_path, "ids.json", json.dumps(documents))
    assert [a.id for a in read_documents(tmp_path)] == ids


def test_every_refused_file_is_listed_with_its_field_and_reason(tmp_path: Path) -> None:
    write(tmp_path, "good.md", "# Fine\n\nA fine document.\n")
    write(tmp_path, "a.json", json.dumps([{"id": "x", "title": "X"}, {"id": "", "title": "Y"}]))
    write(tmp_path, "notes.md", "no heading\n")
    write(tmp_path, "z-dup.json", json.dumps({"id": "good", "title": "D", "content": "c"}))
    with pytest.raises(DocumentsRefused) as error:
        read_documents(tmp_path)
    refused = [(r.file, r.field) for r in error.value.refused]
    assert refused == [
        ("a.json", "a.json[0].content"),
        ("a.json", "a.json[1].id"),
        ("notes.md", "notes.md.title"),
        ("z-dup.json", "z-dup.json.id"),  # good.md has the id already
    ]
    assert all(r.error for r in error.value.refused)


def test_topic_and_visibility_come_from_the_documents_metadata_or_folder(tmp_path: Path) -> None:
    write(tmp_path, "fees/overdraft.md", "# Overdraft\n\nThirty-four dollars.\n")
    write(tmp_path, "fees/wire.md", "---\ntopic: transfers\n---\n# Wire\n\nFee.\n")
    beir = [
        {"_id": "d1", "title": "T", "text": "Body.", "metadata": {"category": "tax"}},
        {"id": "d2", "title": "T", "content": "Body.", "metadata": {"visibility": "internal"}},
    ]
    write(tmp_path, "corpus.json", json.dumps(beir))
    articles = {a.id: a for a in read_documents(tmp_path)}
    assert {key: a.topic for key, a in articles.items()} == {
        "overdraft": "fees",
        "wire": "transfers",
        "d1": "tax",
        "d2": "general",
    }
    assert articles["d2"].visibility == "internal" and articles["d1"].visibility == "public"
