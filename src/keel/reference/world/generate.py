"""Generate the world's bank and tickets from one seed (pure: the same seed, the same data)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from keel.reference.world.bank import Account, Customer, generate_accounts, generate_customers
from keel.reference.world.ledger import Transaction, simulate


@dataclass(frozen=True)
class BankData:
    """Everything in bank.db, as plain data; balances are each account's closing balance."""

    customers: list[Customer]
    accounts: list[Account]
    transactions: list[Transaction]
    balances: dict[str, int]


def generate_bank(seed: int) -> BankData:
    """Return the bank generated from `seed`."""
    rng = random.Random(seed)
    customers = generate_customers(rng)
    accounts = generate_accounts(rng, customers)
    transactions, balances = simulate(rng, customers, accounts)
    return BankData(customers, accounts, transactions, balances)
