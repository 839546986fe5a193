"""Knowledge search over the synthetic bank's articles: relevant, ranked, and never crashing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keel.core.errors import InvalidInput
from keel.reference.world import World


def test_world_has_at_least_sixty_articles_with_ids_titles_and_bodies(world: World) -> None:
    articles = world.knowledge.all()
    assert len(articles) >= 60
    assert len({a.id for a in articles}) == len(articles)
    assert all(a.title and len(a.body.split()) >= 40 for a in articles)
    assert sum(1 for a in articles if a.steps) >= 50


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("I lost my debit card, what do I do", "KB-401"),
        ("how much cash am I allowed to pull out of an ATM in one day", "KB-101"),
        ("what time must I send a wire so it goes out today", "KB-204"),
        ("I cashed out my certificate early, does the penalty show on my taxes", "KB-302"),
        ("my W-8BEN is expiring", "KB-306"),
        ("got an email asking me to confirm my password and a code", "KB-403"),
        ("my father passed away, how does his estate get his money", "KB-703"),
        ("a creditor garnished my account", "KB-702"),
        ("why was I charged an overdraft fee", "KB-502"),
        ("how do I shut down my account", "KB-801"),
    ],
)
def test_paraphrased_questions_find_the_answering_article_in_the_top_three(
    world: World, query: str, expected: str
) -> None:
    hits = world.knowledge.search(query, k=3)
    assert expected in [hit.id for hit in hits], [(h.id, h.title) for h in hits]


def test_hits_are_ranked_best_first_with_snippets_from_the_body(world: World) -> None:
    hits = world.knowledge.search("international wire SWIFT IBAN fees", k=5)
    assert hits[0].id == "KB-205"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    body = world.knowledge.get("KB-205").body  # type: ignore[union-attr]
    assert hits[0].snippet.rstrip("…").lstrip("…") in body


@pytest.mark.parametrize(
    "query",
    [
        "AND OR NEAR(",
        '"',
        '""',
        "*",
        "title:wire",
        "wire*",
        "NOT",
        "(((",
        "^x",
        "'; DROP TABLE",
        "",
        "   ",
        "\x00",
        "a" * 10_000,
        "NEAR(card lost, 2)",
        "-card",
        'w-9 OR 1099-"INT"',
    ],
)
def test_hostile_fts_syntax_is_searched_as_plain_words(world: World, query: str) -> None:
    hits = world.knowledge.search(query)
    assert isinstance(hits, list)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_search_never_raises_on_arbitrary_text(world: World, text: str) -> None:
    assert len(world.knowledge.search(text, k=3)) <= 3


def test_k_below_one_is_refused_naming_the_field(world: World) -> None:
    with pytest.raises(InvalidInput) as error:
        world.knowledge.search("wire", k=0)
    assert error.value.field == "k"


def test_get_returns_none_for_an_unknown_id(world: World) -> None:
    assert world.knowledge.get("no-such-article") is None
    article = world.knowledge.get("KB-107")
    assert article is not None and article.topic == "withdrawals" and article.steps
