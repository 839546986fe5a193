"""The bank database: big enough, self-consistent, deterministic, and never an unmasked number."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from contextlib import closing

from keel.core.redaction import redact_text
from keel.reference.world import World
from keel.reference.world.bank_db import BANK_TABLES
from keel.reference.world.generate import generate_bank

_INTERNAL_ID = re.compile(r"\b(?:CUS-\d{4}|ACC-\d{5}|TXN-\d{6})\b")
_DATE_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2})?\b")


def _rows(world: World, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(world.bank_db_path)) as connection:
        return connection.execute(sql).fetchall()


def test_bank_has_at_least_200_customers_and_5000_transactions(world: World) -> None:
    counts = world.counts()
    assert counts["customers"] >= 200
    assert counts["transactions"] >= 5_000
    without_accounts = _rows(
        world,
        "SELECT count(*) FROM customers WHERE customer_id NOT IN"
        " (SELECT customer_id FROM accounts)",
    )
    assert without_accounts == [(0,)]


def test_no_text_in_the_bank_holds_an_unmasked_account_or_card_number(world: World) -> None:
    cells = 0
    for table in BANK_TABLES:
        for row in _rows(world, f"SELECT * FROM {table}"):
            for value in row:
                if not isinstance(value, str):
                    continue
                cells += 1
                assert redact_text(value) == value, value  # keel's own redaction finds nothing
                bare = _DATE_TIME.sub("", _INTERNAL_ID.sub("", value))
                assert not re.search(r"\d{5,}", bare), value
    assert cells > 100_000


def test_every_account_and_counterparty_is_shown_as_four_masked_digits(world: World) -> None:
    masks = _rows(world, "SELECT account_mask FROM accounts") + _rows(
        world, "SELECT counterparty_mask FROM transactions WHERE counterparty_mask IS NOT NULL"
    )
    assert masks and all(re.fullmatch(r"\*{4}\d{4}", mask) for (mask,) in masks)


def test_each_account_balance_is_its_last_running_balance(world: World) -> None:
    rows = _rows(
        world,
        "SELECT a.account_id, a.balance_usd, t.balance_after_usd FROM accounts a"
        " JOIN transactions t ON t.txn_id = (SELECT txn_id FROM transactions"
        " WHERE account_id = a.account_id"
        " ORDER BY posted_at DESC, txn_id DESC LIMIT 1)",
    )
    assert len(rows) > 400
    assert all(abs(balance - last) < 0.005 for _, balance, last in rows)


def test_overdraft_fees_follow_the_three_per_day_policy(world: World) -> None:
    fees = _rows(
        world,
        "SELECT account_id, substr(posted_at, 1, 10) FROM transactions"
        " WHERE description = 'OVERDRAFT FEE'",
    )
    assert fees and max(Counter(fees).values()) <= 3
    amounts = _rows(
        world, "SELECT DISTINCT amount_usd FROM transactions WHERE description = 'OVERDRAFT FEE'"
    )
    assert amounts == [(-34.0,)]


def test_the_same_seed_generates_the_same_bank_and_another_seed_does_not() -> None:
    first, second, other = generate_bank(7), generate_bank(7), generate_bank(8)
    assert first == second
    assert first.transactions != other.transactions
