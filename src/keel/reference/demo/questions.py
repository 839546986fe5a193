"""The SQL questions the demo asks of the bank's data, and the SQL agent's two configurations."""

from __future__ import annotations

from dataclasses import dataclass

#: Twenty questions an analyst asks of customers, accounts and transactions.
QUESTIONS = (
    "How many customers are there in each segment?",
    "How many customers per state?",
    "What is the total balance by product?",
    "What is the average balance per account status?",
    "How many accounts are there for each product?",
    "What is the highest account balance?",
    "What is the average APY percent by product?",
    "How many transactions are there for each kind?",
    "What is the total transaction amount by channel?",
    "What is the average transaction amount per category?",
    "How many transactions per country?",
    "What is the largest transaction amount?",
    "What is the smallest transaction amount?",
    "How many transactions are there for each status?",
    "How many customers are there per KYC status?",
    "How many customers per tax form?",
    "How many customers per age band?",
    "What is the total amount of transactions by kind?",
    "How many customers per tax residency?",
    "List the accounts with the highest balance.",
)


@dataclass(frozen=True)
class SqlConfig:
    """One configuration of the SQL agent."""

    name: str
    temperature: float = 0.7
    row_limit: int = 20


SQL_CONFIGS = (SqlConfig("sql-v1"), SqlConfig("sql-v1-warm", temperature=1.0, row_limit=10))
