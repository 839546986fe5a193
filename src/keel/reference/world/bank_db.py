"""Write the generated bank into its SQLite file (KEEL_HOME/world/bank.db) and describe it."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from keel.reference.world.bank import Account, Customer
from keel.reference.world.ledger import Transaction

BANK_TABLES = ("customers", "accounts", "transactions")

_SCHEMA = """
CREATE TABLE customers (
    customer_id TEXT PRIMARY KEY,
    full_name TEXT NOT NULL,
    email_masked TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    city TEXT NOT NULL,
    state TEXT NOT NULL,
    segment TEXT NOT NULL,
    age_band TEXT NOT NULL,
    joined_on TEXT NOT NULL,
    tax_residency TEXT NOT NULL,
    tax_form TEXT NOT NULL,
    kyc_status TEXT NOT NULL
);
CREATE TABLE accounts (
    account_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (customer_id),
    product TEXT NOT NULL,
    account_mask TEXT NOT NULL CHECK (account_mask GLOB '[*][*][*][*][0-9][0-9][0-9][0-9]'),
    opened_on TEXT NOT NULL,
    status TEXT NOT NULL,
    apy_percent REAL NOT NULL,
    overdraft_opt_in INTEGER NOT NULL,
    maturity_on TEXT,
    balance_usd REAL NOT NULL
);
CREATE TABLE transactions (
    txn_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    customer_id TEXT NOT NULL REFERENCES customers (customer_id),
    posted_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount_usd REAL NOT NULL,
    balance_after_usd REAL NOT NULL,
    description TEXT NOT NULL,
    category TEXT,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    counterparty_mask TEXT,
    country TEXT NOT NULL
);
"""
# Built after the rows are in: one sort per index instead of one B-tree insert per row.
_INDEXES = """
CREATE INDEX ix_accounts_customer ON accounts (customer_id);
CREATE INDEX ix_transactions_customer_posted ON transactions (customer_id, posted_at);
CREATE INDEX ix_transactions_account_posted ON transactions (account_id, posted_at);
"""


def _usd(cents: int) -> float:
    return cents / 100


def write_bank_db(
    path: Path,
    customers: list[Customer],
    accounts: list[Account],
    transactions: list[Transaction],
    balances: dict[str, int],
) -> None:
    """Create the bank database at `path` (which must not exist) and fill it."""
    with closing(sqlite3.connect(path)) as connection, connection:
        # The file is built in a staging directory and renamed into place when complete, so
        # durability during the build buys nothing.
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA journal_mode=MEMORY")
        connection.executescript(_SCHEMA)
        connection.executemany(
            f"INSERT INTO customers VALUES ({', '.join('?' * 12)})",
            [tuple(c.__dict__.values()) for c in customers],
        )
        connection.executemany(
            f"INSERT INTO accounts VALUES ({', '.join('?' * 10)})",
            [
                (
                    a.account_id,
                    a.customer_id,
                    a.product,
                    a.account_mask,
                    a.opened_on,
                    a.status,
                    a.apy_percent,
                    int(a.overdraft_opt_in),
                    a.maturity_on,
                    _usd(balances[a.account_id]),
                )
                for a in accounts
            ],
        )
        connection.executemany(
            f"INSERT INTO transactions VALUES ({', '.join('?' * 13)})",
            [
                (
                    t.txn_id,
                    t.account_id,
                    t.customer_id,
                    t.posted_at,
                    t.kind,
                    _usd(t.amount_cents),
                    _usd(t.balance_after_cents),
                    t.description,
                    t.category,
                    t.channel,
                    t.status,
                    t.counterparty_mask,
                    t.country,
                )
                for t in transactions
            ],
        )
        connection.executescript(_INDEXES)


def bank_counts(path: Path) -> dict[str, int]:
    """Return the row count of each bank table."""
    uri = path.resolve().as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as connection:
        return {
            table: int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in BANK_TABLES
        }
