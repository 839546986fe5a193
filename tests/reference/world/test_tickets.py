"""Labelled tickets: reproducible from the seed, enough of them, ambiguous where they say so."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from contextlib import closing

from keel.reference.world import Category, World
from keel.reference.world.build import SEED
from keel.reference.world.generate import generate_bank
from keel.reference.world.scenarios import all_scenarios
from keel.reference.world.tickets import (
    TRANSACTION_NEEDS,
    generate_tickets,
    packaged_tickets_bytes,
    tickets_jsonl,
)


def test_regenerating_from_the_seed_reproduces_the_committed_file_byte_for_byte() -> None:
    regenerated = tickets_jsonl(generate_tickets(SEED, generate_bank(SEED))).encode()
    assert regenerated == packaged_tickets_bytes(), (
        "run `python -m keel.reference.world.regenerate_tickets` and commit data/tickets.jsonl"
    )


def test_at_least_300_tickets_and_a_fifth_of_them_ambiguous(world: World) -> None:
    tickets = world.tickets()
    assert len(tickets) >= 300
    assert len({t.ticket_id for t in tickets}) == len(tickets)
    ambiguous = [t for t in tickets if t.ambiguous_between]
    assert len(ambiguous) / len(tickets) >= 0.20
    assert set(Counter(t.gold_category for t in tickets)) == set(Category)
    assert set(Counter(t.difficulty for t in tickets)) == {"easy", "medium", "hard"}


def test_an_ambiguous_ticket_is_between_its_gold_category_and_one_other(world: World) -> None:
    for ticket in world.tickets():
        if ticket.ambiguous_between:
            first, second = ticket.ambiguous_between
            assert first != second and ticket.gold_category in (first, second)
            assert list(ticket.ambiguous_between) == sorted(ticket.ambiguous_between)


def test_gold_articles_and_customers_exist_in_the_world(world: World) -> None:
    article_ids = {a.id for a in world.knowledge.all()}
    with closing(sqlite3.connect(world.bank_db_path)) as connection:
        customer_ids = {r[0] for r in connection.execute("SELECT customer_id FROM customers")}
    for ticket in world.tickets():
        assert ticket.gold_article_ids and set(ticket.gold_article_ids) <= article_ids
        assert ticket.customer_id in customer_ids


def test_ticket_texts_are_fully_rendered(world: World) -> None:
    for ticket in world.tickets():
        assert "{" not in ticket.text and "}" not in ticket.text, ticket.text
        assert "  " not in ticket.text and "$ " not in ticket.text, ticket.text
        assert not re.search(r"\b(on|of|at) [.,?]", ticket.text), ticket.text


def test_tickets_about_a_transaction_quote_one_the_customer_really_made(world: World) -> None:
    about_transactions = {
        s.key for s in all_scenarios() if s.need in TRANSACTION_NEEDS and not s.amount
    }
    checked = 0
    with closing(sqlite3.connect(world.bank_db_path)) as connection:
        for ticket in world.tickets():
            quoted = re.search(r"\$([\d,]+(?:\.\d\d)?)", ticket.text)
            if ticket.scenario not in about_transactions or not quoted:
                continue
            amount = float(quoted.group(1).replace(",", ""))
            found = connection.execute(
                "SELECT count(*) FROM transactions WHERE customer_id = ? AND abs(amount_usd) = ?",
                (ticket.customer_id, amount),
            ).fetchone()[0]
            assert found, ticket
            checked += 1
    assert checked >= 50


def test_a_ticket_can_be_looked_up_by_id(world: World) -> None:
    first = world.tickets()[0]
    assert world.ticket(first.ticket_id) == first
    assert world.ticket("T-9999") is None
