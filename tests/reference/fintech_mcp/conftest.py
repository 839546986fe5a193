"""Fixtures for keel's fintech MCP server: its stdio parameters and a small bank for the guard."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from mcp import StdioServerParameters

from tests.mcp.conftest import MCP_CLI, keel_env


def keel_server(home: Path) -> StdioServerParameters:
    """Stdio parameters that start `keel mcp serve` on the world in `home`."""
    return StdioServerParameters(
        command=MCP_CLI[0], args=[*MCP_CLI[1:], "serve"], env=keel_env(None, home)
    )


@pytest.fixture(scope="session")
def bank_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small SQLite bank with the world's three tables; enough rows to make cross joins slow."""
    path = tmp_path_factory.mktemp("bank") / "bank.db"
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.executescript(
            "CREATE TABLE customers (customer_id TEXT PRIMARY KEY, full_name TEXT, segment TEXT);"
            "CREATE TABLE accounts (account_id TEXT PRIMARY KEY, customer_id TEXT,"
            " account_mask TEXT, balance_usd REAL);"
            "CREATE TABLE transactions (txn_id TEXT PRIMARY KEY, account_id TEXT,"
            " customer_id TEXT, posted_at TEXT, kind TEXT, amount_usd REAL, description TEXT,"
            " category TEXT, counterparty_mask TEXT);"
        )
        connection.executemany(
            "INSERT INTO customers VALUES (?, ?, ?)",
            [(f"CUS-{n:04d}", f"Customer {n}", ("everyday", "premier")[n % 2]) for n in range(20)],
        )
        connection.executemany(
            "INSERT INTO accounts VALUES (?, ?, ?, ?)",
            [
                (f"ACC-{n:05d}", f"CUS-{n % 20:04d}", f"****{1000 + n}", 100.0 * n)
                for n in range(40)
            ],
        )
        connection.executemany(
            "INSERT INTO transactions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    f"TXN-{n:06d}",
                    f"ACC-{n % 40:05d}",
                    f"CUS-{n % 20:04d}",
                    f"2025-{1 + n % 6:02d}-{1 + n % 28:02d}T10:00:00",
                    ("atm", "card", "wire")[n % 3],
                    -float(n % 300),
                    f"ATM withdrawal {n}" if n % 3 == 0 else f"purchase {n}",
                    None if n % 5 else "fees",
                    None,
                )
                for n in range(1000)
            ],
        )
    return path
